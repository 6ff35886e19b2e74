#pragma once

#include <chrono>
#include <memory>

#include "realtime/connection.hpp"
#include "realtime/options.hpp"
#include "services/message_service.hpp"

namespace talkline::realtime {

class Gateway;

/// A conversation's change feed (new messages, edits, deletes) reaches each connection
/// in change_seq order and without gaps, although several nodes (and, on PostgreSQL,
/// several threads of one node) announce one conversation's changes, so change 6 can
/// overtake change 5, and the bus loses what is published while Redis is away. A change
/// ahead of the next expected one waits a moment for the missing ones; after that they
/// are read from the store's feed, where every change below an announced one is
/// already committed. Keeps the connection's OrderingState.
///
/// A gap filled from the store can include a change this very connection made, committed
/// but not yet answered. The answer settles it (Gateway::settle_own_change; the change's
/// announcement skips that connection), so the fill holds back a change of the connection's user while
/// any of its sends or changes is unanswered, and looks again 5 ms later. A connection
/// that never stops sending could keep one out for good; after max_own_waits such waits
/// the fill sends the change anyway, which the device may then also have as its answer.
/// Gaps only arise across nodes, between a node's threads, or after a bus outage.
///
/// Threads: every method runs on the connection's event loop, and so does the gap fill;
/// only its store read goes to the gateway's pool, on the connection's work strand.
class LiveOrdering {
 public:
  /// `gateway` owns this; a gap fill under way keeps it alive and ends once it stopped.
  LiveOrdering(Gateway& gateway, RealtimeOptions options, services::MessageService& messages)
      : gateway_(gateway), options_(options), messages_(messages) {}

  /// Sends a live feed event in change_seq order: at once when it is the next change,
  /// never when it was sent already, else after the changes before it (waited for, then
  /// read from the store). No packets: the connection's own change, which counts as sent
  /// without being sent.
  void offer_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id, model::Seq change_seq,
                    SharedPackets packets);
  /// Catch-up sent (or need not send) every change up to `change_seq` in the
  /// conversation; the count is kept from here on, so later live changes follow on.
  void mark_sent(Connection& connection, model::Id conversation_id, model::Seq change_seq);

  /// A change of the connection's user while one of its sends or changes is unanswered
  /// may be that very one, committed but not yet answered. Its answer is what this
  /// connection gets for it; an event as well would hand it over twice.
  static bool may_be_unanswered_own(const Connection& connection, const model::Change& change) {
    return connection.ordering.own_changes_unanswered > 0 && change.actor_id == connection.principal.user_id;
  }
  /// How long, and how many times, a read of the feed (a gap fill, a catch-up) waits
  /// for this connection's answers before it sends a change of its user anyway: a
  /// connection that keeps sending may always have one out. An answer is posted to the
  /// loop as its commit ends, so a short wait suffices.
  static constexpr auto own_answer_wait = std::chrono::milliseconds(5);
  static constexpr int max_own_waits = 10;

 private:
  static void send_contiguous(Connection& connection, model::Id conversation_id);
  static void drop_ahead(Connection& connection, model::Id conversation_id);
  boost::asio::awaitable<void> fill_gap(std::shared_ptr<Connection> connection, model::Id conversation_id);
  boost::asio::awaitable<bool> start_count(std::shared_ptr<Connection> connection, model::Id conversation_id);

  Gateway& gateway_;
  const RealtimeOptions options_;
  services::MessageService& messages_;
};

}  // namespace talkline::realtime
