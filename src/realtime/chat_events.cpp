#include "realtime/chat_events.hpp"

#include <thread>

#include "realtime/acks.hpp"
#include "realtime/catch_up.hpp"
#include "realtime/delivery_inbox.hpp"
#include "realtime/events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/payload.hpp"
#include "realtime/typing_relay.hpp"
#include "util/json_fields.hpp"
#include "util/metrics/node_metrics.hpp"
#include "wire/conversation_json.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
namespace sio = transport::socketio;

ChatEvents::Handler ChatEvents::blocking_handler_for(std::string_view event) {
  if (event == events::sync) return &ChatEvents::sync;
  return nullptr;
}

namespace {

// An ack: `send_started_ns` (a send's arrival) makes its write count in the ack latency.
Delivery ack_delivery(const std::shared_ptr<Connection>& connection, const sio::Ack& ack, std::string json,
                      std::uint64_t send_started_ns = 0) {
  return Delivery{connection, Delivery::Kind::ack, 0, 0, nullptr, ack, std::move(json), send_started_ns};
}

// Outcomes of sends and receipts arrive on the store's thread; their acks reach each
// connection's loop through its inbox, one wake-up for a whole commit rather than one
// per caller.
void answer_on_loop(Gateway& gateway, Delivery answer) {
  if (answer.connection->loop.running_in_this_thread()) return gateway.answer(answer);
  auto* inbox = answer.connection->inbox;
  std::vector<Delivery> answer_later;
  answer_later.push_back(std::move(answer));
  inbox->push(answer_later);
}

// The answer to one of the connection's sends or changes, which settles it on the loop
// (Gateway::settle_own_change); `made` is the change it made, if it made a new one.
void answer_own_change(Gateway& gateway, const std::shared_ptr<Connection>& connection, const sio::Ack& ack,
                       std::string json, std::optional<std::pair<model::Id, model::Seq>> made,
                       std::uint64_t send_started_ns = 0) {
  Delivery answer = ack_delivery(connection, ack, std::move(json), send_started_ns);
  answer.settles_own_change = true;
  if (made) std::tie(answer.conversation_id, answer.change_seq) = *made;
  answer_on_loop(gateway, std::move(answer));
}

// The change a client event asks for, if it asks for one.
std::optional<model::ChangeKind> change_kind_of(std::string_view event) {
  if (event == events::message_edit) return model::ChangeKind::edited;
  if (event == events::message_delete) return model::ChangeKind::deleted;
  if (event == events::reaction_add) return model::ChangeKind::reacted;
  if (event == events::reaction_remove) return model::ChangeKind::unreacted;
  if (event == events::pin_add) return model::ChangeKind::pinned;
  if (event == events::pin_remove) return model::ChangeKind::unpinned;
  return std::nullopt;
}

}  // namespace

bool ChatEvents::sends_on_loop() const { return services_.messages.sends_complete_later(); }

bool ChatEvents::in_room(const Connection& connection, model::Id conversation_id) {
  return connection.rooms.joined.contains(conversation_id);
}

