#include "transport/http/content_disposition.hpp"

#include <cstdint>
#include <vector>

namespace talkline::transport::http {

namespace {

constexpr std::size_t kMaxExtensionBytes = 16;

struct CodePoint {
  std::uint32_t value = 0;
  std::string_view bytes;  // its UTF-8, empty when the byte at hand was invalid
};

// Decodes the code point at the front of `text` (strict UTF-8) and takes it off; an
// invalid byte is taken off alone and returned with empty `bytes`.
CodePoint take_code_point(std::string_view& text) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[i])); };
  std::uint32_t c = byte(0);
  std::size_t length = 0;
  std::uint32_t low = 0x80;
  std::uint32_t high = 0xbf;
  std::uint32_t value = 0;
  if (c < 0x80) {
    length = 1;
    value = c;
  } else if (c >= 0xc2 && c <= 0xdf) {
    length = 2;
    value = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3;
    value = c & 0x0f;
    if (c == 0xe0) low = 0xa0;
    if (c == 0xed) high = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4;
    value = c & 0x07;
    if (c == 0xf0) low = 0x90;
    if (c == 0xf4) high = 0x8f;
  }
  bool valid = length > 0 && length <= text.size();
  for (std::size_t k = 1; valid && k < length; ++k) {
    std::uint32_t next = byte(k);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) valid = false;
    value = (value << 6) | (next & 0x3f);
  }
  if (!valid) {
    text.remove_prefix(1);
    return {};
  }
  CodePoint point{value, text.substr(0, length)};
  text.remove_prefix(length);
  return point;
}

bool is_dropped(std::uint32_t c) {
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;                          // controls
  if (c == '"') return true;                                                      // ends a quoted string
  if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;  // bidi embeddings/isolates
  if (c == 0x200e || c == 0x200f || c == 0x061c) return true;                     // direction marks
  return c == 0xfeff;                                                             // byte-order mark
}

bool is_trimmed(char c) { return c == ' ' || c == '.' || c == '\t'; }

// Where the code point that holds byte `i` of valid UTF-8 starts.
std::size_t boundary_at_or_before(std::string_view text, std::size_t i) {
  while (i > 0 && i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) --i;
  return i;
}

std::string trim_ends(std::string name) {
  std::size_t first = 0;
  while (first < name.size() && is_trimmed(name[first])) ++first;
  std::size_t last = name.size();
  while (last > first && is_trimmed(name[last - 1])) --last;
  return name.substr(first, last - first);
}

// Cuts a valid UTF-8 name to kMaxFileNameBytes, keeping a short extension.
std::string bound_length(std::string name) {
  if (name.size() <= kMaxFileNameBytes) return name;
  std::string extension;
  auto dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxExtensionBytes) extension = name.substr(dot);
  std::size_t keep = boundary_at_or_before(name, kMaxFileNameBytes - extension.size());
  return trim_ends(name.substr(0, keep) + extension);
}

bool is_attr_char(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

}  // namespace

std::string safe_file_name(std::string_view file_name) {
  auto separator = file_name.find_last_of("/\\");
  if (separator != std::string_view::npos) file_name.remove_prefix(separator + 1);

  std::string name;
  name.reserve(file_name.size());
  while (!file_name.empty()) {
    auto point = take_code_point(file_name);
    if (point.bytes.empty() || is_dropped(point.value)) continue;
    name.append(point.bytes);
  }
  name = bound_length(trim_ends(std::move(name)));
  if (name.empty()) return std::string(kFallbackFileName);
  return name;
}

std::string attachment_disposition(std::string_view file_name) {
  auto name = safe_file_name(file_name);

  std::string fallback;
  std::string_view rest = name;
  while (!rest.empty()) {
    auto point = take_code_point(rest);
    bool plain = point.value >= 0x20 && point.value < 0x7f && point.value != '%' && point.value != '\\';
    fallback.push_back(plain ? static_cast<char>(point.value) : '_');
  }

  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (is_attr_char(byte)) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0x0f]);
    }
  }
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace talkline::transport::http
