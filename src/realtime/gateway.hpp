#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "realtime/catch_up.hpp"
#include "realtime/chat_events.hpp"
#include "realtime/connection.hpp"
#include "realtime/delivery_inbox.hpp"
#include "realtime/gateway_services.hpp"
#include "realtime/live_ordering.hpp"
#include "realtime/offline_announcements.hpp"
#include "realtime/options.hpp"
#include "realtime/registry.hpp"
#include "realtime/typing_relay.hpp"
#include "transport/socketio/server/namespace_handlers.hpp"

namespace talkline::realtime {

/// The chat over Socket.IO (docs/protocol.md): authenticates connections on
/// namespace "/", runs their events against the services, delivers what the bus
/// carries to the right connections, catches reconnecting clients up, and keeps
/// presence, typing, limits and session checks.
///
/// Presence is cluster-wide: a user's first connection on this node is reported to the
/// PresenceDirectory, and "online" is announced only when no node held them before;
/// "offline" only when their last connection anywhere closed, or when the directory
/// finds the last node that held them dead. Going offline also records the user's
/// lastSeenAt in the store (on the pool), before contacts hear of it; users who go offline
/// together have theirs recorded in one write (OfflineAnnouncements).
///
/// Threads (docs/HLD.md "Threads"): socket callbacks arrive on the connection's event
/// loop, and its events are parsed, checked and handed to the store there. Only what
/// blocks (store reads, cursor commits, token checks) goes to the gateway's small pool,
/// on one strand per connection, and posts back to the loop to touch the connection.
/// Live deliveries from the bus reach each loop through its DeliveryInbox, in batches.
///
/// The gateway keeps connection life, the bus subscription, the delivery inboxes,
/// presence and the sweep; its parts do the rest: ChatEvents (the socket events),
/// TypingRelay, CatchUp (recovery) and LiveOrdering (live messages in seq order).
class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  using Services = GatewayServices;

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
  /// Whether stop() was called; the parts end their work under way then. Any thread.
  bool stopped() const { return stopped_; }
  /// On the connection's loop: sends an `ack` delivery's answer (if the client asked for
  /// one) and settles the own change it answers.
  void answer(Delivery& answer);

 private:
  using SocketPtr = std::shared_ptr<transport::socketio::Socket>;

  /// On the connection's loop, once the answer to one of its sends or changes went out:
  /// one fewer unanswered, and the change it made (change_seq > 0) counts as sent to
  /// this connection, which has it from the answer; the change's announcement skips it.
  void settle_own_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id,
                         model::Seq change_seq);

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
  /// On the pool: tells everyone who shares a conversation with the user.
  void publish_presence(model::Id user_id, bool online, model::Millis at);
  void schedule_sweep();
  void sweep();

  RealtimeOptions options_;
  Services services_;
  bus::Bus& bus_;
  boost::asio::thread_pool workers_;
  boost::asio::steady_timer sweep_timer_;
  ConnectionRegistry registry_;
  std::mutex inboxes_mutex_;  // taken when a connection is accepted, not per delivery
  std::unordered_map<const void*, std::unique_ptr<DeliveryInbox>> inboxes_;  // by loop
  std::atomic<bool> stopped_{false};
  std::int64_t last_revalidation_ms_ = 0;
  OfflineAnnouncements offline_;
  LiveOrdering ordering_;
  CatchUp catch_up_;
  TypingRelay typing_;
  ChatEvents events_;
};

}  // namespace talkline::realtime
