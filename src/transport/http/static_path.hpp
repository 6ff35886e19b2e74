#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace talkline::transport::http {

/// The file a request for static content names, relative to the served directory, or
/// nullopt when the path may not name a file there. `path` is the decoded request path
/// below the mount point, without its leading '/'. An empty path or one ending in '/'
/// names that directory's `index.html`. Refused: `.` and `..` segments, any segment
/// starting with '.' (dotfiles such as `.env` or `.git` are never served), empty segments
/// (`a//b`), backslashes, NUL and other control bytes. Percent-decoding happened before,
/// so `%2e%2e` arrives here as `..` and is refused like it. Pure; never throws.
std::optional<std::string> static_relative_path(std::string_view path);

/// The Content-Type for a file name, from its extension (case-insensitive); text types
/// carry `charset=utf-8`. Unknown extensions are `application/octet-stream`.
std::string_view static_content_type(std::string_view file_name);

}  // namespace talkline::transport::http
