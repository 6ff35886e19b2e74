#include "transport/engineio/codec/handshake.hpp"

#include <string_view>

#include <nlohmann/json.hpp>

#include "util/crypto.hpp"

namespace talkline::transport::engineio {

Packet encode_open(const HandshakeInfo& info) {
  // ordered_json keeps insertion order; the plain json type would sort the keys.
  nlohmann::ordered_json body;
  body["sid"] = info.sid;
  body["upgrades"] = info.upgrades;
  body["pingInterval"] = info.ping_interval_ms;
  body["pingTimeout"] = info.ping_timeout_ms;
  body["maxPayload"] = info.max_payload;
  return Packet::text(PacketType::open, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

std::string make_sid() {
  // 15 bytes is exactly 20 base64url characters, with no padding to strip.
  constexpr std::size_t kSidBytes = kSidLength / 4 * 3;
  return util::random_token(kSidBytes);
}

namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
  auto at = kBase64Url.find(c);
  return at == std::string_view::npos ? 0 : static_cast<int>(at);
}

}  // namespace

std::string make_sid(int owner) {
  std::string sid = make_sid();
  sid[0] = kBase64Url[static_cast<std::size_t>(owner >> 6) & 63];
  sid[1] = kBase64Url[static_cast<std::size_t>(owner) & 63];
  return sid;
}

int sid_owner(std::string_view sid) {
  if (sid.size() < 2) return 0;
  return base64url_value(sid[0]) * 64 + base64url_value(sid[1]);
}

bool is_well_formed_sid(std::string_view sid) {
  if (sid.size() != kSidLength) return false;
  for (const char c : sid) {
    const bool url_safe =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!url_safe) return false;
  }
  return true;
}

}  // namespace talkline::transport::engineio
