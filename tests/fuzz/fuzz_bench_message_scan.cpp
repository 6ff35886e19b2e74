// talkline-bench reads every message:new frame with a scanner instead of a JSON parse;
// the frames come off the network, so it must stay in bounds on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  if (auto view = talkline::bench::scan_message_new(packet)) {
    // The views must point inside the input.
    const auto inside = [&](std::string_view part) {
      return part.empty() || (part.data() >= packet.data() && part.data() + part.size() <= packet.data() + size);
    };
    if (!inside(view->conversation_id) || !inside(view->body) || view->seq <= 0) __builtin_trap();
  }
  return 0;
}
