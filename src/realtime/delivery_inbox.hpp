#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "realtime/connection.hpp"

namespace talkline::realtime {

/// One live delivery to one connection, built on the thread that heard the bus (or that
/// completed the connection's send) and applied on the connection's loop.
struct Delivery {
  enum class Kind {
    feed,    // message:new, message:updated, message:deleted: in change_seq order per conversation (LiveOrdering)
    typing,  // only to connections that joined the conversation's room
    other,   // receipts, presence, conversation updates: sent as they come
    ack,     // the answer to one of the connection's own events, serialised already
  };
  std::shared_ptr<Connection> connection;
  Kind kind = Kind::other;
  model::Id conversation_id = 0;
  model::Seq change_seq = 0;
  /// The event's frames, shared by every recipient; unused by an `ack`.
  SharedPackets packets;
  /// For `ack`: where the answer goes, and its arguments as a JSON array.
  transport::socketio::Ack ack;
  std::string ack_json;
  /// util::metrics::now_ns() when the work began: for an ack of a send, the send's
  /// arrival (ack latency); for the rest, when the bus handed the envelope over
  /// (delivery lag). 0: not measured.
  std::uint64_t started_ns = 0;
  /// For `ack`: it answers one of the connection's own sends or changes, which it
  /// settles (Gateway::settle_own_change); `change_seq` is the change it made, 0 if none.
  bool settles_own_change = false;
};

/// One event loop's queue of live deliveries. Any thread pushes; the loop takes the
/// whole queue at once, so one wake-up carries everything queued meanwhile (a group
/// commit's messages to every recipient on this loop), never one per message or per
/// recipient.
class DeliveryInbox {
 public:
  using Drain = std::function<void(std::vector<Delivery>&)>;

  /// `drain` runs on `loop` with every delivery queued since the last drain, in the
  /// order they were pushed.
  DeliveryInbox(transport::engineio::Loop loop, Drain drain) : loop_(std::move(loop)), drain_(std::move(drain)) {}

  const transport::engineio::Loop& loop() const { return loop_; }

  /// Queues `deliveries` (moved from) for the loop. Any thread.
  void push(std::vector<Delivery>& deliveries);

 private:
  void drain();

  const transport::engineio::Loop loop_;
  const Drain drain_;
  std::mutex mutex_;
  std::vector<Delivery> queued_;  // guarded by mutex_
  bool posted_ = false;           // guarded by mutex_
};

}  // namespace talkline::realtime
