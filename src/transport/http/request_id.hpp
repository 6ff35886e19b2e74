#pragma once

#include <string>
#include <string_view>

namespace talkline::transport::http {

/// Whether a client-sent X-Request-Id is safe to adopt and echo: 1–128 characters
/// of [A-Za-z0-9._-]. Anything else could smuggle text into logs or headers.
bool is_valid_request_id(std::string_view id);

/// A fresh id: 16 lowercase hex digits from a per-thread random generator.
/// Unique enough to correlate log lines; not a secret.
std::string generate_request_id();

}  // namespace talkline::transport::http
