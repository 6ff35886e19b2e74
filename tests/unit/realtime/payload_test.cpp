#include "realtime/payload.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace talkline::realtime {
namespace {

using util::Json;

Json parse(std::string_view text) { return Json::parse(text); }

// The reader refused the value as invalid_argument naming `field`.
template <typename T>
::testing::AssertionResult refused(const Result<T>& result, std::string_view field) {
  if (result.ok()) return ::testing::AssertionFailure() << "accepted";
  const Error& error = result.error();
  if (error.code != ErrorCode::invalid_argument) {
    return ::testing::AssertionFailure() << "code " << error_code_name(error.code);
  }
  if (error.fields.size() != 1 || error.fields[0].field != field) {
    return ::testing::AssertionFailure() << "fields do not name exactly " << field;
  }
  if (error.fields[0].message.empty()) return ::testing::AssertionFailure() << "no field message";
  return ::testing::AssertionSuccess();
}

// Values no id reader may accept: wrong JSON types, zero, negatives, floats, and
// strings that are not plain decimal ids (or overflow int64).
const std::vector<std::string> kBadIds = {
    R"(null)",
    R"(true)",
    R"(false)",
    R"(1.5)",
    R"(5.0)",
    R"(1e3)",
    R"(0)",
    R"(-3)",
    R"([])",
    R"([1])",
    R"({})",
    R"("")",
    R"("0")",
    R"("00")",
    R"("-5")",
    R"("+5")",
    R"(" 5")",
    R"("5 ")",
    R"("5a")",
    R"("0x1f")",
    R"("1.5")",
    R"("1e3")",
    R"("٣")",
    R"("9223372036854775808")",
    R"("12345678901234567890")",
    R"(9223372036854775808)",
    R"(18446744073709551615)",
};

// --- payload_object ---------------------------------------------------------------

TEST(PayloadObject, ReturnsTheFirstArgumentWhenItIsAnObject) {
  const Json::array_t args = {parse(R"({"a":1})"), Json("ignored")};
  const auto object = payload_object(args);
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*object, &args.front());
  EXPECT_EQ((**object)["a"], 1);
}

TEST(PayloadObject, AcceptsAnEmptyObject) {
  const Json::array_t args = {Json::object()};
  EXPECT_TRUE(payload_object(args).ok());
}

TEST(PayloadObject, RefusesNoArgumentsOrAFirstArgumentThatIsNotAnObject) {
  EXPECT_TRUE(refused(payload_object({}), "payload"));
  for (const char* text : {"null", "true", "3", "1.5", R"("text")", "[]", R"([{"a":1}])"}) {
    SCOPED_TRACE(text);
    const Json::array_t args = {parse(text), Json::object()};
    EXPECT_TRUE(refused(payload_object(args), "payload"));
  }
}

// --- required_id ------------------------------------------------------------------

TEST(RequiredId, ReadsADecimalString) {
  const auto id = required_id(parse(R"({"conversationId":"123"})"), "conversationId");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 123);
}

TEST(RequiredId, ReadsIdsPastTwoToThe53ExactlyFromStrings) {
  const auto id = required_id(parse(R"({"id":"9007199254740993"})"), "id");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 9007199254740993);
  const auto largest = required_id(parse(R"({"id":"9223372036854775807"})"), "id");
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(*largest, std::numeric_limits<std::int64_t>::max());
}

// util::id_from_json, shared with the HTTP API, also takes a positive JSON integer.
TEST(RequiredId, AlsoReadsAPositiveJsonInteger) {
  const auto id = required_id(parse(R"({"id":42})"), "id");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 42);
}

TEST(RequiredId, MissingFieldIsNamed) {
  EXPECT_TRUE(refused(required_id(parse(R"({"other":"1"})"), "conversationId"), "conversationId"));
  EXPECT_TRUE(refused(required_id(Json::object(), "conversationId"), "conversationId"));
}

TEST(RequiredId, EveryMalformedIdIsRefusedNamingTheField) {
  for (const auto& bad : kBadIds) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(required_id(parse(R"({"conversationId":)" + bad + "}"), "conversationId"), "conversationId"));
  }
}

TEST(RequiredId, LooksOnlyAtItsOwnField) {
  const Json object = parse(R"({"a":"bad","b":"7"})");
  EXPECT_TRUE(refused(required_id(object, "a"), "a"));
  const auto b = required_id(object, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, 7);
}

