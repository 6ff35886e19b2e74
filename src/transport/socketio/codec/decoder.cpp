#include "transport/socketio/codec/decoder.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "transport/socketio/codec/packet_rules.hpp"

namespace talkline::transport::socketio {
namespace {

using MaybePacket = std::optional<Packet>;

constexpr std::size_t kMaxAckIdDigits = 16;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The longest run of decimal digits starting at `pos`.
std::string_view digits_at(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  while (end < text.size() && is_digit(text[end])) ++end;
  return text.substr(pos, end - pos);
}

// Whether arrays and objects in `text` nest more than `limit` deep. Runs before the
// JSON parser so that a hostile payload never builds a deep tree, which later
// recursive walks (and nlohmann's own comparison) would then descend. Brackets inside
// strings are skipped; on malformed text the answer may be off, which is harmless
// because the parser rejects such text anyway.
bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool inside_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inside_string) {
      if (c == '\\') {
        ++i;  // whatever follows a backslash cannot close the string
      } else if (c == '"') {
        inside_string = false;
      }
    } else if (c == '"') {
      inside_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Result<Json> parse_payload(std::string_view text, int max_depth) {
  // nlohmann would stop at a NUL as if the input ended, and would skip a byte-order
  // mark that JSON.parse refuses; neither is valid inside a packet.
  if (text.find('\0') != std::string_view::npos || text.starts_with("\xEF\xBB\xBF")) {
    return detail::bad_packet("payload is not valid JSON");
  }
  if (nests_deeper_than(text, max_depth)) {
    return detail::bad_packet("payload nests deeper than " + std::to_string(max_depth) + " levels");
  }
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  } catch (...) {
    // Only allocation failure gets here; the packet is refused all the same.
    return detail::bad_packet("payload is not valid JSON");
  }
  if (value.is_discarded()) return detail::bad_packet("payload is not valid JSON");
  return value;
}

// Checks every placeholder of a binary packet's payload against the announced count
// (the size of `seen`), marking each number it meets. Strict where the reference is lax: the
// placeholder must be exactly what its encoder writes, so nothing else that looks
// like one can slip through and be misread by a peer later.
Result<void> check_placeholders(const Json& value, std::vector<bool>& seen) {
  if (detail::looks_like_placeholder(value)) {
    const auto num = value.find("num");
    if (value.size() != 2 || num == value.end() || !num->is_number_unsigned()) {
      return detail::bad_packet("placeholder must be exactly {\"_placeholder\":true,\"num\":<index>}");
    }
    const auto index = num->get<std::uint64_t>();
    if (index >= seen.size()) {
      return detail::bad_packet("placeholder num " + std::to_string(index) + " is out of range (" +
                                std::to_string(seen.size()) + " attachments announced)");
    }
    if (seen[index]) return detail::bad_packet("placeholder num " + std::to_string(index) + " appears twice");
    seen[index] = true;
    return ok_result();
  }
  if (value.is_structured()) {
    for (const auto& child : value) TL_TRY(check_placeholders(child, seen));
  }
  return ok_result();
}

bool has_placeholder(const Json& value) {
  if (detail::looks_like_placeholder(value)) return true;
  if (!value.is_structured()) return false;
  for (const auto& child : value) {
    if (has_placeholder(child)) return true;
  }
  return false;
}

// Puts each attachment where its placeholder was. check_placeholders has already
// proved every index valid and unique; testing again only keeps a broken invariant
// from turning into a throw or memory corruption.
bool fill_placeholders(Json& value, std::vector<Json::binary_t::container_type>& attachments) {
  if (detail::looks_like_placeholder(value)) {
    const auto num = value.find("num");
    if (num == value.end() || !num->is_number_unsigned()) return false;
    const auto index = num->get<std::uint64_t>();
    if (index >= attachments.size()) return false;
    value = Json::binary(std::move(attachments[index]));
    return true;
  }
  if (value.is_structured()) {
    for (auto& child : value) {
      if (!fill_placeholders(child, attachments)) return false;
    }
  }
  return true;
}

struct ParsedText {
  Packet packet;
  std::size_t attachment_count = 0;
};

// Reads `<type>[<count>-][<nsp>,][<id>][<json>]` and applies every rule that the text
// alone decides, including the placeholders of a binary packet. The packet keeps its
// wire type; attachments are for the caller to collect.
Result<ParsedText> parse_text(std::string_view text, const DecoderOptions& options) {
  if (text.empty()) return detail::bad_packet("empty packet");
  if (text[0] < '0' || text[0] > '6') return detail::bad_packet("unknown packet type");
  Packet packet;
  packet.type = static_cast<PacketType>(text[0] - '0');
  std::size_t pos = 1;

  std::size_t attachment_count = 0;
  const bool binary = packet.type == PacketType::binary_event || packet.type == PacketType::binary_ack;
  if (binary) {
    const std::string_view digits = digits_at(text, pos);
    if (digits.empty()) return detail::bad_packet("binary packet lacks its attachment count");
    pos += digits.size();
    if (pos == text.size() || text[pos] != '-') return detail::bad_packet("attachment count must end with '-'");
    ++pos;
    if (digits.size() > 1 && digits[0] == '0') return detail::bad_packet("attachment count has leading zeros");
    // Nineteen digits always fit in 64 bits; anything longer is over any sane limit.
    std::uint64_t count = 0;
    if (digits.size() <= 19) {
      for (const char c : digits) count = count * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits.size() > 19 || count > options.max_attachments) {
      return detail::bad_packet("more than " + std::to_string(options.max_attachments) + " attachments");
    }
    attachment_count = static_cast<std::size_t>(count);
  }

  if (pos < text.size() && text[pos] == '/') {
    // The reference client writes the ',' only when something follows, so a message
    // can end inside the namespace ("40/admin" is a valid CONNECT).
    const std::size_t comma = text.find(',', pos);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    if (end - pos > options.max_namespace_length) {
      return detail::bad_packet("namespace is longer than " + std::to_string(options.max_namespace_length) + " bytes");
    }
    packet.nsp.assign(text.substr(pos, end - pos));
    TL_TRY(detail::check_namespace(packet.nsp));
    pos = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  const std::string_view id_digits = digits_at(text, pos);
  if (!id_digits.empty()) {
    if (id_digits.size() > kMaxAckIdDigits) return detail::bad_packet("ack id has more than 16 digits");
    if (id_digits.size() > 1 && id_digits[0] == '0') return detail::bad_packet("ack id has leading zeros");
    std::uint64_t id = 0;
    for (const char c : id_digits) id = id * 10 + static_cast<std::uint64_t>(c - '0');
    packet.id = id;
    pos += id_digits.size();
  }

  if (pos < text.size()) {
    TL_TRY_ASSIGN(packet.data, parse_payload(text.substr(pos), options.max_depth));
    // The model uses null for "no payload"; no type accepts a written null either.
    if (packet.data.is_null()) {
      return detail::bad_packet(std::string(packet_type_name(packet.type)) + " payload must not be null");
    }
  }

  TL_TRY(detail::check_ack_id(packet.type, packet.id));
  TL_TRY(detail::check_payload_shape(packet.type, packet.data));

  if (binary) {
    std::vector<bool> seen(attachment_count, false);
    TL_TRY(check_placeholders(packet.data, seen));
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (!seen[i]) return detail::bad_packet("attachment " + std::to_string(i) + " is never referenced");
    }
  } else if (has_placeholder(packet.data)) {
    return detail::bad_packet("placeholder in a packet that has no attachments");
  }
  return ParsedText{std::move(packet), attachment_count};
}

}  // namespace

