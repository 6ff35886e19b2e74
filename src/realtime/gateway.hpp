#pragma once

#include <memory>
#include <string>

#include "bus/bus.hpp"
#include "presence/presence_directory.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "realtime/connection.hpp"
#include "realtime/options.hpp"
#include "realtime/registry.hpp"
#include "realtime/typing_tracker.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "transport/socketio/server/namespace_handlers.hpp"
#include "util/clock.hpp"

namespace talkline::realtime {

/// The chat over Socket.IO (docs/protocol.md): authenticates connections on
/// namespace "/", runs their events against the services, delivers what the bus
/// carries to the right connections, catches reconnecting clients up, and keeps
/// presence, typing, limits and session checks.
///
/// Presence is cluster-wide: a user's first connection on this node is reported to the
/// PresenceDirectory, and "online" is announced only when no node held them before;
/// "offline" only when their last connection anywhere closed, or when the directory
/// finds the last node that held them dead.
///
/// Socket callbacks arrive on I/O threads; everything that touches the store runs
/// on the gateway's own worker pool, on one strand per connection.
class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  struct Services {
    services::AuthService& auth;
    services::ConversationService& conversations;
    services::MessageService& messages;
    ratelimit::RateLimiter& limiter;
    const util::Clock& clock;
    /// Who is online on any node; decides when presence is announced.
    presence::PresenceDirectory& presence;
  };

  Gateway(RealtimeOptions options, Services services, bus::Bus& bus);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// The handlers of namespace "/". Subscribes to the bus; call once.
  transport::socketio::NamespaceHandlers handlers();
  /// Starts the periodic work: session re-checks, idle connections, typing expiry.
  void start();
  /// Stops the periodic work and waits for the worker threads.
  void stop();

  std::size_t connection_count() const { return registry_.size(); }

 private:
  using SocketPtr = std::shared_ptr<transport::socketio::Socket>;
  using Args = util::Json::array_t;
  using Handler = Result<util::Json> (Gateway::*)(Connection&, const Args&);

  // connection life (gateway.cpp)
  void authorize(const SocketPtr& socket, transport::socketio::ConnectCallback done);
  void connected(const SocketPtr& socket);
  void disconnected(const SocketPtr& socket, const std::string& reason);
  void deliver(const bus::Envelope& envelope);
  void end_connection(Connection& connection, std::string_view reason);
  void announce_presence(model::Id user_id, bool online, model::Millis at);
  void schedule_sweep();
  void sweep();

  // events (chat_events.cpp)
  void on_event(const SocketPtr& socket, const std::string& event, Args args, transport::socketio::Ack ack);
  static Handler handler_for(std::string_view event);
  /// Answers through `ack` once the message is durable; the connection's strand moves on
  /// to its next event meanwhile (the store completes sends in order).
  void send_message(const std::shared_ptr<Connection>& connection, const Args& args, transport::socketio::Ack ack);
  Result<util::Json> typing(Connection& connection, const Args& args);
  Result<util::Json> receipt_delivered(Connection& connection, const Args& args);
  Result<util::Json> receipt_read(Connection& connection, const Args& args);
  Result<util::Json> move_cursor(Connection& connection, const Args& args, model::CursorKind kind);
  Result<util::Json> join(Connection& connection, const Args& args);
  Result<util::Json> leave(Connection& connection, const Args& args);
  void publish_typing(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids, bool typing);

  // catching up (catch_up.cpp)
  boost::asio::awaitable<void> catch_up(std::shared_ptr<Connection> connection);
  void finish_catch_up(const std::shared_ptr<Connection>& connection);
  void send_online_contacts(Connection& connection);
  Result<util::Json> sync(Connection& connection, const Args& args);

  // live messages in seq order without gaps (ordering.cpp); callers hold connection->mutex
  void offer_message(const std::shared_ptr<Connection>& connection, model::Id conversation_id, model::Seq seq,
                     std::vector<transport::engineio::Packet> packets);
  void send_contiguous(Connection& connection, model::Id conversation_id);
  void drop_ahead(Connection& connection, model::Id conversation_id);
  boost::asio::awaitable<void> fill_gap(std::shared_ptr<Connection> connection, model::Id conversation_id);

  RealtimeOptions options_;
  Services services_;
  bus::Bus& bus_;
  boost::asio::thread_pool workers_;
  boost::asio::steady_timer sweep_timer_;
  ConnectionRegistry registry_;
  TypingTracker typing_;
  std::atomic<bool> stopped_{false};
  std::int64_t last_revalidation_ms_ = 0;
};

/// The Engine.IO messages of a server event with one JSON argument, encoded once
/// and sent to any number of connections.
std::vector<transport::engineio::Packet> event_packets(std::string_view event, std::string_view payload_json);

}  // namespace talkline::realtime
