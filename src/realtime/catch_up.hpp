#pragma once

#include <memory>
#include <vector>

#include "realtime/connection.hpp"
#include "realtime/gateway_services.hpp"
#include "realtime/options.hpp"
#include "realtime/registry.hpp"
#include "util/json.hpp"
#include "util/result.hpp"

namespace talkline::realtime {

class Gateway;
class LiveOrdering;

/// Recovery: what a connecting client missed, pushed in change feed order and paced by
/// bytes, with the live changes that arrived meanwhile held and merged after it; and
/// `sync`, which answers the same question for cursors the client names. Keeps the
/// connection's CatchUpState.
///
/// A device may send as soon as it is connected, so a page can hold the device's own
/// send, committed while it caught up. Its answer is what the device gets for it: the
/// answer counts it as sent (held without packets, Gateway::settle_own_change) and the
/// page skips it. A page waits briefly for answers still out before it sends a change of
/// the user, at most LiveOrdering::max_own_waits times in one catch-up.
///
/// Threads: `run` and `offer_live_message` run on the connection's event loop (run's
/// store reads go to the gateway's pool on the connection's work strand); `sync` runs
/// on the gateway's pool, on the connection's work strand.
class CatchUp {
 public:
  /// `gateway` owns this and keeps it alive while `run` is under way; `run` ends once
  /// the gateway stopped.
  CatchUp(Gateway& gateway, RealtimeOptions options, GatewayServices services, const ConnectionRegistry& registry,
          LiveOrdering& ordering)
      : gateway_(gateway), options_(options), services_(services), registry_(registry), ordering_(ordering) {}

  /// The catch-up of a new connection, started once it is registered and the bus
  /// delivers its user's live envelopes.
  boost::asio::awaitable<void> run(std::shared_ptr<Connection> connection);
  /// A live feed event for the connection: held while it is catching up (past
  /// kMaxHeldChanges the connection is closed), else handed to the LiveOrdering.
  void offer_live_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id,
                         model::Seq change_seq, SharedPackets packets);
  Result<util::Json> sync(Connection& connection, const util::Json::array_t& args);

 private:
  /// Waits on the loop until the connection's queue is below the catch-up share of
  /// its send bound; false when the connection ended meanwhile.
  boost::asio::awaitable<bool> wait_for_room(const std::shared_ptr<Connection>& connection, std::size_t next_bytes);
  /// Whether `change` is one this connection made and has had answered already; waits
  /// for an answer still out while `waits_left` allows.
  boost::asio::awaitable<bool> answered_already(const std::shared_ptr<Connection>& connection,
                                                const model::Change& change, int& waits_left);
  void finish(const std::shared_ptr<Connection>& connection);
  void send_online_contacts(const Connection& connection, const std::vector<model::Id>& contacts);

  Gateway& gateway_;
  const RealtimeOptions options_;
  const GatewayServices services_;
  const ConnectionRegistry& registry_;
  LiveOrdering& ordering_;
};

}  // namespace talkline::realtime