Decoder::Decoder(DecoderOptions options) : options_(options) {}

std::size_t Decoder::pending_attachments() const { return pending_ ? expected_attachments_ - attachments_.size() : 0; }

void Decoder::reset() {
  pending_.reset();
  expected_attachments_ = 0;
  attachments_.clear();
}

Result<std::optional<Packet>> Decoder::feed_text(std::string_view text) {
  if (pending_) {
    const std::size_t missing = pending_attachments();
    reset();
    return detail::bad_packet("text message while " + std::to_string(missing) + " attachment(s) were still expected");
  }
  TL_TRY_ASSIGN(ParsedText parsed, parse_text(text, options_));
  parsed.packet.type = detail::plain_form(parsed.packet.type);
  if (parsed.attachment_count == 0) return MaybePacket(std::move(parsed.packet));
  pending_ = std::move(parsed.packet);
  expected_attachments_ = parsed.attachment_count;
  attachments_.reserve(parsed.attachment_count);
  return MaybePacket();
}

Result<std::optional<Packet>> Decoder::feed_binary(std::string_view bytes) {
  if (!pending_) return detail::bad_packet("binary message while no attachment was expected");
  attachments_.emplace_back(bytes.begin(), bytes.end());
  if (attachments_.size() < expected_attachments_) return MaybePacket();

  Packet packet = std::move(*pending_);
  const bool filled = fill_placeholders(packet.data, attachments_);
  reset();
  if (!filled) return Error::internal("socket.io packet: placeholder check and fill disagree");
  return MaybePacket(std::move(packet));
}

}  // namespace talkline::transport::socketio
