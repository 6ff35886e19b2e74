// The client → server events of the chat protocol; docs/protocol.md has their shapes.
#include <thread>

#include "realtime/acks.hpp"
#include "realtime/events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/payload.hpp"
#include "wire/conversation_json.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
namespace sio = transport::socketio;

Gateway::Handler Gateway::blocking_handler_for(std::string_view event) {
  if (event == events::receipt_delivered) return &Gateway::receipt_delivered;
  if (event == events::receipt_read) return &Gateway::receipt_read;
  if (event == events::sync) return &Gateway::sync;
  return nullptr;
}

// On the connection's loop. What needs no store read is done here; the rest goes to
// the blocking pool on the connection's work strand, which keeps it in arrival order.
void Gateway::on_event(const SocketPtr& socket, const std::string& event, Args args, sio::Ack ack) {
  auto* state = socket->data<SocketState>();
  if (!state || !state->connection) return;
  const auto& connection = state->connection;
  connection->last_activity_ms = services_.clock.now_ms();
  if (event == events::message_send) {
    if (sends_on_loop()) return send_message(connection, args, std::move(ack));
    net::post(connection->work,
              [self = shared_from_this(), connection, args = std::move(args), ack = std::move(ack)]() mutable {
                self->send_message(connection, args, std::move(ack));
              });
    return;
  }
  if (event == events::typing) return typing(connection, args, std::move(ack));
  if (event == events::conversation_join) return join(connection, args, std::move(ack));
  if (event == events::conversation_leave) {
    auto result = leave(*connection, args);
    if (ack) ack({result.ok() ? ok_ack(std::move(*result)) : error_ack(result.error())});
    return;
  }
  Handler handler = blocking_handler_for(event);
  if (!handler) {
    if (ack) ack({error_ack(Error::invalid("event", "unknown event '" + event + "'"))});
    return;
  }
  net::post(connection->work,
            [self = shared_from_this(), connection, handler, args = std::move(args), ack = std::move(ack)] {
              auto result = (self.get()->*handler)(*connection, args);
              if (ack) ack({result.ok() ? ok_ack(std::move(*result)) : error_ack(result.error())});
            });
}

