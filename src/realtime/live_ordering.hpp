#pragma once

#include <memory>

#include "realtime/connection.hpp"
#include "realtime/options.hpp"
#include "services/message_service.hpp"

namespace talkline::realtime {

class Gateway;

/// Live messages reach each connection in seq order and without gaps, although several
/// nodes announce one conversation's messages (each node in its own commit order, so
/// seq 6 from one node can overtake seq 5 from another) and the bus loses what is
/// published while Redis is away. A message ahead of the next expected seq waits a
/// moment for the missing ones; after that they are read from the store, where every
/// seq below an announced one is already committed. Keeps the connection's
/// OrderingState.
///
/// Warning: a gap filled from the store can include a message this very connection sent
/// whose own announcement has not reached it yet; the device then receives it once as
/// message:new (same id as its ack). Gaps only arise across nodes or after a bus outage.
///
/// Threads: every method runs on the connection's event loop, and so does the gap fill;
/// only its store read goes to the gateway's pool, on the connection's work strand.
class LiveOrdering {
 public:
  /// `gateway` owns this; a gap fill under way keeps it alive and ends once it stopped.
  LiveOrdering(Gateway& gateway, RealtimeOptions options, services::MessageService& messages)
      : gateway_(gateway), options_(options), messages_(messages) {}

  /// Sends a live message:new in seq order: at once when it is the next seq, never when
  /// it was sent already, else after the seqs before it (waited for, then read from the
  /// store). No packets: the connection's own message, which counts as sent without
  /// being sent.
  void offer_message(const std::shared_ptr<Connection>& connection, model::Id conversation_id, model::Seq seq,
                     SharedPackets packets);
  /// Catch-up sent (or need not send) everything up to `seq` in the conversation; the
  /// count is kept from here on, so later live messages follow on from it.
  void mark_sent(Connection& connection, model::Id conversation_id, model::Seq seq);

 private:
  static void send_contiguous(Connection& connection, model::Id conversation_id);
  static void drop_ahead(Connection& connection, model::Id conversation_id);
  boost::asio::awaitable<void> fill_gap(std::shared_ptr<Connection> connection, model::Id conversation_id);

  Gateway& gateway_;
  const RealtimeOptions options_;
  services::MessageService& messages_;
};

}  // namespace talkline::realtime
