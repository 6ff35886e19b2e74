// libFuzzer target: the readers of socket event payloads (src/realtime/payload.hpp)
// on any JSON object, checking that each answer is a well-formed value or an
// invalid_argument naming the field it was asked about.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I src tests/fuzz/fuzz_realtime_payload.cpp \
//     src/realtime/payload.cpp src/util/json_fields.cpp src/util/json.cpp src/util/utf8.cpp src/util/error.cpp \
//     -o fuzz_realtime_payload
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "realtime/payload.hpp"
#include "util/json.hpp"

namespace {

using talkline::Error;
using talkline::ErrorCode;
using talkline::Result;
using talkline::util::Json;
namespace realtime = talkline::realtime;

// The field names the chat events read, plus the empty name.
constexpr std::string_view kFields[] = {"conversationId", "replyTo", "clientMsgId", "body", "typing",
                                        "upTo",           "seq",     "afterSeq",    "id",   ""};
constexpr std::size_t kMaxKeys = 16;

// An error is exactly one invalid_argument field error naming `field`.
void check_refusal(const Error& error, std::string_view field) {
  if (error.code != ErrorCode::invalid_argument) std::abort();
  if (error.fields.size() != 1 || error.fields[0].field != field) std::abort();
  if (error.fields[0].message.empty()) std::abort();
}

template <typename T>
bool accepted(const Result<T>& result, std::string_view field) {
  if (result.ok()) return true;
  check_refusal(result.error(), field);
  return false;
}

void read_field(const Json& object, std::string_view field) {
  const auto it = object.find(field);
  const bool present = it != object.end();

  if (auto id = realtime::required_id(object, field); accepted(id, field)) {
    if (!present || *id <= 0) std::abort();
  }

  Error problem;
  const auto optional = realtime::optional_id(object, field, problem);
  if (optional) {
    if (!present || *optional <= 0 || !problem.fields.empty()) std::abort();
  } else if (!problem.fields.empty()) {
    check_refusal(problem, field);
    if (!present || it->is_null()) std::abort();
  } else if (present && !it->is_null()) {
    // Neither a value nor a problem for a present, non-null field.
    std::abort();
  }

  if (auto text = realtime::required_string(object, field); accepted(text, field)) {
    if (!present || !it->is_string() || *text != it->get_ref<const std::string&>()) std::abort();
  }
  if (auto flag = realtime::required_bool(object, field); accepted(flag, field)) {
    if (!present || !it->is_boolean() || *flag != it->get<bool>()) std::abort();
  }
  if (auto seq = realtime::required_seq(object, field); accepted(seq, field)) {
    if (!present || !it->is_number_integer() || *seq < 0) std::abort();
  }
}

// Treats `args` as an event's arguments: payload_object either returns its first
// element, an object, or refuses naming "payload".
void read_args(const Json::array_t& args) {
  const auto object = realtime::payload_object(args);
  if (!accepted(object, "payload")) return;
  if (args.empty() || *object != &args.front() || !(*object)->is_object()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = talkline::util::parse_json_object(input, 16);
  if (!parsed.ok()) return 0;
  const Json& object = parsed.value();

  for (const auto field : kFields) read_field(object, field);
  // Also every key the input itself uses, so the fuzzer picks the names.
  std::size_t keys = 0;
  for (const auto& [key, value] : object.items()) {
    if (++keys > kMaxKeys) break;
    read_field(object, key);
    if (value.is_array()) read_args(value.get_ref<const Json::array_t&>());
  }

  read_args(Json::array_t{object});
  read_args(Json::array_t{});
  return 0;
}
