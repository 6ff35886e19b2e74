#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "services/principal.hpp"
#include "transport/asio/asio.hpp"
#include "transport/socketio/server/socket.hpp"

namespace talkline::realtime {

class DeliveryInbox;

/// A strand of the gateway's blocking pool: the store calls behind one connection's
/// events, run in the order they arrived.
using WorkStrand = boost::asio::strand<boost::asio::thread_pool::executor_type>;
/// Frames built once and shared by every connection they go to.
using SharedPackets = std::shared_ptr<const std::vector<transport::engineio::Packet>>;

/// Live changes one connection may hold back (while catching up, or ahead of a gap);
/// past it the connection is closed and the client recovers with a fresh catch-up.
inline constexpr std::size_t kMaxHeldChanges = 10000;

/// A change feed event that arrived while its connection was still catching up. No
/// packets: the connection's own change, which counts as sent without being sent.
struct HeldChange {
  model::Id conversation_id = 0;
  model::Seq change_seq = 0;
  SharedPackets packets;
};

/// Catching up after connect (CatchUp, catch_up.hpp): live changes are held, then
/// merged in feed order.
struct CatchUpState {
  bool catching_up = true;
  std::vector<HeldChange> held;
};

/// Live changes in feed order without gaps (LiveOrdering, live_ordering.hpp).
struct OrderingState {
  /// The highest change_seq sent to this connection, per conversation. A change at or
  /// below it has been sent already: a live copy of a change catch-up read from the
  /// store can arrive after catch-up ended, and must not be sent twice.
  std::unordered_map<model::Id, model::Seq> sent_up_to;
  /// Live changes that arrived ahead of one not yet sent (announced by another node or
  /// thread first, or the missing one lost with a bus outage), per conversation, by
  /// change_seq.
  std::unordered_map<model::Id, std::map<model::Seq, SharedPackets>> ahead;
  std::size_t ahead_count = 0;
  /// Conversations with a gap fill under way (see live_ordering.hpp).
  std::unordered_set<model::Id> gap_fills;
  /// This connection's sends and changes whose answer has not come back to the loop.
  /// While any is out, a change of the same user that a gap fill reads from the store
  /// may be one of them, committed but not yet answered: its answer, not an event, is
  /// what this connection gets for it (Gateway::settle_own_change).
  int own_changes_unanswered = 0;
};

/// Rooms (ChatEvents, chat_events.hpp): conversations joined with conversation:join;
/// typing indicators go to these.
struct RoomState {
  std::unordered_set<model::Id> joined;
};

/// The typing throttle (TypingRelay, typing_relay.hpp): when this connection last had
/// `typing: true` relayed, per conversation (ms).
struct TypingState {
  std::unordered_map<model::Id, std::int64_t> relayed_at;
};

/// One authenticated Socket.IO connection on namespace "/" and what the gateway
/// keeps about it, one group of state per concern, each changed only by that
/// concern's type.
///
/// Threads: the const members may be read anywhere. Everything else belongs to the
/// connection's event loop (the one its Engine.IO session lives on) and is touched
/// only there, without a lock; work on the blocking pool posts back to `loop` to
/// change it.
struct Connection {
  Connection(std::shared_ptr<transport::socketio::Socket> socket_, services::Principal principal_,
             std::string remote_address_, transport::engineio::Loop loop_, WorkStrand work_, DeliveryInbox* inbox_)
      : socket(std::move(socket_)),
        principal(std::move(principal_)),
        remote_address(std::move(remote_address_)),
        loop(std::move(loop_)),
        work(std::move(work_)),
        inbox(inbox_),
        socket_id_hash(socket ? std::hash<std::string>{}(socket->id()) : 0) {}

  const std::shared_ptr<transport::socketio::Socket> socket;
  /// Who is connected, with connection_id set to the socket id.
  const services::Principal principal;
  const std::string remote_address;
  const transport::engineio::Loop loop;
  /// Runs this connection's blocking work (store reads, cursor commits) in the order
  /// its events arrived.
  const WorkStrand work;
  /// Where live deliveries for this connection are queued for its loop.
  DeliveryInbox* const inbox;
  /// The socket id's hash, kept here so a fan-out over many connections can rule each
  /// out as the one a change came through without reaching into its socket.
  const std::size_t socket_id_hash;
  std::atomic<std::int64_t> last_activity_ms{0};
  /// Sends and changes whose rate-limit decision has not run yet. Touched only where
  /// sends run (ChatEvents::sends_on_loop: the loop, else `work`), like the decisions.
  int undecided_sends = 0;

  CatchUpState catch_up;
  OrderingState ordering;
  RoomState rooms;
  TypingState typing;
};

/// What the gateway hangs on a Socket (Socket::set_data): the principal from the
/// handshake, then the connection once it is accepted. Touched on the socket's loop.
struct SocketState {
  services::Principal principal;
  std::shared_ptr<Connection> connection;
};

}  // namespace talkline::realtime
