// libFuzzer target for the readers of S3's answers (XML documents and header values):
// they read what a service sends over the network, so no input may crash them, hang
// them or make them return something that breaks their own promises.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_s3_reply.cpp src/blob/s3/s3_reply.cpp -o /tmp/fr && /tmp/fr

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "blob/s3/s3_reply.hpp"

using namespace talkline::blob::s3;

namespace {

// Depth and element count stay within the documented bounds.
std::size_t count_elements(const XmlElement& element, int depth) {
  if (depth > 16) std::abort();
  std::size_t count = 1;
  for (const auto& child : element.children) count += count_elements(child, depth + 1);
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (const auto root = parse_xml(input)) {
    // Every element needs at least "<a/>" (4 bytes).
    if (count_elements(*root, 1) * 4 > size) std::abort();
  }
  if (const auto error = parse_error_reply(input)) {
    if (error->code.empty()) std::abort();
  }
  if (const auto id = parse_upload_id(input)) {
    if (id->empty()) std::abort();
  }
  (void)is_complete_result(input);
  if (const auto page = parse_list_page(input)) {
    if (page->truncated == page->next_token.empty()) std::abort();
    for (const auto& object : page->objects) {
      if (object.key.empty()) std::abort();
    }
  }

  if (const auto number = parse_decimal(input)) {
    // Only digits were read, and they mean the number (leading zeros aside).
    const std::string text = std::to_string(*number);
    if (input.size() < text.size() || input.substr(input.size() - text.size()) != text) std::abort();
  }
  if (const auto range = parse_content_range(input)) {
    if (range->first > range->last || range->last >= range->total) std::abort();
  }
  (void)parse_iso8601(input);
  (void)parse_http_date(input);
  return 0;
}
