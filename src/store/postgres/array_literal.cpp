#include "store/postgres/array_literal.hpp"

#include <charconv>

namespace talkline::store::postgres {

std::string bigint_array_literal(const std::vector<std::optional<std::int64_t>>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += values[i] ? std::to_string(*values[i]) : std::string("NULL");
  }
  literal += '}';
  return literal;
}

std::string text_array_literal(const std::vector<std::string_view>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

std::optional<std::vector<std::int64_t>> parse_bigint_array(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return std::nullopt;
  std::vector<std::int64_t> values;
  std::string_view rest = literal.substr(1, literal.size() - 2);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view element = rest.substr(0, comma);
    if (element != "NULL") {
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(element.data(), element.data() + element.size(), value);
      if (ec != std::errc() || end != element.data() + element.size()) return std::nullopt;
      values.push_back(value);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return values;
}

}  // namespace talkline::store::postgres
