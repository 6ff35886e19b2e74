#include "transport/http/upload_header.hpp"

#include <cctype>

namespace talkline::transport::http {

namespace {

// RFC 9110 tchar.
bool is_token_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (std::isalnum(byte)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

void skip_blanks(std::string_view& rest) {
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
}

std::string take_token(std::string_view& rest) {
  std::string token;
  while (!rest.empty() && is_token_char(rest.front())) {
    token.push_back(rest.front());
    rest.remove_prefix(1);
  }
  return token;
}

// A quoted string after its opening quote; nullopt when it never closes.
std::optional<std::string> take_quoted(std::string_view& rest) {
  std::string text;
  while (!rest.empty()) {
    char c = rest.front();
    rest.remove_prefix(1);
    if (c == '"') return text;
    if (c == '\\') {
      if (rest.empty()) return std::nullopt;
      c = rest.front();
      rest.remove_prefix(1);
    }
    text.push_back(c);
  }
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 8187 ext-value: charset ' [language] ' value-chars. Only UTF-8 is taken: it is what
// every client sends, and the name is checked as UTF-8 later anyway.
std::optional<std::string> decode_ext_value(std::string_view value) {
  const auto first = value.find('\'');
  if (first == std::string_view::npos) return std::nullopt;
  std::string charset;
  for (char c : value.substr(0, first)) charset.push_back(lower(c));
  if (charset != "utf-8") return std::nullopt;
  const auto second = value.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string decoded;
  for (std::size_t i = second + 1; i < value.size(); ++i) {
    if (value[i] != '%') {
      decoded.push_back(value[i]);
      continue;
    }
    if (i + 2 >= value.size()) return std::nullopt;
    const int high = hex_value(value[i + 1]);
    const int low = hex_value(value[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

}  // namespace

std::optional<std::string> disposition_file_name(std::string_view header) {
  std::string_view rest = header;
  skip_blanks(rest);
  if (take_token(rest).empty()) return std::nullopt;
  std::optional<std::string> plain;
  std::optional<std::string> extended;
  for (;;) {
    skip_blanks(rest);
    if (rest.empty()) break;
    if (rest.front() != ';') return std::nullopt;
    rest.remove_prefix(1);
    skip_blanks(rest);
    if (rest.empty()) break;  // a trailing ';' is common and harmless
    std::string name = take_token(rest);
    if (name.empty()) return std::nullopt;
    for (char& c : name) c = lower(c);
    skip_blanks(rest);
    if (rest.empty() || rest.front() != '=') return std::nullopt;
    rest.remove_prefix(1);
    skip_blanks(rest);
    std::optional<std::string> value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      value = take_quoted(rest);
      if (!value) return std::nullopt;
    } else {
      value = take_token(rest);
      if (value->empty()) return std::nullopt;
    }
    if (name == "filename*") {
      if (auto decoded = decode_ext_value(*value)) extended = std::move(decoded);
    } else if (name == "filename") {
      plain = std::move(value);
    }
  }
  if (extended && !extended->empty()) return extended;
  if (plain && !plain->empty()) return plain;
  return std::nullopt;
}

std::string declared_media_type(std::string_view content_type) {
  std::string_view rest = content_type;
  skip_blanks(rest);
  std::string type = take_token(rest);
  if (type.empty() || rest.empty() || rest.front() != '/') return {};
  rest.remove_prefix(1);
  std::string subtype = take_token(rest);
  if (subtype.empty()) return {};
  skip_blanks(rest);
  if (!rest.empty() && rest.front() != ';') return {};
  std::string media = type + '/' + subtype;
  for (char& c : media) c = lower(c);
  return media;
}

}  // namespace talkline::transport::http
