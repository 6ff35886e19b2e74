#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace talkline::transport::http {

// The request headers of an upload that say what the raw body is: pure parsers of
// client bytes (fuzzed: tests/fuzz/fuzz_upload_header.cpp).

/// The file name a `Content-Disposition` request header gives (RFC 6266): the
/// `filename*` parameter when it is `UTF-8''<percent-encoded>` (RFC 8187) and decodes,
/// else the `filename` parameter, a token or a quoted string (backslash escapes
/// undone). Parameter names are case-insensitive; the disposition type is not checked
/// (clients send `attachment`, `inline` or `form-data`). nullopt when the value is
/// malformed or names no file. The name is as sent: pass it through safe_file_name.
/// Pure; never throws.
std::optional<std::string> disposition_file_name(std::string_view header);

/// The `type/subtype` of a Content-Type value, lower-cased, without parameters or blanks;
/// empty when the value is not `token/token[;...]`. Pure; never throws.
std::string declared_media_type(std::string_view content_type);

}  // namespace talkline::transport::http
