// libFuzzer target for the static-file path check (transport/http/static_path): request
// paths come from the network, so no input may crash it, and nothing it accepts may
// climb out of the served directory or name a dotfile.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_static_path.cpp src/transport/http/static_path.cpp -o /tmp/fs && /tmp/fs

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http/static_path.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)static_content_type(input);
  const auto relative = static_relative_path(input);
  if (!relative) return 0;
  std::string_view rest = *relative;
  if (rest.empty() || rest.front() == '/' || rest.back() == '/') std::abort();
  for (;;) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    if (segment.empty() || segment.front() == '.') std::abort();
    for (const char c : segment) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f) std::abort();
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return 0;
}
