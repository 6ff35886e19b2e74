#include "util/password.hpp"

#include <gtest/gtest.h>

namespace talkline::util {
namespace {

// The smallest cost we allow keeps these tests fast.
constexpr Argon2Params kFast{8 * 1024, 1, 1};

TEST(Password, HashIsEncodedArgon2idWithTheGivenCost) {
  const std::string encoded = password_hash("correct horse", kFast);
  EXPECT_EQ(encoded.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0U) << encoded;
}

TEST(Password, VerifyAcceptsTheRightPasswordOnly) {
  const std::string encoded = password_hash("correct horse", kFast);
  EXPECT_TRUE(password_verify(encoded, "correct horse"));
  EXPECT_FALSE(password_verify(encoded, "correct horsE"));
  EXPECT_FALSE(password_verify(encoded, ""));
}

TEST(Password, SaltMakesEveryHashDifferent) { EXPECT_NE(password_hash("same", kFast), password_hash("same", kFast)); }

TEST(Password, PasswordsWithNulAndUnicodeWork) {
  const std::string tricky("p\0ss \xF0\x9F\x94\x91", 9);
  const std::string encoded = password_hash(tricky, kFast);
  EXPECT_TRUE(password_verify(encoded, tricky));
  EXPECT_FALSE(password_verify(encoded, "p"));
}

TEST(Password, VerifyReturnsFalseOnGarbage) {
  const std::string good = password_hash("pw", kFast);
  const std::string garbage[] = {
      "",
      "garbage",
      "$argon2id$",
      "$argon2id$v=19$m=8192,t=1,p=1$",
      "$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=16$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=8192,t=1,p=1$!!!$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=8192,t=4294967295,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=8192,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=8192,t=1,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      "$argon2id$v=19$m=-1,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
      good.substr(0, good.size() - 5),
      good + "AAAA",
      good.substr(0, 20) + std::string(1, '\0') + good.substr(21),
  };
  for (const auto& encoded : garbage) EXPECT_FALSE(password_verify(encoded, "pw")) << encoded;
}

TEST(Password, HashRejectsImpossibleParameters) {
  EXPECT_THROW(password_hash("pw", Argon2Params{8 * 1024, 0, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace talkline::util
