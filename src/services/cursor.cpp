#include "services/cursor.hpp"

#include <charconv>

#include "util/crypto.hpp"
#include "util/json.hpp"

namespace talkline::services::cursor {
namespace {

Error bad_cursor() { return Error::invalid("cursor", "is not a cursor this server issued"); }

}  // namespace

std::string encode_activity(const store::ActivityCursor& position) {
  return util::base64url_encode("a:" + std::to_string(position.last_activity_at) + ":" +
                                std::to_string(position.conversation_id));
}

Result<store::ActivityCursor> decode_activity(std::string_view text) {
  const auto raw = util::base64url_decode(text);
  if (!raw || !raw->starts_with("a:")) return bad_cursor();
  const std::string_view body = std::string_view(*raw).substr(2);
  const auto colon = body.find(':');
  if (colon == std::string_view::npos) return bad_cursor();
  store::ActivityCursor position;
  const auto ms = body.substr(0, colon);
  const auto [ptr, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), position.last_activity_at);
  if (ec != std::errc{} || ptr != ms.data() + ms.size() || position.last_activity_at < 0) return bad_cursor();
  const auto id = util::parse_id(body.substr(colon + 1));
  if (!id) return bad_cursor();
  position.conversation_id = *id;
  return position;
}

std::string encode_username(std::string_view username) { return util::base64url_encode("u:" + std::string(username)); }

Result<std::string> decode_username(std::string_view text) {
  auto raw = util::base64url_decode(text);
  if (!raw || !raw->starts_with("u:") || raw->size() > 40) return bad_cursor();
  return raw->substr(2);
}

Result<model::Id> decode_id(std::string_view text, std::string_view field) {
  const auto id = util::parse_id(text);
  if (!id) return Error::invalid(std::string(field), "must be a decimal id");
  return *id;
}

}  // namespace talkline::services::cursor
