// libFuzzer target: request-body JSON parsing and the UTF-8 checks applied to its strings,
// and the hand-written JSON string writer against the library's.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I src tests/fuzz/fuzz_json_body.cpp \
//     src/util/json.cpp src/util/utf8.cpp src/util/error.cpp -o fuzz_json_body
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/json.hpp"
#include "util/utf8.hpp"

namespace {

// Walks every string, key and id-like value the way a controller would.
void visit(const talkline::util::Json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    // The JSON parser only hands out well-formed UTF-8; our validator must agree.
    if (!talkline::util::utf8_valid(text)) std::abort();
    if (talkline::util::utf8_length(text) > text.size()) std::abort();
    (void)talkline::util::has_control_characters(text);
    (void)talkline::util::id_from_json(value);
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (!talkline::util::utf8_valid(key)) std::abort();
      visit(child);
    }
    return;
  }
  if (value.is_array()) {
    for (const auto& child : value) visit(child);
    return;
  }
  (void)talkline::util::id_from_json(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The hand-written string writer (hot wire shapes) must match the library's dump byte
  // for byte on any bytes, valid UTF-8 or not.
  std::string written;
  talkline::util::append_json_string(written, input);
  if (written != talkline::util::dump_json(talkline::util::Json(std::string(input)))) std::abort();

  const bool valid = talkline::util::utf8_valid(input);
  const std::size_t length = talkline::util::utf8_length(input);
  if (length > input.size()) std::abort();
  (void)talkline::util::has_control_characters(input, false);

  const auto parsed = talkline::util::parse_json_object(input, 16);
  if (!parsed.ok()) return 0;
  // Accepted JSON text is UTF-8 throughout: outside strings only ASCII is allowed.
  if (!valid) std::abort();
  if (!parsed.value().is_object()) std::abort();
  visit(parsed.value());

  const std::string dumped = talkline::util::dump_json(parsed.value());
  if (!talkline::util::utf8_valid(dumped)) std::abort();
  // What we serialise must parse again under the same limits.
  if (!talkline::util::parse_json_object(dumped, 16).ok()) std::abort();
  return 0;
}
