#pragma once

#include <cstddef>
#include <string_view>

namespace talkline::transport::http {

/// How many leading bytes sniff_media_type looks at.
inline constexpr std::size_t kSniffBytes = 512;

/// The media type that a file's first bytes show, from a fixed list: image/png,
/// image/jpeg, image/gif, image/webp, application/pdf, video/mp4, audio/mp4,
/// video/quicktime (ISO `ftyp` boxes), video/webm, video/x-matroska, application/ogg,
/// audio/mpeg (ID3 tag or an MPEG layer III frame header), audio/wav, text/plain
/// (UTF-8 without NUL or other binary control bytes), else application/octet-stream
/// (also for an empty file). Pass the first min(size, kSniffBytes) bytes: when `head`
/// is kSniffBytes long, a UTF-8 sequence cut at its end still counts as text.
/// Warning: HTML, SVG and scripts sniff as text/plain; they are told apart only by
/// declared_matches_sniffed refusing to take their declared type on trust.
/// Pure; never throws. The result is a literal with static storage.
std::string_view sniff_media_type(std::string_view head);

/// Whether a client's declared Content-Type (parameters and case ignored) can be
/// believed for content that sniffed as `sniffed` (a sniff_media_type result):
///
/// - a sniffed binary type (image, audio, video, PDF) needs the same type or a common
///   alias (image/jpg, audio/mp3, audio/x-wav, audio/ogg, audio/webm, ...);
/// - sniffed text/plain accepts text/plain, text/csv, text/markdown and the like, and
///   application/json;
/// - sniffed application/octet-stream (bytes of no listed kind) accepts any type that
///   is not one of the sniffable ones above: a ZIP or a .docx cannot be checked, but a
///   "PNG" that is not a PNG is a lie;
/// - a declared application/octet-stream (or an empty Content-Type) claims nothing and
///   matches anything; the caller then keeps the sniffed type;
/// - active content (text/html, image/svg+xml, XML, JavaScript, ...) never matches:
///   these are the types that run script when a browser renders them, and no sniff
///   can prove a file harmless, so a caller stores such uploads as
///   application/octet-stream or refuses them.
///
/// Downloads are still served as attachments with `nosniff`; this check keeps the
/// stored type honest for clients that render attachments inline (image previews).
bool declared_matches_sniffed(std::string_view declared, std::string_view sniffed);

}  // namespace talkline::transport::http
