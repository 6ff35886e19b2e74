#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// U uploaders post files at rising rates (open loop, like persist), then the large step
/// uploads a few large files at once; every answer is checked (201, size, SHA-256) and the
/// server's RSS is sampled throughout. Returns 0 clean, 1 a wrong or missing answer, 2 a
/// setup failure.
int run_attachments(const CommonOptions& common, const AttachmentsOptions& options);

}  // namespace talkline::bench