// On the connection's loop. What needs no store read is done here; the rest goes to
// the blocking pool on the connection's work strand, which keeps it in arrival order.
void ChatEvents::on_event(const std::shared_ptr<sio::Socket>& socket, const std::string& event, Args args,
                          sio::Ack ack) {
  auto* state = socket->data<SocketState>();
  if (!state || !state->connection) return;
  const auto& connection = state->connection;
  connection->last_activity_ms = services_.clock.now_ms();
  if (event == events::message_send) {
    ++connection->ordering.own_changes_unanswered;  // settled by its answer, whatever it is
    if (sends_on_loop()) return send_message(connection, args, std::move(ack));
    net::post(connection->work, [gateway = gateway_.shared_from_this(), this, connection, args = std::move(args),
                                 ack = std::move(ack)]() mutable { send_message(connection, args, std::move(ack)); });
    return;
  }
  const auto change_kind = change_kind_of(event);
  if (change_kind) {
    const auto kind = *change_kind;
    ++connection->ordering.own_changes_unanswered;
    if (sends_on_loop()) return change_message(connection, args, kind, std::move(ack));
    net::post(connection->work,
              [gateway = gateway_.shared_from_this(), this, connection, kind, args = std::move(args),
               ack = std::move(ack)]() mutable { change_message(connection, args, kind, std::move(ack)); });
    return;
  }
  if (event == events::typing) return typing_.typing(connection, args, std::move(ack));
  if (event == events::conversation_join) return join(connection, args, std::move(ack));
  if (event == events::receipt_delivered) {
    return move_cursor(connection, args, model::CursorKind::delivered, std::move(ack));
  }
  if (event == events::receipt_read) return move_cursor(connection, args, model::CursorKind::read, std::move(ack));
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
  net::post(connection->work, [gateway = gateway_.shared_from_this(), this, connection, handler, args = std::move(args),
                               ack = std::move(ack)] {
    auto result = (this->*handler)(*connection, args);
    if (ack) ack({result.ok() ? ok_ack(std::move(*result)) : error_ack(result.error())});
  });
}

namespace {

// Past any sensible per-message limit; the service applies the configured one.
constexpr std::size_t kMaxAttachmentIds = 1000;

Result<services::SendRequest> read_send_request(const util::Json::array_t& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  services::SendRequest request;
  TL_TRY_ASSIGN(request.conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(request.client_msg_id, required_string(*payload, "clientMsgId"));
  // With attachments the body may be absent or empty; the service checks the count.
  TL_TRY_ASSIGN(request.attachment_ids, util::id_list_field(*payload, "attachmentIds", false, kMaxAttachmentIds));
  if (request.attachment_ids.empty()) {
    TL_TRY_ASSIGN(request.body, required_string(*payload, "body"));
  } else {
    TL_TRY_ASSIGN(const auto body, util::string_field(*payload, "body", false));
    request.body = body.value_or("");
  }
  Error problem;
  request.reply_to = optional_id(*payload, "replyTo", problem);
  if (!problem.message.empty()) return problem;
  return request;
}

}  // namespace

void ChatEvents::send_message(const ConnectionPtr& connection, const Args& args, sio::Ack ack) {
  auto answer = [gateway = gateway_.shared_from_this(), connection, ack,
                 started = util::metrics::now_ns()](Result<model::SendOutcome> outcome) {
    auto& counted = util::metrics::node_metrics().messages;
    if (outcome.ok()) {
      counted.acked.add();
    } else {
      counted.refuse(outcome.error().code);
    }
    std::string json;
    if (ack) {
      json = outcome.ok() ? "[{\"message\":" + wire::message_wire(outcome->message) + ",\"ok\":true}]"
                          : util::dump_json(util::Json::array({error_ack(outcome.error())}));
    }
    std::optional<std::pair<model::Id, model::Seq>> made;
    if (outcome.ok() && outcome->created) made.emplace(outcome->message.conversation_id, outcome->message.change_seq);
    answer_own_change(*gateway, connection, ack, std::move(json), made, started);
  };
  auto request = read_send_request(args);
  if (!request.ok()) return answer(request.take_error());

  auto send = [gateway = gateway_.shared_from_this(), this, connection, request = std::move(*request),
               answer = std::move(answer)](ratelimit::Decision decision) mutable {
    if (!decision.allowed) {
      util::metrics::node_metrics().refuse(util::metrics::Limit::message_send);
      return answer(Error::rate_limited("too many messages; slow down", decision.retry_after_seconds));
    }
    util::metrics::node_metrics().messages.accepted.add();
    services_.messages.send_async(connection->principal, request, std::move(answer));
  };
  within_send_limit(connection, std::move(send));
}

// Checks the rate limit without waiting: a shared limiter answers from its own thread
// once Redis has, or at once from tokens it holds. `go` runs where the event started (the
// loop, or the work strand for a store whose writes block): directly when the limiter
// answered at once and no earlier send of this connection still waits for its decision,
// else posted back there behind those. The limiter answers a key from held tokens only
// once its earlier calls were answered (posted), and its one thread posts in call order,
// so this connection's writes keep the order they arrived in.
void ChatEvents::within_send_limit(const ConnectionPtr& connection, std::function<void(ratelimit::Decision)> go) {
  const auto started_on = std::this_thread::get_id();
  ++connection->undecided_sends;
  auto decided = [gateway = gateway_.shared_from_this(), this, connection, started_on,
                  go = std::move(go)](ratelimit::Decision decision) mutable {
    auto resume = [connection, go = std::move(go), decision]() mutable {
      --connection->undecided_sends;
      go(decision);
    };
    if (std::this_thread::get_id() == started_on && connection->undecided_sends == 1) return resume();
    if (sends_on_loop()) {
      net::post(connection->loop, std::move(resume));
    } else {
      net::post(connection->work, std::move(resume));
    }
  };
  services_.limiter.acquire_async("rt:send:" + std::to_string(connection->principal.user_id), options_.send_limit, 1,
                                  std::move(decided));
}

namespace {

struct ChangeRequest {
  model::Id conversation_id = 0;
  model::Id message_id = 0;
  std::string body;
  std::string emoji;
  std::optional<std::string> client_change_id;
};

Result<ChangeRequest> read_change_request(const util::Json::array_t& args, model::ChangeKind kind) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  ChangeRequest request;
  TL_TRY_ASSIGN(request.conversation_id, required_id(*payload, "conversationId"));
  TL_TRY_ASSIGN(request.message_id, required_id(*payload, "messageId"));
  if (kind == model::ChangeKind::edited) {
    TL_TRY_ASSIGN(request.body, required_string(*payload, "body"));
  }
  if (model::is_reaction(kind)) {
    TL_TRY_ASSIGN(request.emoji, required_string(*payload, "emoji"));
  }
  auto key = payload->find("clientChangeId");
  if (key != payload->end() && !key->is_null()) {
    if (!key->is_string()) return Error::invalid("clientChangeId", "must be a string");
    request.client_change_id = key->get<std::string>();
  }
  return request;
}

}  // namespace

