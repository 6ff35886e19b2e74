#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "realtime/connection.hpp"
#include "realtime/gateway_services.hpp"
#include "realtime/options.hpp"
#include "transport/socketio/server/socket.hpp"
#include "util/json.hpp"
#include "util/result.hpp"

namespace talkline::realtime {

class CatchUp;
class Gateway;
class TypingRelay;

/// The client → server events of the chat protocol (docs/protocol.md has their
/// shapes): message:send, receipts and conversation:join / conversation:leave here,
/// `typing` through the TypingRelay and `sync` through CatchUp. Keeps the connection's
/// RoomState.
///
/// Threads: `on_event` runs on the connection's event loop, in arrival order. Sends and
/// receipts are handed to the store there and acked once committed; what reads the
/// store (sync, join) runs on the gateway's pool on the connection's work strand, which
/// keeps it in arrival order, and posts back to the loop for anything that changes the
/// connection. `in_room` runs on the loop.
class ChatEvents {
 public:
  /// `gateway` owns this; work under way on the pool keeps it alive.
  ChatEvents(Gateway& gateway, RealtimeOptions options, GatewayServices services, TypingRelay& typing,
             CatchUp& catch_up)
      : gateway_(gateway), options_(options), services_(services), typing_(typing), catch_up_(catch_up) {}

  void on_event(const std::shared_ptr<transport::socketio::Socket>& socket, const std::string& event,
                util::Json::array_t args, transport::socketio::Ack ack);
  /// Whether the connection joined the conversation's room (typing goes only there).
  static bool in_room(const Connection& connection, model::Id conversation_id);

 private:
  using Args = util::Json::array_t;
  using Handler = Result<util::Json> (ChatEvents::*)(Connection&, const Args&);
  using ConnectionPtr = std::shared_ptr<Connection>;

  /// The handlers that run on the blocking pool, on the connection's work strand.
  static Handler blocking_handler_for(std::string_view event);
  /// Whether message:send may run on the event loop: true when the store queues the
  /// commit and completes it later, false when its send blocks for the commit.
  bool sends_on_loop() const;
  /// Answers through `ack` once the message is durable; the loop moves on to other
  /// work meanwhile (the store completes sends in order).
  void send_message(const ConnectionPtr& connection, const Args& args, transport::socketio::Ack ack);
  /// message:edit and message:delete: answered like a send, once the change is durable.
  void change_message(const ConnectionPtr& connection, const Args& args, model::ChangeKind kind,
                      transport::socketio::Ack ack);
  /// Runs `go` with the caller's message rate-limit decision, where the event started.
  void within_send_limit(const ConnectionPtr& connection, std::function<void(ratelimit::Decision)> go);
  /// Receipts: the store commits the move and the ack follows it, like a send's; no
  /// thread waits for the commit.
  void move_cursor(const ConnectionPtr& connection, const Args& args, model::CursorKind kind,
                   transport::socketio::Ack ack);
  Result<util::Json> sync(Connection& connection, const Args& args);
  /// Pool: checks membership, then adds the room and acks on the loop.
  void join(const ConnectionPtr& connection, const Args& args, transport::socketio::Ack ack);
  static Result<util::Json> leave(Connection& connection, const Args& args);

  Gateway& gateway_;
  const RealtimeOptions options_;
  const GatewayServices services_;
  TypingRelay& typing_;
  CatchUp& catch_up_;
};

}  // namespace talkline::realtime
