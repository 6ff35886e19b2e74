// libFuzzer target for the S3 endpoint URL reader: the URL comes from configuration and
// its host goes into a signed Host header, so no input may crash it, and what it accepts
// must be safe to send as written and read back the same.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_endpoint_url.cpp src/blob/s3/endpoint_url.cpp src/util/error.cpp -o /tmp/fe && /tmp/fe

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "blob/s3/endpoint_url.hpp"

using namespace talkline::blob::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto url = parse_endpoint_url(input, "endpoint");
  if (!url.ok()) {
    if (url.error().fields.empty() || url.error().fields.front().field != "endpoint") std::abort();
    return 0;
  }
  // Nothing that could end or split a header line, nothing that needs encoding.
  for (const char c : url->host_header + url->base_path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '-' || c == '_' || c == '~' || c == '/' || c == ':' || c == '[' || c == ']';
    if (!plain) std::abort();
  }
  if (url->host.empty() || url->port.empty() || url->port.size() > 5) std::abort();
  const int port = std::stoi(url->port);
  if (port < 1 || port > 65535) std::abort();
  if (!url->base_path.empty() && (url->base_path.front() != '/' || url->base_path.back() == '/')) std::abort();

  // What it read, written out again, reads back the same.
  const std::string again = std::string(url->tls ? "https://" : "http://") + url->host_header + url->base_path;
  const auto reread = parse_endpoint_url(again, "endpoint");
  if (!reread.ok() || reread->tls != url->tls || reread->host != url->host || reread->port != url->port ||
      reread->base_path != url->base_path || reread->host_header != url->host_header) {
    std::abort();
  }
  return 0;
}