// message:edit and message:delete count against the same rate limit as sends, and like
// a send their ack follows the commit with no thread waiting for it.
void ChatEvents::change_message(const ConnectionPtr& connection, const Args& args, model::ChangeKind kind,
                                sio::Ack ack) {
  auto answer = [gateway = gateway_.shared_from_this(), connection, ack](Result<model::ChangeOutcome> outcome) {
    std::string json;
    if (ack) {
      json = util::dump_json(util::Json::array(
          {outcome.ok() ? ok_ack({{"change", wire::change_json(outcome->change)}}) : error_ack(outcome.error())}));
    }
    std::optional<std::pair<model::Id, model::Seq>> made;
    if (outcome.ok() && outcome->created) made.emplace(outcome->change.conversation_id, outcome->change.change_seq);
    answer_own_change(*gateway, connection, ack, std::move(json), made);
  };
  auto request = read_change_request(args, kind);
  if (!request.ok()) return answer(request.take_error());
  auto change = [gateway = gateway_.shared_from_this(), this, connection, kind, request = std::move(*request),
                 answer = std::move(answer)](ratelimit::Decision decision) mutable {
    if (!decision.allowed) {
      util::metrics::node_metrics().refuse(util::metrics::Limit::message_send);
      return answer(Error::rate_limited("too many messages; slow down", decision.retry_after_seconds));
    }
    if (kind == model::ChangeKind::edited) {
      services::EditRequest edit{request.conversation_id, request.message_id, std::move(request.body),
                                 std::move(request.client_change_id)};
      return services_.messages.edit_async(connection->principal, edit, std::move(answer));
    }
    if (model::is_reaction(kind)) {
      services::ReactionRequest reaction{request.conversation_id, request.message_id, std::move(request.emoji),
                                         std::move(request.client_change_id)};
      return services_.messages.react_async(connection->principal, reaction, kind == model::ChangeKind::reacted,
                                            std::move(answer));
    }
    if (model::is_pin(kind)) {
      services::PinRequest pin{request.conversation_id, request.message_id, std::move(request.client_change_id)};
      return services_.messages.pin_async(connection->principal, pin, kind == model::ChangeKind::pinned,
                                          std::move(answer));
    }
    services::DeleteRequest removal{request.conversation_id, request.message_id, std::move(request.client_change_id)};
    services_.messages.delete_async(connection->principal, removal, std::move(answer));
  };
  within_send_limit(connection, std::move(change));
}

