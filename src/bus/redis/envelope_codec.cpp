#include "bus/redis/envelope_codec.hpp"

#include <cstddef>

namespace talkline::bus::redis {

namespace {

constexpr std::uint8_t kVersion = 1;

void put_u32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

void put_text(std::string& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

// Reads from the front of `rest`; every read fails once the bytes run out.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool u8(std::uint8_t& value) {
    if (rest_.empty()) return false;
    value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& value) {
    if (rest_.size() < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(rest_[i])) << (8 * i);
    rest_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& value) {
    if (rest_.size() < 8) return false;
    value = 0;
    for (int i = 0; i < 8; ++i) value |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(rest_[i])) << (8 * i);
    rest_.remove_prefix(8);
    return true;
  }
  bool i64(std::int64_t& value) {
    std::uint64_t raw = 0;
    if (!u64(raw)) return false;
    value = static_cast<std::int64_t>(raw);
    return true;
  }
  bool text(std::string& value) {
    std::uint32_t length = 0;
    if (!u32(length) || rest_.size() < length) return false;
    value.assign(rest_.substr(0, length));
    rest_.remove_prefix(length);
    return true;
  }
  std::size_t remaining() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

}  // namespace

std::string encode_envelope(const Envelope& envelope, std::uint64_t origin, bool with_users) {
  const std::size_t users = with_users ? envelope.user_ids.size() : 0;
  std::string out;
  out.reserve(1 + 8 * 4 + 4 * 4 + envelope.event.size() + envelope.skip_connection.size() +
              envelope.payload_json.size() + 8 * users);
  out.push_back(static_cast<char>(kVersion));
  put_u64(out, origin);
  put_u64(out, static_cast<std::uint64_t>(envelope.conversation_id));
  put_u64(out, static_cast<std::uint64_t>(envelope.change_seq));
  put_u64(out, static_cast<std::uint64_t>(envelope.end_session_id));
  put_text(out, envelope.event);
  put_text(out, envelope.skip_connection);
  put_text(out, envelope.payload_json);
  put_u32(out, static_cast<std::uint32_t>(users));
  for (std::size_t i = 0; i < users; ++i) put_u64(out, static_cast<std::uint64_t>(envelope.user_ids[i]));
  return out;
}

std::optional<WireEnvelope> decode_envelope(std::string_view bytes) {
  Reader in(bytes);
  WireEnvelope wire;
  auto& envelope = wire.envelope;
  std::uint8_t version = 0;
  if (!in.u8(version) || version != kVersion) return std::nullopt;
  if (!in.u64(wire.origin) || !in.i64(envelope.conversation_id) || !in.i64(envelope.change_seq) ||
      !in.i64(envelope.end_session_id) || !in.text(envelope.event) || !in.text(envelope.skip_connection) ||
      !in.text(envelope.payload_json)) {
    return std::nullopt;
  }
  std::uint32_t count = 0;
  // The count is checked against what is left before anything is reserved for it.
  if (!in.u32(count) || in.remaining() != std::size_t{count} * 8) return std::nullopt;
  envelope.user_ids.resize(count);
  for (auto& id : envelope.user_ids) {
    if (!in.i64(id)) return std::nullopt;
  }
  return wire;
}

}  // namespace talkline::bus::redis
