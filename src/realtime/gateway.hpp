#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "presence/presence_directory.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "realtime/connection.hpp"
#include "realtime/delivery_inbox.hpp"
#include "realtime/options.hpp"
#include "realtime/registry.hpp"
#include "realtime/typing_tracker.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "transport/asio/run_on.hpp"
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
/// Threads (docs/HLD.md "Threads"): socket callbacks arrive on the connection's event
/// loop, and its events are parsed, checked and handed to the store there. Only what
/// blocks (store reads, cursor commits, token checks) goes to the gateway's small pool,
/// on one strand per connection, and posts back to the loop to touch the connection.
/// Live deliveries from the bus reach each loop through its DeliveryInbox, in batches.
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
  /// Whether message:send may run on the event loop: true when the store queues the
  /// commit and completes it later, false when its send blocks for the commit.
  bool sends_on_loop() const;

  std::size_t connection_count() const { return registry_.size(); }

 private:
  using SocketPtr = std::shared_ptr<transport::socketio::Socket>;
  using Args = util::Json::array_t;
  using Handler = Result<util::Json> (Gateway::*)(Connection&, const Args&);
  using ConnectionPtr = std::shared_ptr<Connection>;

  // connection life (gateway.cpp)
  void authorize(const SocketPtr& socket, transport::socketio::ConnectCallback done);
  void connected(const SocketPtr& socket);
  void disconnected(const SocketPtr& socket, const std::string& reason);
  /// Any thread (the bus's): queues the envelope for each recipient's loop.
  void deliver(const bus::Envelope& envelope);
  /// On one loop: applies a batch of deliveries to that loop's connections.
  void apply(std::vector<Delivery>& deliveries);
  DeliveryInbox& inbox_for(const transport::engineio::Loop& loop);
  void end_connection(Connection& connection, std::string_view reason);
  void announce_presence(model::Id user_id, bool online, model::Millis at);
  void schedule_sweep();
  void sweep();

  // events (chat_events.cpp); on_event runs on the connection's loop
  void on_event(const SocketPtr& socket, const std::string& event, Args args, transport::socketio::Ack ack);
  /// The handlers that run on the blocking pool, on the connection's work strand.
  static Handler blocking_handler_for(std::string_view event);
  /// Answers through `ack` once the message is durable; the loop moves on to other
  /// work meanwhile (the store completes sends in order).
  void send_message(const ConnectionPtr& connection, const Args& args, transport::socketio::Ack ack);
  /// On the loop: the throttle; the member lookup and relay go to the pool.
  void typing(const ConnectionPtr& connection, const Args& args, transport::socketio::Ack ack);
  Result<util::Json> relay_typing(const Connection& connection, model::Id conversation_id, bool typing);
  Result<util::Json> receipt_delivered(Connection& connection, const Args& args);
  Result<util::Json> receipt_read(Connection& connection, const Args& args);
  Result<util::Json> move_cursor(Connection& connection, const Args& args, model::CursorKind kind);
  /// Pool: checks membership, then adds the room and acks on the loop.
  void join(const ConnectionPtr& connection, const Args& args, transport::socketio::Ack ack);
  Result<util::Json> leave(Connection& connection, const Args& args);
  void publish_typing(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids, bool typing);

  // catching up (catch_up.cpp); the coroutine runs on the connection's loop
  boost::asio::awaitable<void> catch_up(ConnectionPtr connection);
  /// Waits on the loop until the connection's queue is below the catch-up share of
  /// its send bound; false when the connection ended meanwhile.
  boost::asio::awaitable<bool> wait_for_room(const ConnectionPtr& connection, std::size_t next_bytes);
  void finish_catch_up(const ConnectionPtr& connection);
  void send_online_contacts(const Connection& connection, const std::vector<model::Id>& contacts);
  Result<util::Json> sync(Connection& connection, const Args& args);

  // live messages in seq order without gaps (ordering.cpp); on the connection's loop
  void offer_message(const ConnectionPtr& connection, model::Id conversation_id, model::Seq seq, SharedPackets packets);
  void send_contiguous(Connection& connection, model::Id conversation_id);
  void drop_ahead(Connection& connection, model::Id conversation_id);
  boost::asio::awaitable<void> fill_gap(ConnectionPtr connection, model::Id conversation_id);

  RealtimeOptions options_;
  Services services_;
  bus::Bus& bus_;
  boost::asio::thread_pool workers_;
  boost::asio::steady_timer sweep_timer_;
  ConnectionRegistry registry_;
  std::mutex inboxes_mutex_;  // taken when a connection is accepted, not per delivery
  std::unordered_map<const void*, std::unique_ptr<DeliveryInbox>> inboxes_;  // by loop
  TypingTracker typing_;
  std::atomic<bool> stopped_{false};
  std::int64_t last_revalidation_ms_ = 0;
};

/// The Engine.IO messages of a server event with one JSON argument, encoded once
/// and sent to any number of connections.
std::vector<transport::engineio::Packet> event_packets(std::string_view event, std::string_view payload_json);
SharedPackets shared_event_packets(std::string_view event, std::string_view payload_json);

}  // namespace talkline::realtime
