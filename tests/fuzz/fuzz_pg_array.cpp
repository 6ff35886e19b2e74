// libFuzzer target for the PostgreSQL bigint[] reader: it reads a column of a server's
// reply, so no input may crash it, and what our own writer makes it must read back.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_pg_array.cpp src/store/postgres/array_literal.cpp -o /tmp/fa && /tmp/fa

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "store/postgres/array_literal.hpp"

using namespace talkline::store::postgres;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto values = parse_bigint_array(input)) {
    // Every element takes at least one byte and a separator.
    if (values->size() > input.size()) std::abort();
  }

  // The input's bytes as numbers (a zero marks a NULL) survive a round trip.
  std::vector<std::optional<std::int64_t>> written;
  std::vector<std::int64_t> expected;
  for (std::size_t at = 0; at + sizeof(std::int64_t) <= size; at += sizeof(std::int64_t)) {
    std::int64_t value = 0;
    std::memcpy(&value, data + at, sizeof value);
    if (value == 0) {
      written.emplace_back();
    } else {
      written.emplace_back(value);
      expected.push_back(value);
    }
  }
  auto read = parse_bigint_array(bigint_array_literal(written));
  if (!read || *read != expected) std::abort();
  return 0;
}
