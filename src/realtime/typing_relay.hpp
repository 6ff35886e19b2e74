#pragma once

#include <memory>
#include <vector>

#include "bus/bus.hpp"
#include "realtime/connection.hpp"
#include "realtime/gateway_services.hpp"
#include "realtime/options.hpp"
#include "realtime/typing_tracker.hpp"
#include "transport/socketio/server/socket.hpp"
#include "util/json.hpp"

namespace talkline::realtime {

class Gateway;

/// The `typing` event: throttled per connection, relayed to the conversation's other
/// members through the bus, and withdrawn when not refreshed. Keeps the connection's
/// TypingState, and who is typing where.
///
/// Threads: `typing` runs on the connection's event loop, and its member lookup and
/// relay on the gateway's pool, on the connection's work strand; `withdraw_expired`
/// on the gateway's pool (the sweep).
class TypingRelay {
 public:
  /// `gateway` owns this; a relay under way keeps it alive.
  TypingRelay(Gateway& gateway, RealtimeOptions options, GatewayServices services, bus::Bus& bus)
      : gateway_(gateway), options_(options), services_(services), bus_(bus) {}

  /// On the loop: the throttle; the member lookup and relay go to the pool.
  void typing(const std::shared_ptr<Connection>& connection, const util::Json::array_t& args,
              transport::socketio::Ack ack);
  /// Withdraws (`typing: false`) every indicator not refreshed in time.
  void withdraw_expired(std::int64_t now_ms);

 private:
  Result<util::Json> relay(const Connection& connection, model::Id conversation_id, bool typing);
  void publish(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids, bool typing);

  Gateway& gateway_;
  const RealtimeOptions options_;
  const GatewayServices services_;
  bus::Bus& bus_;
  TypingTracker typing_;
};

}  // namespace talkline::realtime