namespace {

Result<services::SendRequest> read_send_request(const util::Json::array_t& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  services::SendRequest request;
  TL_TRY_ASSIGN(request.conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(request.client_msg_id, required_string(*payload, "clientMsgId"));
  TL_TRY_ASSIGN(request.body, required_string(*payload, "body"));
  Error problem;
  request.reply_to = optional_id(*payload, "replyTo", problem);
  if (!problem.message.empty()) return problem;
  return request;
}

}  // namespace

void Gateway::send_message(const ConnectionPtr& connection, const Args& args, sio::Ack ack) {
  // A commit's outcomes arrive on the store's thread; their acks reach each connection's
  // loop through its inbox, one wake-up for the whole commit rather than one per sender.
  auto answer = [connection, ack](Result<model::SendOutcome> outcome) {
    if (!ack) return;
    std::string json = outcome.ok() ? "[{\"message\":" + wire::message_wire(outcome->message) + ",\"ok\":true}]"
                                    : util::dump_json(util::Json::array({error_ack(outcome.error())}));
    if (connection->loop.running_in_this_thread()) return ack.send_serialized(json);
    std::vector<Delivery> answer_later;
    answer_later.push_back(Delivery{connection, Delivery::Kind::ack, 0, 0, nullptr, ack, std::move(json)});
    connection->inbox->push(answer_later);
  };
  auto request = read_send_request(args);
  if (!request.ok()) return answer(request.take_error());

  // Check the rate limit without waiting: a shared limiter answers from its own thread
  // once Redis has. The send goes on where it started (the loop, or the work strand for
  // a store whose send blocks): directly when the limiter answered at once, else posted
  // back there. Posts from the limiter's one thread keep this connection's sends in
  // the order they arrived.
  auto send = [self = shared_from_this(), connection, request = std::move(*request),
               answer = std::move(answer)](ratelimit::Decision decision) mutable {
    if (!decision.allowed) {
      return answer(Error::rate_limited("too many messages; slow down", decision.retry_after_seconds));
    }
    self->services_.messages.send_async(connection->principal, request, std::move(answer));
  };
  const auto started_on = std::this_thread::get_id();
  auto decided = [self = shared_from_this(), connection, started_on,
                  send = std::move(send)](ratelimit::Decision decision) mutable {
    if (std::this_thread::get_id() == started_on) return send(decision);
    auto resume = [send = std::move(send), decision]() mutable { send(decision); };
    if (self->sends_on_loop()) {
      net::post(connection->loop, std::move(resume));
    } else {
      net::post(connection->work, std::move(resume));
    }
  };
  services_.limiter.acquire_async("rt:send:" + std::to_string(connection->principal.user_id), options_.send_limit, 1,
                                  std::move(decided));
}

void Gateway::typing(const ConnectionPtr& connection, const Args& args, sio::Ack ack) {
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
  if (!is_typing) {
    // The next `typing: true` starts a new indicator and must not be throttled away.
    connection->typing_relayed_at.erase(conversation_id);
  } else {
    // A client repeats `typing: true` on every keystroke; relay it at most once per
    // throttle period, which also bounds the store reads behind the relay.
    const auto now = services_.clock.now_ms();
    auto& last = connection->typing_relayed_at[conversation_id];
    if (last != 0 && now - last < options_.typing_throttle.count()) {
      if (ack) ack({ok_ack(util::Json::object())});
      return;
    }
    last = now;
  }
  net::post(connection->work,
            [self = shared_from_this(), connection, conversation_id, is_typing, ack = std::move(ack)] {
              auto result = self->relay_typing(*connection, conversation_id, is_typing);
              if (ack) ack({result.ok() ? ok_ack(std::move(*result)) : error_ack(result.error())});
            });
}

// On the blocking pool: the members come from the store.
Result<util::Json> Gateway::relay_typing(const Connection& connection, model::Id conversation_id, bool is_typing) {
  const auto user_id = connection.principal.user_id;
  if (!is_typing) {
    if (typing_.stopped(user_id, conversation_id)) {
      TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
      publish_typing(user_id, conversation_id, services::member_ids_of(summary.conversation), false);
    }
    return util::Json::object();
  }
  TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
  auto members = services::member_ids_of(summary.conversation);
  typing_.typing(user_id, conversation_id, members, services_.clock.now_ms() + options_.typing_expiry.count());
  publish_typing(user_id, conversation_id, std::move(members), true);
  return util::Json::object();
}

void Gateway::publish_typing(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids,
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

namespace {

util::Json cursors_json(const model::Member& member) {
  return {{"conversationId", wire::id_json(member.conversation_id)},
          {"deliveredSeq", member.delivered_seq},
          {"readSeq", member.read_seq}};
}

}  // namespace

Result<util::Json> Gateway::receipt_delivered(Connection& connection, const Args& args) {
  return move_cursor(connection, args, model::CursorKind::delivered);
}

Result<util::Json> Gateway::receipt_read(Connection& connection, const Args& args) {
  return move_cursor(connection, args, model::CursorKind::read);
}

Result<util::Json> Gateway::move_cursor(Connection& connection, const Args& args, model::CursorKind kind) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(const auto seq, required_seq(*payload, "seq"));
  const auto& caller = connection.principal;
  TL_TRY_ASSIGN(const auto member, kind == model::CursorKind::read
                                       ? services_.messages.mark_read(caller, conversation_id, seq)
                                       : services_.messages.mark_delivered(caller, conversation_id, seq));
  return cursors_json(member);
}

void Gateway::join(const ConnectionPtr& connection, const Args& args, sio::Ack ack) {
  net::post(connection->work, [self = shared_from_this(), connection, args, ack = std::move(ack)] {
    auto joined = [&]() -> Result<std::pair<model::Id, util::Json>> {
      TL_TRY_ASSIGN(const auto* payload, payload_object(args));
      TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
      TL_TRY_ASSIGN(const auto summary, self->services_.conversations.get(connection->principal, conversation_id));
      return std::pair{conversation_id, util::Json{{"conversation", wire::conversation_summary_json(summary)}}};
    }();
    if (!joined.ok()) {
      if (ack) ack({error_ack(joined.error())});
      return;
    }
    // The room is the loop's to change; the ack follows it there, so typing sent after
    // the client hears the ack reaches this connection.
    net::post(connection->loop, [connection, joined = std::move(*joined), ack] {
      connection->rooms.insert(joined.first);
      if (ack) ack({ok_ack(joined.second)});
    });
  });
}

Result<util::Json> Gateway::leave(Connection& connection, const Args& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  connection.rooms.erase(conversation_id);
  return util::Json::object();
}

}  // namespace talkline::realtime
