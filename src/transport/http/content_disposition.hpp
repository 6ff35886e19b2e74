#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace talkline::transport::http {

/// Longest file name, in bytes of UTF-8, that attachment_disposition keeps.
inline constexpr std::size_t kMaxFileNameBytes = 180;
/// The name used when nothing usable is left of the given one.
inline constexpr std::string_view kFallbackFileName = "download";

/// The file name a client gave, made safe to hand back: only its last path component
/// (after any '/' or '\'), without control characters (C0, DEL, C1), double quotes,
/// bidirectional overrides (which make "gnp.exe" display as "exe.png") or invalid
/// UTF-8, trimmed of blanks and dots at either end, cut to kMaxFileNameBytes at a
/// character boundary (keeping a short extension), and never empty (kFallbackFileName).
std::string safe_file_name(std::string_view file_name);

/// A `Content-Disposition` value that makes a browser download (RFC 6266):
/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
/// (RFC 8187) for safe_file_name(file_name). The fallback replaces every non-ASCII
/// character and '%' with '_'. The result holds no CR, LF, NUL or unescaped quote.
std::string attachment_disposition(std::string_view file_name);

}  // namespace talkline::transport::http
