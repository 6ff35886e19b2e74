#include "transport/websocket/codec/frame_reader.hpp"

#include <cstring>

#include "util/utf8.hpp"

namespace talkline::transport::websocket {

namespace {

bool is_control(Opcode opcode) { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }

bool known(std::uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong: return true;
  }
  return false;
}

// XORs the payload with the 4-byte key, eight bytes at a time where it can.
void unmask(std::span<char> payload, const unsigned char* key) {
  std::uint32_t key32 = 0;
  std::memcpy(&key32, key, 4);
  const std::uint64_t key64 = (std::uint64_t{key32} << 32) | key32;
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t block = 0;
    std::memcpy(&block, payload.data() + i, 8);
    block ^= key64;
    std::memcpy(payload.data() + i, &block, 8);
  }
  for (; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
}

std::string_view view(std::span<const char> bytes) { return {bytes.data(), bytes.size()}; }

}  // namespace

std::uint16_t close_code_of(ReadError error) {
  switch (error) {
    case ReadError::protocol_error: return close_code::protocol_error;
    case ReadError::invalid_utf8: return close_code::invalid_data;
    case ReadError::too_big: return close_code::too_big;
  }
  return close_code::protocol_error;
}

std::string_view describe(ReadError error) {
  switch (error) {
    case ReadError::protocol_error: return "protocol error";
    case ReadError::invalid_utf8: return "invalid UTF-8";
    case ReadError::too_big: return "message too big";
  }
  return "protocol error";
}

std::optional<ReadError> FrameReader::read(std::span<char> bytes, FrameSink& sink) {
  if (done_) return std::nullopt;
  std::size_t used = 0;
  if (partial_.empty()) {
    auto error = read_frames(bytes, used, sink);
    if (!error && !done_ && used < bytes.size()) partial_.assign(bytes.data() + used, bytes.size() - used);
    return error;
  }
  partial_.append(bytes.data(), bytes.size());
  auto error = read_frames(std::span<char>(partial_.data(), partial_.size()), used, sink);
  if (done_ || used == partial_.size()) {
    std::string().swap(partial_);  // an idle connection holds nothing
  } else {
    partial_.erase(0, used);
  }
  return error;
}

// Reads every complete frame at the start of `bytes`; `used` is where the first
// incomplete one begins.
std::optional<ReadError> FrameReader::read_frames(std::span<char> bytes, std::size_t& used, FrameSink& sink) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  while (!done_) {
    const std::size_t available = bytes.size() - used;
    if (available < 2) return std::nullopt;
    const unsigned char* frame = data + used;
    const bool fin = (frame[0] & 0x80) != 0;
    const std::uint8_t opcode_bits = frame[0] & 0x0F;
    const bool masked = (frame[1] & 0x80) != 0;
    std::uint64_t length = frame[1] & 0x7F;
    std::size_t header = 2;
    auto fail = [this](ReadError error) {
      done_ = true;
      return error;
    };
    if ((frame[0] & 0x70) != 0 || !masked || !known(opcode_bits)) return fail(ReadError::protocol_error);
    if (length == 126) {
      if (available < 4) return std::nullopt;
      length = (std::uint64_t{frame[2]} << 8) | frame[3];
      if (length < 126) return fail(ReadError::protocol_error);  // not the shortest form
      header = 4;
    } else if (length == 127) {
      if (available < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | frame[2 + i];
      if (length <= 0xFFFF || (length >> 63) != 0) return fail(ReadError::protocol_error);
      header = 10;
    }
    const auto opcode = static_cast<Opcode>(opcode_bits);
    if (is_control(opcode)) {
      if (!fin || length > kMaxControlPayload) return fail(ReadError::protocol_error);
    } else {
      // A continuation needs a message to continue; a new message needs the last one finished.
      if ((opcode == Opcode::continuation) != in_message_) return fail(ReadError::protocol_error);
      // Judged on the declared length, so a huge frame is refused before it is buffered.
      const std::uint64_t so_far = in_message_ ? message_.size() : 0;
      if (length > max_message_ || so_far + length > max_message_) return fail(ReadError::too_big);
    }
    const unsigned char* key = frame + header;
    header += 4;
    if (available < header || available - header < length) return std::nullopt;
    std::span<char> payload(bytes.data() + used + header, static_cast<std::size_t>(length));
    unmask(payload, key);
    used += header + static_cast<std::size_t>(length);
    if (auto error = deliver(opcode, fin, payload, sink)) return fail(*error);
  }
  return std::nullopt;
}

std::optional<ReadError> FrameReader::deliver(Opcode opcode, bool fin, std::span<char> payload, FrameSink& sink) {
  switch (opcode) {
    case Opcode::close: {
      done_ = true;
      if (payload.empty()) {
        sink.on_close(std::nullopt, {});
        return std::nullopt;
      }
      if (payload.size() == 1) return ReadError::protocol_error;
      const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                   static_cast<unsigned char>(payload[1]));
      if (!close_code_allowed(code)) return ReadError::protocol_error;
      const std::string_view reason = view(payload.subspan(2));
      if (!util::utf8_valid(reason)) return ReadError::invalid_utf8;
      sink.on_close(code, reason);
      return std::nullopt;
    }
    case Opcode::ping:
      if (!sink.on_ping(view(payload))) done_ = true;
      return std::nullopt;
    case Opcode::pong:
      if (!sink.on_pong(view(payload))) done_ = true;
      return std::nullopt;
    case Opcode::text:
    case Opcode::binary:
      if (!fin) {
        in_message_ = true;
        message_binary_ = opcode == Opcode::binary;
        message_.assign(payload.data(), payload.size());
        return std::nullopt;
      }
      if (opcode == Opcode::text && !util::utf8_valid(view(payload))) return ReadError::invalid_utf8;
      if (!sink.on_message(opcode == Opcode::binary, view(payload))) done_ = true;
      return std::nullopt;
    case Opcode::continuation: {
      message_.append(payload.data(), payload.size());
      if (!fin) return std::nullopt;
      in_message_ = false;
      std::string message;
      message.swap(message_);  // released whatever the sink does
      if (!message_binary_ && !util::utf8_valid(message)) return ReadError::invalid_utf8;
      if (!sink.on_message(message_binary_, message)) done_ = true;
      return std::nullopt;
    }
  }
  return ReadError::protocol_error;
}

}  // namespace talkline::transport::websocket
