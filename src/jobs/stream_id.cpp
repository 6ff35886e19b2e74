#include "jobs/stream_id.hpp"

#include <charconv>

namespace talkline::jobs {

namespace {

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::optional<StreamId> parse_stream_id(std::string_view text) {
  StreamId id;
  const auto dash = text.find('-');
  if (!parse_number(text.substr(0, dash), id.ms)) return std::nullopt;
  if (dash != std::string_view::npos && !parse_number(text.substr(dash + 1), id.seq)) return std::nullopt;
  return id;
}

}  // namespace talkline::jobs
