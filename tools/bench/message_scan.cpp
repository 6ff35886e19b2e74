#include "message_scan.hpp"

#include <charconv>

namespace talkline::bench {

namespace {

// The string value after `"key":"`, up to its closing quote; nullopt when the key is
// absent or the value holds a backslash (an escape this scanner does not decode).
std::optional<std::string_view> string_after(std::string_view object, std::string_view key_and_quote) {
  const auto at = object.find(key_and_quote);
  if (at == std::string_view::npos) return std::nullopt;
  const auto begin = at + key_and_quote.size();
  const auto end = object.find_first_of("\"\\", begin);
  if (end == std::string_view::npos || object[end] != '"') return std::nullopt;
  return object.substr(begin, end - begin);
}

}  // namespace

std::optional<MessageNewView> scan_message_new(std::string_view packet) {
  constexpr std::string_view kPrefix = R"(2["message:new",{)";
  if (!packet.starts_with(kPrefix) || !packet.ends_with("}]")) return std::nullopt;
  const std::string_view object = packet.substr(kPrefix.size() - 1);

  MessageNewView view;
  auto conversation = string_after(object, R"("conversationId":")");
  auto body = string_after(object, R"("body":")");
  if (!conversation || !body) return std::nullopt;
  view.conversation_id = *conversation;
  view.body = *body;

  constexpr std::string_view kSeq = R"("seq":)";
  const auto at = object.find(kSeq);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = object.data() + at + kSeq.size();
  const char* last = object.data() + object.size();
  const auto [end, error] = std::from_chars(first, last, view.seq);
  if (error != std::errc() || end == first || view.seq <= 0) return std::nullopt;
  return view;
}

}  // namespace talkline::bench
