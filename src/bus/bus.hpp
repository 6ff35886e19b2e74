#pragma once

// How one node tells every node (itself included) that something must reach some
// users' live connections. The in-process bus serves a single node; a Redis bus
// carries the same envelopes between nodes.

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
  /// For `message:new`: where it belongs, so a connection still catching up can
  /// put live messages and recovered ones in one order.
  model::Id conversation_id = 0;
  model::Seq seq = 0;
  model::Id end_session_id = 0;
};

class Bus {
 public:
  using Handler = std::function<void(const Envelope&)>;
  virtual ~Bus() = default;

  /// Hands `envelope` to every node's handler. Never blocks on the network: a bus
  /// that talks to a server queues. Envelopes from one thread arrive in order.
  virtual void publish(const Envelope& envelope) = 0;
  /// The handler of this node; set once, before the first publish.
  virtual void subscribe(Handler handler) = 0;
};

}  // namespace talkline::bus
