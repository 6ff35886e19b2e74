#include "transport/http/byte_range.hpp"

#include <limits>
#include <optional>

namespace talkline::transport::http {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A run of digits as a number, saturating at the largest value: a position that does
// not fit is past any real size, which is what the saturated value says too.
std::optional<std::uint64_t> parse_position(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  return value;
}

bool unit_is_bytes(std::string_view unit) {
  constexpr std::string_view kBytes = "bytes";
  if (unit.size() != kBytes.size()) return false;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    char c = unit[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kBytes[i]) return false;
  }
  return true;
}

}  // namespace

RangeDecision evaluate_range(std::string_view header, std::uint64_t size) {
  RangeDecision whole;
  auto equals = header.find('=');
  if (equals == std::string_view::npos || !unit_is_bytes(trim(header.substr(0, equals)))) return whole;
  auto spec = trim(header.substr(equals + 1));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges (or an empty list member)
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  auto first_text = trim(spec.substr(0, dash));
  auto last_text = trim(spec.substr(dash + 1));

  RangeDecision answer;
  if (first_text.empty()) {
    // bytes=-n: the last n bytes.
    auto suffix = parse_position(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) {
      answer.outcome = RangeDecision::Outcome::unsatisfiable;
      return answer;
    }
    std::uint64_t length = *suffix < size ? *suffix : size;
    answer.outcome = RangeDecision::Outcome::partial;
    answer.range = {size - length, length};
    return answer;
  }

  auto first = parse_position(first_text);
  if (!first) return whole;
  std::uint64_t last = kMax;
  if (!last_text.empty()) {
    auto parsed = parse_position(last_text);
    if (!parsed || *parsed < *first) return whole;  // invalid syntax: ignored, not 416
    last = *parsed;
  }
  if (*first >= size) {
    answer.outcome = RangeDecision::Outcome::unsatisfiable;
    return answer;
  }
  if (last > size - 1) last = size - 1;
  answer.outcome = RangeDecision::Outcome::partial;
  answer.range = {*first, last - *first + 1};
  return answer;
}

std::string content_range_value(ByteRange range, std::uint64_t size) {
  return "bytes " + std::to_string(range.offset) + "-" + std::to_string(range.offset + range.length - 1) + "/" +
         std::to_string(size);
}

std::string unsatisfied_range_value(std::uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace talkline::transport::http