namespace {

util::Json cursors_json(const model::Member& member) {
  return {{"conversationId", wire::id_json(member.conversation_id)},
          {"deliveredSeq", member.delivered_seq},
          {"readSeq", member.read_seq},
          {"deliveredChangeSeq", member.delivered_change_seq}};
}

}  // namespace

void ChatEvents::move_cursor(const ConnectionPtr& connection, const Args& args, model::CursorKind kind, sio::Ack ack) {
  auto answer = [gateway = gateway_.shared_from_this(), connection, ack](Result<model::Member> member) {
    if (!ack) return;
    answer_on_loop(*gateway, ack_delivery(connection, ack,
                                          util::dump_json(util::Json::array({member.ok() ? ok_ack(cursors_json(*member))
                                                                                         : error_ack(member.error())}))));
  };
  auto request = [&]() -> Result<std::pair<model::Id, model::CursorMove>> {
    TL_TRY_ASSIGN(const auto* payload, payload_object(args));
    TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
    model::CursorMove move{kind, 0, 0};
    TL_TRY_ASSIGN(move.seq, required_seq(*payload, "seq"));
    // Only a delivered receipt carries the feed position: read says nothing about edits.
    if (kind == model::CursorKind::delivered && payload->contains("changeSeq")) {
      TL_TRY_ASSIGN(move.change_seq, required_seq(*payload, "changeSeq"));
    }
    return std::pair{conversation_id, move};
  }();
  if (!request.ok()) return answer(request.take_error());
  services_.messages.move_cursor_async(connection->principal, request->first, request->second, std::move(answer));
}

Result<util::Json> ChatEvents::sync(Connection& connection, const Args& args) {
  return catch_up_.sync(connection, args);
}

void ChatEvents::join(const ConnectionPtr& connection, const Args& args, sio::Ack ack) {
  net::post(connection->work, [gateway = gateway_.shared_from_this(), this, connection, args, ack = std::move(ack)] {
    auto joined = [&]() -> Result<std::pair<model::Id, util::Json>> {
      TL_TRY_ASSIGN(const auto* payload, payload_object(args));
      TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
      TL_TRY_ASSIGN(const auto summary, services_.conversations.get(connection->principal, conversation_id));
      return std::pair{conversation_id, util::Json{{"conversation", wire::conversation_summary_json(summary)}}};
    }();
    if (!joined.ok()) {
      if (ack) ack({error_ack(joined.error())});
      return;
    }
    // The room is the loop's to change; the ack follows it there, so typing sent after
    // the client hears the ack reaches this connection.
    net::post(connection->loop, [connection, joined = std::move(*joined), ack] {
      connection->rooms.joined.insert(joined.first);
      if (ack) ack({ok_ack(joined.second)});
    });
  });
}

Result<util::Json> ChatEvents::leave(Connection& connection, const Args& args) {
  TL_TRY_ASSIGN(const auto* payload, payload_object(args));
  TL_TRY_ASSIGN(const auto conversation_id, required_id(*payload, "conversationId"));
  connection.rooms.joined.erase(conversation_id);
  return util::Json::object();
}

}  // namespace talkline::realtime
