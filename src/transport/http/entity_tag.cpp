#include "transport/http/entity_tag.hpp"

#include <optional>

namespace talkline::transport::http {

namespace {

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
bool is_etag_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte == 0x21 || (byte >= 0x23 && byte <= 0x7e) || byte >= 0x80;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

void skip_blanks(std::string_view& text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
}

struct Tag {
  bool weak = false;
  std::string_view opaque;  // without the quotes
};

// Takes one entity tag off the front of `text`; nullopt when there is none.
std::optional<Tag> take_tag(std::string_view& text) {
  Tag tag;
  if (text.starts_with("W/")) {
    tag.weak = true;
    text.remove_prefix(2);
  }
  if (text.empty() || text.front() != '"') return std::nullopt;
  auto close = text.find('"', 1);
  if (close == std::string_view::npos) return std::nullopt;
  tag.opaque = text.substr(1, close - 1);
  for (char c : tag.opaque) {
    if (!is_etag_char(c)) return std::nullopt;
  }
  text.remove_prefix(close + 1);
  return tag;
}

// The whole of `text` as one tag.
std::optional<Tag> parse_tag(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  skip_blanks(text);
  auto tag = take_tag(text);
  if (!tag || !text.empty()) return std::nullopt;
  return tag;
}

}  // namespace

std::string strong_etag(std::string_view opaque) {
  std::string tag = "\"";
  for (char c : opaque) {
    if (is_etag_char(c) && c != '\\') tag.push_back(c);
  }
  tag.push_back('"');
  return tag;
}

// If-None-Match = "*" / #entity-tag. Empty list members (", ,") are allowed by the
// list syntax (RFC 9110 §5.6.1) and skipped.
bool if_none_match_matches(std::string_view header, std::string_view etag) {
  auto ours = parse_tag(etag);
  if (!ours) return false;
  std::string_view rest = header;
  skip_blanks(rest);
  while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
  if (rest == "*") return true;

  bool matched = false;
  while (!rest.empty()) {
    if (rest.front() == ',') {
      rest.remove_prefix(1);
      skip_blanks(rest);
      continue;
    }
    auto tag = take_tag(rest);
    if (!tag) return false;
    if (tag->opaque == ours->opaque) matched = true;
    skip_blanks(rest);
    if (!rest.empty() && rest.front() != ',') return false;
  }
  return matched;
}

bool if_none_match_matches(const std::vector<std::string_view>& headers, std::string_view etag) {
  for (auto header : headers) {
    if (if_none_match_matches(header, etag)) return true;
  }
  return false;
}

bool if_range_matches(std::string_view header, std::string_view etag) {
  auto theirs = parse_tag(header);
  auto ours = parse_tag(etag);
  return theirs && ours && !theirs->weak && !ours->weak && theirs->opaque == ours->opaque;
}

}  // namespace talkline::transport::http
