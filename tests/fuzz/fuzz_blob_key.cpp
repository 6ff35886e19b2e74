// libFuzzer target for blob keys: a key comes from a client, and the filesystem store
// turns it into a path, so no accepted key may name anything outside the store's root.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_blob_key.cpp src/blob/blob_key.cpp src/util/error.cpp -o /tmp/fk && /tmp/fk

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "blob/blob_key.hpp"

using namespace talkline::blob;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view key(reinterpret_cast<const char*>(data), size);
  const bool valid = check_key(key).ok();
  const bool valid_prefix = check_prefix(key).ok();
  if (valid && !valid_prefix) std::abort();  // every key may also select a listing
  if (!valid) return 0;

  if (key.empty() || key.size() > kMaxKeyLength) std::abort();
  for (const char c : key) {
    if (!is_key_char(c) || c == '~') std::abort();  // '~' stands for '/' in file names
  }
  // Below the root it stays below the root, as many levels deep as it has segments.
  const std::filesystem::path root("/srv/blobs");
  const std::filesystem::path path = (root / std::filesystem::path(key)).lexically_normal();
  const std::filesystem::path relative = path.lexically_relative(root);
  if (relative.empty() || *relative.begin() == ".." || relative.is_absolute()) std::abort();
  std::size_t segments = 1;
  for (const char c : key) segments += c == '/' ? 1 : 0;
  if (static_cast<std::size_t>(std::distance(relative.begin(), relative.end())) != segments) std::abort();
  return 0;
}
