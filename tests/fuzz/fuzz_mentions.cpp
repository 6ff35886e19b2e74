// libFuzzer target for mention parsing: message bodies come from clients, and every name
// found goes into a store query, so each must be a well-formed lower-case username.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_mentions.cpp src/model/mentions.cpp -o /tmp/fm && /tmp/fm

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "model/mentions.hpp"

using namespace talkline::model;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::size_t max = size % 8;
  const auto names = mentioned_usernames(body, max);
  if (names.size() > max) std::abort();
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (name.size() < 3 || name.size() > 32 || name.back() == '.') std::abort();
    for (const char c : name) {
      const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!allowed) std::abort();
    }
    if (!seen.insert(name).second) std::abort();
    if (body.find('@') == std::string_view::npos) std::abort();
  }
  // The cut never splits a code point and never grows the body.
  ReplyPreview preview;
  preview.body = std::string(body);
  cut_reply_preview(preview, max);
  if (preview.body.size() > body.size() || body.substr(0, preview.body.size()) != preview.body) std::abort();
  if (preview.truncated != (preview.body.size() < body.size())) std::abort();
  if (preview.truncated && (static_cast<unsigned char>(body[preview.body.size()]) & 0xC0) == 0x80) std::abort();
  return 0;
}
