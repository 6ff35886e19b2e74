#include "transport/http/content_sniffer.hpp"

#include <array>
#include <string>

namespace talkline::transport::http {

namespace {

constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr std::string_view kTextPlain = "text/plain";

bool starts_with_bytes(std::string_view head, std::string_view magic) { return head.starts_with(magic); }

unsigned char byte_at(std::string_view text, std::size_t i) { return static_cast<unsigned char>(text[i]); }

// An ISO base media file (MP4, QuickTime, 3GP) opens with an `ftyp` box: a 32-bit
// size of at least 8, "ftyp", then the major brand.
std::string_view sniff_ftyp(std::string_view head) {
  if (head.size() < 12 || head.substr(4, 4) != "ftyp") return {};
  std::uint32_t box = (std::uint32_t{byte_at(head, 0)} << 24) | (std::uint32_t{byte_at(head, 1)} << 16) |
                      (std::uint32_t{byte_at(head, 2)} << 8) | std::uint32_t{byte_at(head, 3)};
  if (box < 8) return {};
  auto brand = head.substr(8, 4);
  if (brand == "qt  ") return "video/quicktime";
  if (brand == "M4A " || brand == "M4B " || brand == "M4P ") return "audio/mp4";
  return "video/mp4";
}

// An MPEG audio frame header: 11 sync bits, a version that is not reserved, layer III,
// a bitrate index that is neither free (0) nor bad (15), a sample rate that is not
// reserved. AAC (layer bits 00) and other sync-like bytes do not pass.
bool is_mp3_frame(std::string_view head) {
  if (head.size() < 4 || byte_at(head, 0) != 0xff) return false;
  unsigned b1 = byte_at(head, 1);
  unsigned b2 = byte_at(head, 2);
  if ((b1 & 0xe0) != 0xe0) return false;
  if (((b1 >> 3) & 0x3) == 0x1) return false;  // reserved version
  if (((b1 >> 1) & 0x3) != 0x1) return false;  // layer III
  unsigned bitrate = b2 >> 4;
  if (bitrate == 0 || bitrate == 15) return false;
  return ((b2 >> 2) & 0x3) != 0x3;  // reserved sample rate
}

// Bytes that mark data as binary (the WHATWG MIME Sniffing list): every C0 control
// except tab, line feed, form feed, carriage return and escape.
bool is_binary_byte(unsigned char c) {
  return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without
// binary bytes. When `cut` is set, a sequence truncated by the end of the text is
// accepted: the text is a prefix of the file.
bool is_plain_text(std::string_view text, bool cut) {
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned c = byte_at(text, i);
    if (c < 0x80) {
      if (is_binary_byte(static_cast<unsigned char>(c))) return false;
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned low = 0x80;
    unsigned high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (i + k >= text.size()) return cut;
      unsigned next = byte_at(text, i + k);
      unsigned min = k == 1 ? low : 0x80;
      unsigned max = k == 1 ? high : 0xbf;
      if (next < min || next > max) return false;
    }
    i += length;
  }
  return true;
}

std::string essence_of(std::string_view media_type) {
  auto semicolon = media_type.find(';');
  media_type = media_type.substr(0, semicolon);
  while (!media_type.empty() && (media_type.front() == ' ' || media_type.front() == '\t')) media_type.remove_prefix(1);
  while (!media_type.empty() && (media_type.back() == ' ' || media_type.back() == '\t')) media_type.remove_suffix(1);
  std::string lower;
  lower.reserve(media_type.size());
  for (char c : media_type) lower.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  return lower;
}

// Declared types that name the same kind of content as a sniffed one.
struct Family {
  std::string_view sniffed;
  std::array<std::string_view, 7> declared;
};

constexpr std::array<Family, 14> kFamilies{{
    {"image/png", {"image/png", "image/x-png", "image/apng"}},
    {"image/jpeg", {"image/jpeg", "image/jpg", "image/pjpeg"}},
    {"image/gif", {"image/gif"}},
    {"image/webp", {"image/webp"}},
    {"application/pdf", {"application/pdf", "application/x-pdf"}},
    // One ftyp brand does not say whether the file is sound or film.
    {"video/mp4", {"video/mp4", "audio/mp4", "audio/x-m4a", "audio/m4a", "video/x-m4v", "video/3gpp"}},
    {"audio/mp4", {"audio/mp4", "audio/x-m4a", "audio/m4a", "video/mp4"}},
    {"video/quicktime", {"video/quicktime", "video/mp4"}},
    // The DocType that tells WebM from Matroska may sit past the bytes sniffed.
    {"video/webm", {"video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska"}},
    {"video/x-matroska", {"video/x-matroska", "audio/x-matroska", "video/webm", "audio/webm"}},
    {"application/ogg", {"application/ogg", "audio/ogg", "video/ogg", "audio/opus", "audio/vorbis"}},
    {"audio/mpeg", {"audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg", "audio/x-mp3"}},
    {"audio/wav", {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}},
    {"text/plain",
     {"text/plain", "text/csv", "text/markdown", "text/x-markdown", "text/tab-separated-values", "application/json",
      "text/x-log"}},
}};

bool in_family(const Family& family, std::string_view declared) {
  for (auto name : family.declared) {
    if (!name.empty() && name == declared) return true;
  }
  return false;
}

// Types a browser runs script in when it renders them.
bool is_active_content(std::string_view essence) {
  constexpr std::array<std::string_view, 10> kActive{
      "text/html",       "application/xhtml+xml",   "image/svg+xml",          "text/xml",
      "application/xml", "text/javascript",         "application/javascript", "application/ecmascript",
      "text/ecmascript", "application/x-javascript"};
  for (auto name : kActive) {
    if (essence == name) return true;
  }
  return essence.ends_with("+xml");
}

}  // namespace

std::string_view sniff_media_type(std::string_view head) {
  if (head.size() > kSniffBytes) head = head.substr(0, kSniffBytes);
  if (head.empty()) return kOctetStream;
  if (starts_with_bytes(head, std::string_view("\x89PNG\r\n\x1a\n", 8))) return "image/png";
  if (starts_with_bytes(head, "\xff\xd8\xff")) return "image/jpeg";
  if (starts_with_bytes(head, "GIF87a") || starts_with_bytes(head, "GIF89a")) return "image/gif";
  if (head.size() >= 12 && head.starts_with("RIFF")) {
    auto form = head.substr(8, 4);
    if (form == "WEBP") return "image/webp";
    if (form == "WAVE") return "audio/wav";
  }
  if (starts_with_bytes(head, "%PDF-")) return "application/pdf";
  if (auto iso = sniff_ftyp(head); !iso.empty()) return iso;
  if (starts_with_bytes(head, "\x1a\x45\xdf\xa3")) {
    return head.find("webm") != std::string_view::npos ? "video/webm" : "video/x-matroska";
  }
  if (starts_with_bytes(head, std::string_view("OggS\0", 5))) return "application/ogg";
  if (starts_with_bytes(head, "ID3") || is_mp3_frame(head)) return "audio/mpeg";
  if (is_plain_text(head, head.size() == kSniffBytes)) return kTextPlain;
  return kOctetStream;
}

bool declared_matches_sniffed(std::string_view declared, std::string_view sniffed) {
  auto essence = essence_of(declared);
  if (is_active_content(essence)) return false;
  if (essence.empty() || essence == kOctetStream) return true;
  for (const auto& family : kFamilies) {
    if (family.sniffed == sniffed) return in_family(family, essence);
  }
  // Sniffed as nothing listed: any type we could have recognised is a false claim.
  for (const auto& family : kFamilies) {
    if (in_family(family, essence)) return false;
  }
  return true;
}

}  // namespace talkline::transport::http
