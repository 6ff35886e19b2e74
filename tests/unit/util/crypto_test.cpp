#include "util/crypto.hpp"

#include <gtest/gtest.h>

#include <set>

namespace talkline::util {
namespace {

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

TEST(Crypto, Sha256MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256MatchesRfc4231) {
  // Test case 1.
  EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HmacAcceptsEmptyKeyAndData) {
  EXPECT_EQ(hmac_sha256("", "").size(), 32U);
  EXPECT_NE(hmac_sha256("", "a"), hmac_sha256("", "b"));
}

TEST(Crypto, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Crypto, RandomBytesHaveTheAskedLengthAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0U);
  EXPECT_EQ(random_bytes(17).size(), 17U);
  std::set<std::string> tokens;
  for (int i = 0; i < 50; ++i) tokens.insert(random_token());
  EXPECT_EQ(tokens.size(), 50U);
  EXPECT_EQ(random_token(32).size(), 43U);
  EXPECT_TRUE(base64url_decode(random_token(32)).has_value());
}

TEST(Crypto, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Crypto, Base64DecodeAcceptsMissingPaddingButNotGarbage) {
  EXPECT_EQ(base64_decode("Zm8"), std::optional<std::string>("fo"));
  EXPECT_FALSE(base64_decode("Zm8==").has_value());
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zm 8=").has_value());
  EXPECT_FALSE(base64_decode("Zm-_").has_value());
  EXPECT_FALSE(base64_decode("=Zm8").has_value());
}

TEST(Crypto, Base64UrlRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length < 10; ++length) {
    const std::string data = all.substr(250 - length, length);
    EXPECT_EQ(base64url_decode(base64url_encode(data)), std::optional<std::string>(data));
  }
  EXPECT_EQ(base64url_decode(base64url_encode(all)), std::optional<std::string>(all));
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Crypto, Base64UrlDecodeIsStrict) {
  EXPECT_EQ(base64url_decode("-_8"), std::optional<std::string>("\xfb\xff"));
  EXPECT_FALSE(base64url_decode("Zg==").has_value()) << "padding";
  EXPECT_FALSE(base64url_decode("Zm9v\n").has_value()) << "whitespace";
  EXPECT_FALSE(base64url_decode("Zm 9v").has_value()) << "space";
  EXPECT_FALSE(base64url_decode("+/8").has_value()) << "standard alphabet";
  EXPECT_FALSE(base64url_decode("Z").has_value()) << "impossible length";
  EXPECT_FALSE(base64url_decode("-_9").has_value()) << "non-zero leftover bits";
  EXPECT_FALSE(base64url_decode("Zh").has_value()) << "non-zero leftover bits";
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)).has_value()) << "NUL";
  EXPECT_EQ(base64url_decode(""), std::optional<std::string>(""));
}

}  // namespace
}  // namespace talkline::util
