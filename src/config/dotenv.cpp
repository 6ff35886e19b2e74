#include "config/dotenv.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace talkline::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// After a closing quote only blanks or a comment may follow.
bool only_comment_left(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || rest.front() == '#';
}

// Returns an error message, or nothing when `raw` (the text after '=') was read into `value`.
std::optional<std::string> read_value(std::string_view after_equals, std::string& value) {
  std::string_view raw = trim(after_equals);
  if (raw.empty()) {
    value.clear();
    return std::nullopt;
  }
  if (raw.front() == '\'') {
    const auto close = raw.find('\'', 1);
    if (close == std::string_view::npos) return "unterminated single quote";
    if (!only_comment_left(raw.substr(close + 1))) return "unexpected text after closing quote";
    value.assign(raw.substr(1, close - 1));
    return std::nullopt;
  }
  if (raw.front() == '"') {
    value.clear();
    for (std::size_t i = 1; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '"') {
        if (!only_comment_left(raw.substr(i + 1))) return "unexpected text after closing quote";
        return std::nullopt;
      }
      if (c == '\\' && i + 1 < raw.size()) {
        const char next = raw[++i];
        switch (next) {
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case '"': value.push_back('"'); break;
          case '\\': value.push_back('\\'); break;
          default:
            // Unknown escapes are kept as written, as most dotenv readers do.
            value.push_back('\\');
            value.push_back(next);
        }
        continue;
      }
      value.push_back(c);
    }
    return "unterminated double quote";
  }
  // Bare value: a '#' preceded by a blank starts a comment; a '#' inside a word does not.
  for (std::size_t i = 1; i < after_equals.size(); ++i) {
    if (after_equals[i] == '#' && is_space(after_equals[i - 1])) {
      after_equals = after_equals.substr(0, i);
      break;
    }
  }
  value.assign(trim(after_equals));
  return std::nullopt;
}

Error dotenv_error(std::string_view source, std::size_t line_number, std::string_view problem) {
  std::string message = std::string(source) + ":" + std::to_string(line_number) + ": " + std::string(problem);
  return Error{ErrorCode::invalid_argument, message, {{std::string(source), message}}, 0};
}

}  // namespace

Result<EnvMap> parse_dotenv(std::string_view text, std::string_view source) {
  EnvMap entries;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") line = trim(line.substr(7));

    const auto equals = line.find('=');
    if (equals == std::string_view::npos) return dotenv_error(source, line_number, "expected KEY=VALUE");
    const std::string_view key = trim(line.substr(0, equals));
    if (!valid_key(key)) {
      return dotenv_error(source, line_number, "'" + std::string(key) + "' is not a valid variable name");
    }
    std::string value;
    if (const auto problem = read_value(line.substr(equals + 1), value)) {
      return dotenv_error(source, line_number, *problem);
    }
    entries.insert_or_assign(std::string(key), std::move(value));
  }
  return entries;
}

Result<EnvMap> read_dotenv_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const std::string message = "cannot read env file '" + path + "': " + std::strerror(errno);
    return Error{ErrorCode::invalid_argument, message, {{"TALKLINE_ENV_FILE", message}}, 0};
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return parse_dotenv(contents.str(), path);
}

}  // namespace talkline::config
