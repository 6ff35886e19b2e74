#include "realtime/typing_relay.hpp"

#include "realtime/acks.hpp"
#include "realtime/events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/payload.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
namespace sio = transport::socketio;

void TypingRelay::typing(const std::shared_ptr<Connection>& connection, const util::Json::array_t& args, sio::Ack ack) {
  auto parsed = [&]() -> Result<std::pair<model::Id, bool>> {
    TL_TRY_ASSIGN(const auto* payload, payload_object(args));
    TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
    TL_TRY_ASSIGN(const bool is_typing, required_bool(*payload, "typing"));
    return std::pair{conversation_id, is_typing};
  }();
  if (!parsed.ok()) {
    if (ack) ack({error_ack(parsed.error())});
    return;
  }
  const auto [conversation_id, is_typing] = *parsed;
  auto& relayed_at = connection->typing.relayed_at;
  if (!is_typing) {
    // The next `typing: true` starts a new indicator and must not be throttled away.
    relayed_at.erase(conversation_id);
  } else {
    // A client repeats `typing: true` on every keystroke; relay it at most once per
    // throttle period, which also bounds the store reads behind the relay.
    const auto now = services_.clock.now_ms();
    auto& last = relayed_at[conversation_id];
    if (last != 0 && now - last < options_.typing_throttle.count()) {
      if (ack) ack({ok_ack(util::Json::object())});
      return;
    }
    last = now;
  }
  net::post(connection->work, [gateway = gateway_.shared_from_this(), this, connection, conversation_id, is_typing,
                               ack = std::move(ack)] {
    auto result = relay(*connection, conversation_id, is_typing);
    if (ack) ack({result.ok() ? ok_ack(std::move(*result)) : error_ack(result.error())});
  });
}

// On the blocking pool: the members come from the store.
Result<util::Json> TypingRelay::relay(const Connection& connection, model::Id conversation_id, bool is_typing) {
  const auto user_id = connection.principal.user_id;
  if (!is_typing) {
    if (typing_.stopped(user_id, conversation_id)) {
      TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
      publish(user_id, conversation_id, services::member_ids_of(summary.conversation), false);
    }
    return util::Json::object();
  }
  TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
  auto members = services::member_ids_of(summary.conversation);
  typing_.typing(user_id, conversation_id, members, services_.clock.now_ms() + options_.typing_expiry.count());
  publish(user_id, conversation_id, std::move(members), true);
  return util::Json::object();
}

void TypingRelay::withdraw_expired(std::int64_t now_ms) {
  for (auto& expired : typing_.take_expired(now_ms)) {
    publish(expired.user_id, expired.conversation_id, std::move(expired.member_ids), false);
  }
}

void TypingRelay::publish(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids,
                          bool typing) {
  std::erase(member_ids, user_id);  // the other members; never the typist's own devices
  bus::Envelope envelope;
  envelope.user_ids = std::move(member_ids);
  envelope.event = std::string(events::typing);
  envelope.payload_json = util::dump_json(util::Json{
      {"conversationId", wire::id_json(conversation_id)}, {"userId", wire::id_json(user_id)}, {"typing", typing}});
  envelope.conversation_id = conversation_id;
  bus_.publish(envelope);
}

}  // namespace talkline::realtime
