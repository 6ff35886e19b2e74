// libFuzzer target: jwt_verify and parse_id on arbitrary bytes.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I src tests/fuzz/fuzz_jwt.cpp \
//     src/util/jwt.cpp src/util/crypto.cpp src/util/json.cpp src/util/utf8.cpp src/util/error.cpp -lcrypto -o fuzz_jwt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/json.hpp"
#include "util/jwt.hpp"

namespace {

constexpr std::string_view kKey = "fuzz-key-fuzz-key-fuzz-key-fuzz!";

talkline::util::JwtVerifyOptions verify_options() {
  talkline::util::JwtVerifyOptions options;
  options.issuer = "talkline";
  options.audience = "talkline";
  options.now_seconds = 1'800'000'000;
  options.leeway_seconds = 30;
  return options;
}

// A byte string parse_id accepted must be exactly the decimal spelling of the id,
// allowing only leading zeros that the spelling drops.
void check_parse_id(std::string_view text) {
  const auto id = talkline::util::parse_id(text);
  if (!id) return;
  if (*id <= 0) std::abort();
  std::string_view digits = text;
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (std::to_string(*id) != digits) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const auto options = verify_options();

  const auto result = talkline::util::jwt_verify(input, kKey, options);
  // Forging an HMAC is out of the fuzzer's reach; a pass means verification is broken.
  if (result.ok()) std::abort();

  check_parse_id(input);
  return 0;
}
