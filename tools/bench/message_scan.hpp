#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace talkline::bench {

/// The fields the bench needs from a `message:new` event.
struct MessageNewView {
  std::string_view conversation_id;
  std::int64_t seq = 0;
  std::string_view body;
};

/// Reads a Socket.IO packet `2["message:new",{…}]` (namespace "/", no ack id) without
/// building a JSON tree: in a group run one bench core receives hundreds of thousands of
/// them per second, and a full parse would make the bench the bottleneck. Returns
/// nullopt for anything else, and for a message whose id or body holds an escape
/// sequence, so the caller can fall back to the full decoder.
std::optional<MessageNewView> scan_message_new(std::string_view packet);

}  // namespace talkline::bench
