// libFuzzer target for the Redis bus envelope codec: any bytes decode or are refused
// without crashing, and whatever decodes encodes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bus/redis/envelope_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = talkline::bus::redis::decode_envelope(bytes);
  if (!decoded) return 0;
  if (talkline::bus::redis::encode_envelope(decoded->envelope, decoded->origin) != bytes) std::abort();
  return 0;
}