// --- optional_id ------------------------------------------------------------------

TEST(OptionalId, AbsentOrNullIsNothingAndNoProblem) {
  for (const char* text : {R"({})", R"({"replyTo":null})"}) {
    SCOPED_TRACE(text);
    Error problem;
    EXPECT_FALSE(optional_id(parse(text), "replyTo", problem).has_value());
    EXPECT_TRUE(problem.fields.empty());
    EXPECT_EQ(problem.code, ErrorCode::internal);  // untouched default
  }
}

TEST(OptionalId, ReadsAPresentId) {
  Error problem;
  EXPECT_EQ(optional_id(parse(R"({"replyTo":"77"})"), "replyTo", problem), 77);
  EXPECT_TRUE(problem.fields.empty());
}

TEST(OptionalId, MalformedIdSetsAProblemNamingTheField) {
  for (const auto& bad : kBadIds) {
    if (bad == "null") continue;  // null means absent here
    SCOPED_TRACE(bad);
    Error problem;
    EXPECT_FALSE(optional_id(parse(R"({"replyTo":)" + bad + "}"), "replyTo", problem).has_value());
    EXPECT_EQ(problem.code, ErrorCode::invalid_argument);
    ASSERT_EQ(problem.fields.size(), 1U);
    EXPECT_EQ(problem.fields[0].field, "replyTo");
  }
}

// --- required_string --------------------------------------------------------------

TEST(RequiredString, ReadsAString) {
  const auto body = required_string(parse(R"({"body":"hello \"you\" \u2603"})"), "body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "hello \"you\" \xE2\x98\x83");
}

TEST(RequiredString, AcceptsTheEmptyString) {
  const auto body = required_string(parse(R"({"body":""})"), "body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "");
}

TEST(RequiredString, MissingOrNotAStringIsRefusedNamingTheField) {
  EXPECT_TRUE(refused(required_string(Json::object(), "body"), "body"));
  for (const char* bad : {"null", "true", "12", "-1", "1.5", "[]", R"(["x"])", R"({"x":"y"})"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(required_string(parse(std::string(R"({"body":)") + bad + "}"), "body"), "body"));
  }
}

// --- required_bool ----------------------------------------------------------------

TEST(RequiredBool, ReadsTrueAndFalse) {
  const auto yes = required_bool(parse(R"({"typing":true})"), "typing");
  const auto no = required_bool(parse(R"({"typing":false})"), "typing");
  ASSERT_TRUE(yes.ok());
  ASSERT_TRUE(no.ok());
  EXPECT_TRUE(*yes);
  EXPECT_FALSE(*no);
}

TEST(RequiredBool, MissingOrNotABooleanIsRefusedNamingTheField) {
  EXPECT_TRUE(refused(required_bool(Json::object(), "typing"), "typing"));
  for (const char* bad : {"null", "0", "1", "1.0", R"("true")", R"("false")", "[]", "{}"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(required_bool(parse(std::string(R"({"typing":)") + bad + "}"), "typing"), "typing"));
  }
}

// --- required_seq -----------------------------------------------------------------

TEST(RequiredSeq, ReadsZeroAndPositiveIntegers) {
  for (const std::int64_t seq : {std::int64_t{0}, std::int64_t{1}, std::int64_t{42}, std::int64_t{9007199254740993},
                                 std::numeric_limits<std::int64_t>::max()}) {
    SCOPED_TRACE(seq);
    const auto read = required_seq(parse(R"({"upTo":)" + std::to_string(seq) + "}"), "upTo");
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(*read, seq);
  }
}

TEST(RequiredSeq, MissingIsRefusedNamingTheField) {
  EXPECT_TRUE(refused(required_seq(Json::object(), "upTo"), "upTo"));
}

TEST(RequiredSeq, NegativeFloatStringAndOverflowAreRefusedNamingTheField) {
  for (const char* bad : {"-1", "-9223372036854775808", "1.5", "2.0", "1e2", "-0.0", R"("5")", R"("0")", "null", "true",
                          "[]", "{}", "9223372036854775808", "18446744073709551615"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(required_seq(parse(std::string(R"({"upTo":)") + bad + "}"), "upTo"), "upTo"));
  }
}

}  // namespace
}  // namespace talkline::realtime
