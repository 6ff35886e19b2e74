#include "util/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace talkline::util {

namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr int kV4Offset = 96;  // bits before an IPv4 address in its mapped form

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0; }

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + kMappedPrefix.size(), text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
  }
  return text;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  // inet_pton wants a terminated string; anything longer than an address is not one.
  char buffer[INET6_ADDRSTRLEN] = {};
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    std::memcpy(address.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
    if (inet_pton(AF_INET, buffer, address.bytes.data() + kMappedPrefix.size()) != 1) return std::nullopt;
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  return address;
}

bool IpNetwork::contains(const IpAddress& address) const {
  const int whole = prefix_bits / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address.bytes[static_cast<std::size_t>(whole)] & mask) == base.bytes[static_cast<std::size_t>(whole)];
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  const auto slash = text.find('/');
  auto address = parse_ip_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpNetwork network;
  const int family_bits = address->is_v4() && text.substr(0, slash).find(':') == std::string_view::npos ? 32 : 128;
  int prefix = family_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
        prefix > family_bits) {
      return std::nullopt;
    }
  }
  network.prefix_bits = family_bits == 32 ? prefix + kV4Offset : prefix;
  network.base = *address;
  for (int bit = network.prefix_bits; bit < 128; ++bit) {
    network.base.bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
  return network;
}

}  // namespace talkline::util
