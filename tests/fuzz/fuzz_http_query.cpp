// libFuzzer target for the request-target decoders: they read raw bytes from the
// network, so no input may crash them, and what they accept must be consistent.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_http_query.cpp src/transport/http/query.cpp -o /tmp/fq && /tmp/fq

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http/query.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parts = split_target(input);
  if (parts.path.size() + parts.query.size() > input.size()) std::abort();

  if (auto path = decode_path(parts.path)) {
    // Decoding never grows the text, and a NUL never gets through.
    if (path->size() > parts.path.size() || path->find('\0') != std::string::npos) std::abort();
  }
  if (auto component = decode_query_component(input)) {
    if (component->size() > input.size()) std::abort();
  }
  if (auto params = parse_query(parts.query)) {
    std::size_t total = 0;
    for (const auto& [key, value] : *params) total += key.size() + value.size();
    if (total > parts.query.size()) std::abort();
  }
  return 0;
}
