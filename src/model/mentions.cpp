#include "model/mentions.hpp"

#include <algorithm>

namespace talkline::model {

namespace {

constexpr std::size_t kMinUsername = 3;
constexpr std::size_t kMaxUsername = 32;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_username_char(char c) { return is_word_char(c) || c == '.'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::vector<std::string> mentioned_usernames(std::string_view body, std::size_t max) {
  std::vector<std::string> names;
  std::size_t i = 0;
  while (i < body.size() && names.size() < max) {
    const bool starts_token = body[i] == '@' && (i == 0 || !is_word_char(body[i - 1]));
    if (!starts_token) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < body.size() && is_username_char(body[end])) ++end;
    std::size_t name_end = end;
    while (name_end > i + 1 && body[name_end - 1] == '.') --name_end;
    const std::size_t length = name_end - (i + 1);
    if (length >= kMinUsername && length <= kMaxUsername) {
      std::string name(length, '\0');
      std::transform(body.begin() + static_cast<std::ptrdiff_t>(i + 1),
                     body.begin() + static_cast<std::ptrdiff_t>(name_end), name.begin(), lower);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    // The run cannot hold another token: an '@' ends it.
    i = end;
  }
  return names;
}

void cut_reply_preview(ReplyPreview& preview, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < preview.body.size(); ++i) {
    // Every byte but a continuation byte (10xxxxxx) starts a code point.
    if ((static_cast<unsigned char>(preview.body[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) {
      preview.body.resize(i);
      preview.truncated = true;
      return;
    }
    ++chars;
  }
}

}  // namespace talkline::model
