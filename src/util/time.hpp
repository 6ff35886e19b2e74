#pragma once

#include <cstdint>
#include <string>

namespace talkline::util {

/// RFC 3339 UTC with milliseconds, e.g. "2026-11-27T16:19:43.123Z".
std::string format_rfc3339(std::int64_t unix_ms);

}  // namespace talkline::util
