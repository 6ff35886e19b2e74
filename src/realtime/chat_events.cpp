// The client → server events of the chat protocol; docs/protocol.md has their shapes.
#include <thread>

#include "api/views.hpp"
#include "realtime/acks.hpp"
#include "realtime/events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/payload.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
namespace sio = transport::socketio;

Gateway::Handler Gateway::handler_for(std::string_view event) {
  if (event == events::typing) return &Gateway::typing;
  if (event == events::receipt_delivered) return &Gateway::receipt_delivered;
  if (event == events::receipt_read) return &Gateway::receipt_read;
  if (event == events::sync) return &Gateway::sync;
  if (event == events::conversation_join) return &Gateway::join;
  if (event == events::conversation_leave) return &Gateway::leave;
  return nullptr;
}

void Gateway::on_event(const SocketPtr& socket, const std::string& event, Args args, sio::Ack ack) {
  auto* state = socket->data<SocketState>();
  if (!state || !state->connection) return;
  auto connection = state->connection;
  connection->last_activity_ms = services_.clock.now_ms();
  if (event == events::message_send) {
    net::post(connection->work,
              [self = shared_from_this(), connection, args = std::move(args), ack = std::move(ack)]() mutable {
                self->send_message(connection, args, std::move(ack));
              });
    return;
  }
  Handler handler = handler_for(event);
  if (!handler) {
    if (ack) ack({error_ack(Error::invalid("event", "unknown event '" + event + "'"))});
    return;
  }
  // The connection's strand keeps its events in arrival order; the store calls
  // behind them must not run on this I/O thread.
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

void Gateway::send_message(const std::shared_ptr<Connection>& connection, const Args& args, sio::Ack ack) {
  auto answer = [ack](Result<model::SendOutcome> outcome) {
    if (!ack) return;
    if (!outcome.ok()) return ack({error_ack(outcome.error())});
    ack({ok_ack(util::Json{{"message", api::message_json(outcome->message)}})});
  };
  auto request = read_send_request(args);
  if (!request.ok()) return answer(request.take_error());

  // Check the rate limit without waiting: a shared limiter answers from its own thread
  // once Redis has. The send goes on from this strand (directly when the limiter
  // answered at once, else posted back to it): a store whose send blocks must not hold
  // the limiter's thread, and posts from that one thread keep this connection's sends
  // in the order they arrived.
  auto send = [self = shared_from_this(), connection, request = std::move(*request),
               answer = std::move(answer)](ratelimit::Decision decision) mutable {
    if (!decision.allowed) {
      return answer(Error::rate_limited("too many messages; slow down", decision.retry_after_seconds));
    }
    self->services_.messages.send_async(connection->principal, request, std::move(answer));
  };
  const auto strand_thread = std::this_thread::get_id();
  auto decided = [connection, strand_thread, send = std::move(send)](ratelimit::Decision decision) mutable {
    if (std::this_thread::get_id() == strand_thread) return send(decision);
    net::post(connection->work, [send = std::move(send), decision]() mutable { send(decision); });
  };
  services_.limiter.acquire_async("rt:send:" + std::to_string(connection->principal.user_id), options_.send_limit, 1,
                                  std::move(decided));
}

Result<util::Json> Gateway::typing(Connection& connection, const Args& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(const bool is_typing, required_bool(*payload, "typing"));
  const auto user_id = connection.principal.user_id;
  if (!is_typing) {
    {
      // The next `typing: true` starts a new indicator and must not be throttled away.
      std::lock_guard lock(connection.mutex);
      connection.typing_relayed_at.erase(conversation_id);
    }
    if (typing_.stopped(user_id, conversation_id)) {
      TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
      publish_typing(user_id, conversation_id, services::member_ids_of(summary.conversation), false);
    }
    return util::Json::object();
  }
  const auto now = services_.clock.now_ms();
  {
    // A client repeats `typing: true` on every keystroke; relay it at most once per
    // throttle period, which also bounds the store reads below.
    std::lock_guard lock(connection.mutex);
    auto& last = connection.typing_relayed_at[conversation_id];
    if (last != 0 && now - last < options_.typing_throttle.count()) {
      return util::Json::object();
    }
    last = now;
  }
  TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
  auto members = services::member_ids_of(summary.conversation);
  typing_.typing(user_id, conversation_id, members, now + options_.typing_expiry.count());
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
      {"conversationId", api::id_json(conversation_id)}, {"userId", api::id_json(user_id)}, {"typing", typing}});
  envelope.conversation_id = conversation_id;
  bus_.publish(envelope);
}

namespace {

util::Json cursors_json(const model::Member& member) {
  return {{"conversationId", api::id_json(member.conversation_id)},
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

Result<util::Json> Gateway::join(Connection& connection, const Args& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection.principal, conversation_id));
  {
    std::lock_guard lock(connection.mutex);
    connection.rooms.insert(conversation_id);
  }
  return util::Json{{"conversation", api::conversation_summary_json(summary)}};
}

Result<util::Json> Gateway::leave(Connection& connection, const Args& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  std::lock_guard lock(connection.mutex);
  connection.rooms.erase(conversation_id);
  return util::Json::object();
}

}  // namespace talkline::realtime
