#pragma once

// Event names of the chat protocol (docs/protocol.md).

#include <string_view>

namespace talkline::realtime::events {

// client → server
inline constexpr std::string_view message_send = "message:send";
inline constexpr std::string_view message_edit = "message:edit";
inline constexpr std::string_view message_delete = "message:delete";
inline constexpr std::string_view reaction_add = "reaction:add";
inline constexpr std::string_view reaction_remove = "reaction:remove";
inline constexpr std::string_view pin_add = "pin:add";
inline constexpr std::string_view pin_remove = "pin:remove";
inline constexpr std::string_view typing = "typing";
inline constexpr std::string_view receipt_delivered = "receipt:delivered";
inline constexpr std::string_view receipt_read = "receipt:read";
inline constexpr std::string_view sync = "sync";
inline constexpr std::string_view conversation_join = "conversation:join";
inline constexpr std::string_view conversation_leave = "conversation:leave";

// server → client (typing is both)
inline constexpr std::string_view message_new = "message:new";
inline constexpr std::string_view message_updated = "message:updated";
inline constexpr std::string_view message_deleted = "message:deleted";
inline constexpr std::string_view message_reaction = "message:reaction";
inline constexpr std::string_view message_pin = "message:pin";
inline constexpr std::string_view receipt = "receipt";
inline constexpr std::string_view presence = "presence";
inline constexpr std::string_view conversation_updated = "conversation:updated";
inline constexpr std::string_view session_ended = "session:ended";

}  // namespace talkline::realtime::events
