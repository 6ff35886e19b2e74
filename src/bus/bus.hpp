#pragma once

// How one node tells every node (itself included) that something must reach some
// users' live connections. The in-process bus serves a single node; a Redis bus
// carries the same envelopes between nodes, on per-user channels that a node listens
// to only while it holds a connection of that user (its "interest").

#include <functional>
#include <string>
#include <vector>

#include "model/types.hpp"

namespace talkline::bus {

/// One thing to deliver: a Socket.IO event with a single JSON argument, to every
/// live connection of `user_ids`, or (when `end_session_id` is set) the order to
/// close every connection of that login session.
struct Envelope {
  std::vector<model::Id> user_ids;
  std::string event;
  std::string payload_json;
  /// A connection that must not get it (the one the change came through).
  std::string skip_connection;
  model::Id conversation_id = 0;
  /// For the change feed's events (`message:new`, `message:updated`, `message:deleted`):
  /// the change's place in its conversation's feed, so each connection gets them in
  /// feed order and a connection still catching up can merge live and recovered ones.
  /// 0 for every other event.
  model::Seq change_seq = 0;
  model::Id end_session_id = 0;
};

class Bus {
 public:
  using Handler = std::function<void(const Envelope&)>;
  virtual ~Bus() = default;

  /// Hands `envelope` to this node's handler at once, on the calling thread, and to
  /// every other node that has interest in one of its users. Never blocks on the
  /// network: a bus that talks to a server queues, and drops (counted and logged)
  /// when its bounded queue is full.
  ///
  /// Warning: delivery to other nodes is best effort, like any pub/sub: while the
  /// server is unreachable envelopes are lost. The store is the source of truth and
  /// clients recover with `sync`. Envelopes published from one thread reach a given
  /// node in the order published.
  ///
  /// Another node receives the envelope with `user_ids` narrowed to users it has
  /// interest in, each of them exactly once per publish (possibly split over several
  /// handler calls).
  virtual void publish(const Envelope& envelope) = 0;
  /// The handler of this node; set once, before the first publish. It may be called
  /// on any thread, including the publishing one.
  virtual void subscribe(Handler handler) = 0;

  /// This node holds a live connection of `user_id` (counted: each call needs one
  /// remove_interest). Envelopes for that user published on other nodes start to
  /// arrive shortly after; see await_interest. Non-blocking. A no-op for a bus that
  /// has one node.
  virtual void add_interest(model::Id /*user_id*/) {}
  /// Undoes one add_interest; at zero, envelopes for `user_id` from other nodes stop.
  virtual void remove_interest(model::Id /*user_id*/) {}
  /// Calls `ready` (on any thread, possibly before returning) once every envelope
  /// published anywhere for `user_id` from then on is sure to reach this node — or at
  /// once when the bus cannot promise that right now (its server is unreachable). Call
  /// after add_interest. The default, for a single node, calls it at once.
  virtual void await_interest(model::Id /*user_id*/, std::function<void()> ready) { ready(); }

  /// False while the bus cannot reach other nodes (its server is down): the node
  /// still serves its own users, but /readyz should report degraded.
  virtual bool healthy() const { return true; }
};

}  // namespace talkline::bus
