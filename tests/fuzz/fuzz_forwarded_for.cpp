// libFuzzer target for the client address behind trusted proxies: X-Forwarded-For is
// whatever a client (or a proxy) wrote, and the address read from it feeds every
// per-address limit. No input may crash it, and the answer must always be a readable
// address: the peer's own, or one taken from the list.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_forwarded_for.cpp src/transport/http/trusted_proxies.cpp \
//     src/transport/http/message.cpp src/util/ip_address.cpp src/util/error.cpp -o /tmp/fxff

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/http/trusted_proxies.hpp"
#include "util/ip_address.hpp"

using namespace talkline;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_forwarded_for: %s\n", what);
  std::abort();
}

const transport::http::TrustedProxies& proxies() {
  static const auto parsed = transport::http::TrustedProxies::parse({"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
  if (!parsed.ok()) fail("the fixed proxy list did not parse");
  return *parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The same bytes as an address, as a network, and as one X-Forwarded-For entry.
  if (auto address = util::parse_ip_address(input)) {
    if (util::parse_ip_address(address->to_string()) != address) fail("address did not survive to_string");
  }
  if (auto network = util::parse_ip_network(input)) {
    if (network->prefix_bits < 0 || network->prefix_bits > 128) fail("prefix out of range");
    if (!network->contains(network->base)) fail("a network must contain its base");
  }
  (void)transport::http::parse_forwarded_entry(input);

  // As the header of a request from a trusted peer, and from an untrusted one.
  transport::http::Headers headers;
  headers.add("X-Forwarded-For", std::string(input));
  const std::string from_proxy = proxies().client_address("127.0.0.1", headers);
  if (!util::parse_ip_address(from_proxy)) fail("the client address is not an address");
  if (proxies().client_address("192.0.2.1", headers) != "192.0.2.1") fail("an untrusted peer was looked past");
  return 0;
}
