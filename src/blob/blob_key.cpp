#include "blob/blob_key.hpp"

#include <string>

namespace talkline::blob {

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '/';
}

Result<void> check_key(std::string_view key) {
  if (key.empty()) return Error::invalid("key", "is empty");
  if (key.size() > kMaxKeyLength) {
    return Error::invalid("key", "is longer than " + std::to_string(kMaxKeyLength) + " characters");
  }
  for (const char c : key) {
    if (!is_key_char(c)) return Error::invalid("key", "may hold only letters, digits and . _ - /");
  }
  // Every '/'-separated segment: not empty (no leading, trailing or double '/'),
  // not "." and not "..", so the key names nothing outside the store.
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const std::string_view segment = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (segment.empty()) return Error::invalid("key", "has an empty segment (a leading, trailing or double '/')");
    if (segment == "." || segment == "..") return Error::invalid("key", "has a '.' or '..' segment");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return ok_result();
}

Result<void> check_prefix(std::string_view prefix) {
  if (prefix.size() > kMaxKeyLength) {
    return Error::invalid("prefix", "is longer than " + std::to_string(kMaxKeyLength) + " characters");
  }
  for (const char c : prefix) {
    if (!is_key_char(c)) return Error::invalid("prefix", "may hold only letters, digits and . _ - /");
  }
  return ok_result();
}

}  // namespace talkline::blob
