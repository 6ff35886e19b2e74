#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/http/message.hpp"
#include "util/ip_address.hpp"
#include "util/result.hpp"

namespace talkline::transport::http {

/// Which peers may tell us who the client is (TALKLINE_TRUSTED_PROXIES), and the client
/// address that follows. Behind a balancer every connection comes from the balancer;
/// the balancer appends the address it saw to X-Forwarded-For, so the right end of that
/// list is the part it vouches for. Anything further left was written by the client or
/// by proxies we know nothing of.
class TrustedProxies {
 public:
  /// Trusts nobody: the client is the TCP peer.
  TrustedProxies() = default;

  /// Addresses and CIDR blocks, e.g. {"10.0.0.0/8", "192.0.2.7", "fd00::/8"}.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool trusts(const util::IpAddress& address) const;

  /// The address to treat as the client's. `peer` itself unless it is trusted; then the
  /// right-most X-Forwarded-For address that is not itself trusted (all X-Forwarded-For
  /// headers read as one list, in order). When every listed address is trusted, the
  /// left-most; when an entry cannot be read, the nearest hop that could (nothing left
  /// of it can be vouched for). Entries may carry a port ("192.0.2.7:5000",
  /// "[2001:db8::1]:80"); the answer is the plain address.
  std::string client_address(std::string_view peer, const Headers& headers) const;

 private:
  std::vector<util::IpNetwork> networks_;
};

/// One X-Forwarded-For entry as an address: blanks trimmed, brackets and port removed.
std::optional<util::IpAddress> parse_forwarded_entry(std::string_view entry);

}  // namespace talkline::transport::http
