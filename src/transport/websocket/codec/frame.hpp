#pragma once

// The parts of a WebSocket frame (RFC 6455 §5.2) both directions share. Pure
// definitions: no I/O, so the codec can be fuzzed on its own.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace talkline::transport::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close status codes this server sends (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t invalid_data = 1007;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

/// Whether a peer may put `code` in a close frame: the registered codes a peer can
/// send, and the ranges left to libraries (3000–3999) and applications (4000–4999).
bool close_code_allowed(std::uint16_t code);

/// A server frame's header is at most 10 bytes: no mask, and the length in 7, 16 or 64 bits.
inline constexpr std::size_t kMaxHeaderBytes = 10;
/// The largest payload a control frame (close, ping, pong) may carry.
inline constexpr std::size_t kMaxControlPayload = 125;

/// Writes the header of one unfragmented, unmasked frame (what a server sends) into
/// `out` and returns how many bytes it took.
std::size_t write_header(Opcode opcode, std::uint64_t payload_size, std::array<std::uint8_t, kMaxHeaderBytes>& out);

/// The payload of a close frame: the code in network order, then the reason, cut
/// to fit a control frame at a character boundary.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

}  // namespace talkline::transport::websocket
