#include "transport/http/trusted_proxies.hpp"

#include <algorithm>

namespace talkline::transport::http {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies proxies;
  for (const auto& entry : entries) {
    auto network = util::parse_ip_network(entry);
    if (!network) {
      const std::string why = "'" + entry + "' is not an IP address or CIDR block (like 10.0.0.0/8 or fd00::/8)";
      return Error{
          ErrorCode::invalid_argument, "TALKLINE_TRUSTED_PROXIES: " + why, {{"TALKLINE_TRUSTED_PROXIES", why}}, 0};
    }
    proxies.networks_.push_back(*network);
  }
  return proxies;
}

bool TrustedProxies::trusts(const util::IpAddress& address) const {
  return std::any_of(networks_.begin(), networks_.end(),
                     [&](const util::IpNetwork& network) { return network.contains(address); });
}

std::optional<util::IpAddress> parse_forwarded_entry(std::string_view entry) {
  entry = trim(entry);
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view after = entry.substr(close + 1);
    if (!after.empty() && !(after.front() == ':' && all_digits(after.substr(1)))) return std::nullopt;
    return util::parse_ip_address(entry.substr(1, close - 1));
  }
  // One colon: IPv4 with a port. More: IPv6, which carries a port only in brackets.
  if (const auto colon = entry.find(':');
      colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (!all_digits(entry.substr(colon + 1))) return std::nullopt;
    entry = entry.substr(0, colon);
  }
  return util::parse_ip_address(entry);
}

std::string TrustedProxies::client_address(std::string_view peer, const Headers& headers) const {
  if (networks_.empty()) return std::string(peer);
  const auto peer_address = util::parse_ip_address(peer);
  if (!peer_address || !trusts(*peer_address)) return std::string(peer);

  std::vector<std::string_view> hops;
  for (const auto value : headers.get_all("X-Forwarded-For")) {
    std::string_view rest = value;
    for (;;) {
      const auto comma = rest.find(',');
      hops.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // Walk from the nearest hop outwards while each hop is one we trust to have told the truth.
  util::IpAddress client = *peer_address;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const auto hop = parse_forwarded_entry(*it);
    if (!hop) break;
    client = *hop;
    if (!trusts(client)) break;
  }
  return client.to_string();
}

}  // namespace talkline::transport::http
