#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace talkline::util {

/// An IPv4 or IPv6 address. IPv4 is held as its IPv4-mapped IPv6 form (::ffff:a.b.c.d),
/// so one comparison serves both families and a dual-stack peer matches an IPv4 rule.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  bool is_v4() const;
  /// The usual text: dotted quad for IPv4 (mapped ones included), RFC 5952 for IPv6.
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

/// Reads "192.0.2.7", "2001:db8::1" or "::ffff:192.0.2.7"; nothing else (no brackets,
/// ports, zone ids or blanks).
std::optional<IpAddress> parse_ip_address(std::string_view text);

/// An address block: "10.0.0.0/8", "fd00::/8", or a single address ("192.0.2.7").
struct IpNetwork {
  IpAddress base;         // with the bits past the prefix cleared
  int prefix_bits = 128;  // counted on the 128-bit form

  bool contains(const IpAddress& address) const;
};

/// Reads an address or address/prefix (IPv4 prefixes 0-32, IPv6 0-128). Host bits after
/// the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8).
std::optional<IpNetwork> parse_ip_network(std::string_view text);

}  // namespace talkline::util
