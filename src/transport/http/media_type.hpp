#pragma once

#include <string_view>

namespace talkline::transport::http {

/// Whether a Content-Type value names JSON: `application/json` or any
/// `application/<x>+json`, case-insensitively, with any parameters (`; charset=utf-8`).
bool is_json_media_type(std::string_view content_type);

}  // namespace talkline::transport::http
