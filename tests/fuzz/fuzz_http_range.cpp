// libFuzzer target for the Range and entity-tag headers (transport/http/byte_range,
// entity_tag): client bytes, so no input may crash them, and a range they accept must
// lie inside the representation.
//
//   scripts/fuzz.sh 30 fuzz_http_range

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "transport/http/byte_range.hpp"
#include "transport/http/entity_tag.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 8 bytes choose the representation's size; the rest is the header.
  std::uint64_t length = 0;
  if (size >= 8) {
    std::memcpy(&length, data, 8);
    data += 8;
    size -= 8;
  }
  std::string_view header(reinterpret_cast<const char*>(data), size);

  for (std::uint64_t total : {length, length % 4096, std::uint64_t{0}}) {
    auto decision = evaluate_range(header, total);
    if (decision.outcome == RangeDecision::Outcome::partial) {
      const auto& range = decision.range;
      if (range.length == 0 || range.offset >= total || range.length > total - range.offset) std::abort();
      if (content_range_value(range, total).empty()) std::abort();
    }
  }

  auto tag = strong_etag(header);
  if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') std::abort();
  // A tag made by strong_etag always matches itself, weakly and strongly.
  if (!if_none_match_matches(tag, tag) || !if_range_matches(tag, tag)) std::abort();
  if (!if_none_match_matches("*", tag)) std::abort();
  (void)if_none_match_matches(header, tag);
  (void)if_none_match_matches(header, "\"x\"");
  (void)if_range_matches(header, tag);
  return 0;
}
