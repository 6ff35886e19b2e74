#include "util/jwt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "util/crypto.hpp"
#include "util/json.hpp"

namespace talkline::util {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kKey = "an-hs256-test-key-of-32-bytes!!!";
constexpr std::int64_t kNow = 1'800'000'000;

JwtVerifyOptions options() {
  JwtVerifyOptions o;
  o.issuer = "talkline";
  o.audience = "talkline-api";
  o.type = "access";
  o.now_seconds = kNow;
  return o;
}

JwtClaims claims() {
  JwtClaims c;
  c.issuer = "talkline";
  c.audience = "talkline-api";
  c.subject = "1234567890123";
  c.session = "77";
  c.type = "access";
  c.role = "user";
  c.token_id = "jti-1";
  c.issued_at = kNow - 10;
  c.not_before = kNow - 10;
  c.expires_at = kNow + 900;
  return c;
}

Json header() { return {{"alg", "HS256"}, {"typ", "JWT"}}; }

Json payload() {
  return {{"iss", "talkline"}, {"aud", "talkline-api"}, {"sub", "1234567890123"}, {"sid", "77"},
          {"typ", "access"},   {"role", "user"},        {"jti", "jti-1"},         {"iat", kNow - 10},
          {"nbf", kNow - 10},  {"exp", kNow + 900}};
}

std::string segment(const Json& value) { return base64url_encode(value.dump()); }

// Builds a token from arbitrary header and payload and signs it correctly with HMAC,
// so a rejection can only come from the defect under test.
std::string forge(const Json& h, const Json& p, std::string_view key = kKey) {
  const std::string signing_input = segment(h) + "." + segment(p);
  return signing_input + "." + base64url_encode(hmac_sha256(key, signing_input));
}

std::string forge_raw(std::string_view h, std::string_view p) {
  const std::string signing_input = base64url_encode(h) + "." + base64url_encode(p);
  return signing_input + "." + base64url_encode(hmac_sha256(kKey, signing_input));
}

// Asserts refusal with `unauthenticated` and a reason containing `reason`.
void expect_rejected(const std::string& token, std::string_view reason, const JwtVerifyOptions& o = options()) {
  const auto result = jwt_verify(token, kKey, o);
  ASSERT_FALSE(result.ok()) << token;
  EXPECT_EQ(result.error().code, ErrorCode::unauthenticated);
  EXPECT_THAT(result.error().message, HasSubstr(std::string(reason))) << token;
}

void expect_accepted(const std::string& token, const JwtVerifyOptions& o = options()) {
  const auto result = jwt_verify(token, kKey, o);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
}

TEST(Jwt, SignedTokenVerifiesWithAllClaims) {
  const auto result = jwt_verify(jwt_sign(claims(), kKey), kKey, options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  const JwtClaims& c = result.value();
  EXPECT_EQ(c.issuer, "talkline");
  EXPECT_EQ(c.audience, "talkline-api");
  EXPECT_EQ(c.subject, "1234567890123");
  EXPECT_EQ(c.session, "77");
  EXPECT_EQ(c.type, "access");
  EXPECT_EQ(c.role, "user");
  EXPECT_EQ(c.token_id, "jti-1");
  EXPECT_EQ(c.issued_at, kNow - 10);
  EXPECT_EQ(c.not_before, kNow - 10);
  EXPECT_EQ(c.expires_at, kNow + 900);
}

TEST(Jwt, SignedTokenHasTheStandardHeader) {
  const std::string token = jwt_sign(claims(), kKey);
  const auto h = base64url_decode(token.substr(0, token.find('.')));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(Json::parse(*h), header());
}

TEST(Jwt, ForgedTokenWithCorrectKeyVerifies) { expect_accepted(forge(header(), payload())); }

TEST(Jwt, HeaderWithoutTypIsAccepted) { expect_accepted(forge({{"alg", "HS256"}}, payload())); }

TEST(Jwt, RejectsAlgNoneInEveryCase) {
  for (const char* alg : {"none", "NONE", "None", "nOnE"}) {
    const Json h = {{"alg", alg}, {"typ", "JWT"}};
    expect_rejected(forge(h, payload()), "alg");
    expect_rejected(segment(h) + "." + segment(payload()) + ".", "");
  }
}

TEST(Jwt, RejectsAlgHs512) { expect_rejected(forge({{"alg", "HS512"}, {"typ", "JWT"}}, payload()), "alg"); }

TEST(Jwt, RejectsAlgRs256) { expect_rejected(forge({{"alg", "RS256"}, {"typ", "JWT"}}, payload()), "alg"); }

TEST(Jwt, RejectsLowercaseHs256) { expect_rejected(forge({{"alg", "hs256"}}, payload()), "alg"); }

TEST(Jwt, RejectsMissingAlg) { expect_rejected(forge({{"typ", "JWT"}}, payload()), "missing alg"); }

TEST(Jwt, RejectsNonStringAlg) {
  expect_rejected(forge({{"alg", Json::array({"HS256"})}}, payload()), "alg");
  expect_rejected(forge({{"alg", nullptr}}, payload()), "alg");
}

Json header_with(const char* name, Json value) {
  Json h = header();
  h[name] = std::move(value);
  return h;
}

TEST(Jwt, RejectsJwkHeader) {
  expect_rejected(forge(header_with("jwk", {{"kty", "oct"}, {"k", "AAAA"}}), payload()), "jwk");
}

TEST(Jwt, RejectsJkuHeader) {
  expect_rejected(forge(header_with("jku", "https://evil.example/keys"), payload()), "jku");
}

TEST(Jwt, RejectsKidHeader) { expect_rejected(forge(header_with("kid", "../../dev/null"), payload()), "kid"); }

TEST(Jwt, RejectsX5uHeader) {
  expect_rejected(forge(header_with("x5u", "https://evil.example/cert"), payload()), "x5u");
}

TEST(Jwt, RejectsX5cHeader) { expect_rejected(forge(header_with("x5c", Json::array({"MIIB"})), payload()), "x5c"); }

TEST(Jwt, RejectsX5tHeader) { expect_rejected(forge(header_with("x5t", "abc"), payload()), "x5t"); }

TEST(Jwt, RejectsCritHeader) { expect_rejected(forge(header_with("crit", Json::array({"exp"})), payload()), "crit"); }

TEST(Jwt, RejectsHeaderTypOtherThanJwt) {
  expect_rejected(forge(header_with("typ", "at+jwt"), payload()), "typ");
  expect_rejected(forge(header_with("typ", 1), payload()), "typ");
}

TEST(Jwt, RejectsBadSignature) {
  std::string token = forge(header(), payload());
  const std::size_t last = token.rfind('.') + 1;
  token[last] = token[last] == 'A' ? 'B' : 'A';
  expect_rejected(token, "bad signature");
}

TEST(Jwt, RejectsSignatureOfAnotherKey) {
  expect_rejected(forge(header(), payload(), "another-key-another-key-another!!"), "bad signature");
  expect_rejected(jwt_sign(claims(), "another-key-another-key-another!!"), "bad signature");
}

TEST(Jwt, RejectsTruncatedSignature) {
  const std::string token = forge(header(), payload());
  expect_rejected(token.substr(0, token.size() - 4), "signature");
}

TEST(Jwt, RejectsTamperedPayload) {
  const std::string token = forge(header(), payload());
  Json admin = payload();
  admin["role"] = "admin";
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  const std::string tampered = token.substr(0, first + 1) + segment(admin) + token.substr(second);
  expect_rejected(tampered, "bad signature");
}

TEST(Jwt, ChecksSignatureBeforeReadingThePayload) {
  const std::string signing_input = segment(header()) + "." + base64url_encode("not json");
  const std::string token = signing_input + "." + base64url_encode(std::string(32, 'x'));
  expect_rejected(token, "bad signature");
}

TEST(Jwt, RejectsExpiredToken) {
  Json p = payload();
  p["exp"] = kNow;
  expect_rejected(forge(header(), p), "expired");
  p["exp"] = kNow - 1000;
  expect_rejected(forge(header(), p), "expired");
}

TEST(Jwt, LeewayAppliesToExpiry) {
  Json p = payload();
  p["exp"] = kNow - 5;
  JwtVerifyOptions o = options();
  o.leeway_seconds = 10;
  expect_accepted(forge(header(), p), o);
}

TEST(Jwt, RejectsNotBeforeInTheFuture) {
  Json p = payload();
  p["nbf"] = kNow + 60;
  expect_rejected(forge(header(), p), "not valid yet");
  JwtVerifyOptions o = options();
  o.leeway_seconds = 60;
  expect_accepted(forge(header(), p), o);
}

TEST(Jwt, RejectsIssuedAtInTheFuture) {
  Json p = payload();
  p["iat"] = kNow + 60;
  expect_rejected(forge(header(), p), "future");
}

TEST(Jwt, RejectsWrongIssuer) {
  Json p = payload();
  p["iss"] = "someone-else";
  expect_rejected(forge(header(), p), "iss");
  p.erase("iss");
  expect_rejected(forge(header(), p), "iss");
}

TEST(Jwt, RejectsWrongAudience) {
  Json p = payload();
  p["aud"] = "other-api";
  expect_rejected(forge(header(), p), "aud");
  p.erase("aud");
  expect_rejected(forge(header(), p), "aud");
  p["aud"] = 5;
  expect_rejected(forge(header(), p), "aud");
}

TEST(Jwt, AcceptsAudienceArrayContainingOurs) {
  Json p = payload();
  p["aud"] = Json::array({"other-api", "talkline-api"});
  const auto result = jwt_verify(forge(header(), p), kKey, options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->audience, "talkline-api");
}

TEST(Jwt, RejectsAudienceArrayWithoutOurs) {
  Json p = payload();
  p["aud"] = Json::array({"other-api"});
  expect_rejected(forge(header(), p), "aud");
  p["aud"] = Json::array();
  expect_rejected(forge(header(), p), "aud");
}

TEST(Jwt, RejectsRefreshTokenUsedAsAccess) {
  Json p = payload();
  p["typ"] = "refresh";
  expect_rejected(forge(header(), p), "typ");
  JwtClaims c = claims();
  c.type = "refresh";
  expect_rejected(jwt_sign(c, kKey), "typ");
  p.erase("typ");
  expect_rejected(forge(header(), p), "typ");
}

TEST(Jwt, RejectsMissingSubject) {
  Json p = payload();
  p.erase("sub");
  expect_rejected(forge(header(), p), "sub");
  p["sub"] = "";
  expect_rejected(forge(header(), p), "sub");
  p["sub"] = 42;
  expect_rejected(forge(header(), p), "sub");
}

TEST(Jwt, RejectsMissingSession) {
  Json p = payload();
  p.erase("sid");
  expect_rejected(forge(header(), p), "sid");
}

TEST(Jwt, RejectsMissingExpiry) {
  Json p = payload();
  p.erase("exp");
  expect_rejected(forge(header(), p), "exp");
}

TEST(Jwt, RejectsTimesThatAreNotIntegers) {
  for (const Json& bad : {Json("1900000000"), Json(1.9e9), Json(true), Json(nullptr), Json::array({1})}) {
    Json p = payload();
    p["exp"] = bad;
    expect_rejected(forge(header(), p), "exp");
  }
  Json p = payload();
  p["exp"] = std::numeric_limits<std::uint64_t>::max();
  expect_rejected(forge(header(), p), "exp");
}

TEST(Jwt, ExtremeTimesDoNotOverflow) {
  Json p = payload();
  p["exp"] = std::numeric_limits<std::int64_t>::max();
  p["nbf"] = std::numeric_limits<std::int64_t>::min();
  p["iat"] = std::numeric_limits<std::int64_t>::min();
  JwtVerifyOptions o = options();
  o.leeway_seconds = 60;
  expect_accepted(forge(header(), p), o);
  p["exp"] = std::numeric_limits<std::int64_t>::min();
  expect_rejected(forge(header(), p), "expired", o);
}

TEST(Jwt, RejectsTwoSegments) {
  const std::string token = forge(header(), payload());
  expect_rejected(token.substr(0, token.rfind('.')), "segments");
  expect_rejected("abc", "segments");
}

TEST(Jwt, RejectsFourSegments) {
  const std::string token = forge(header(), payload());
  expect_rejected(token + ".AAAA", "segments");
  expect_rejected(token + ".", "segments");
}

TEST(Jwt, RejectsEmptySegments) {
  const std::string token = forge(header(), payload());
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  expect_rejected(token.substr(0, second + 1), "empty segment");
  expect_rejected(token.substr(first), "empty segment");
  expect_rejected(token.substr(0, first + 1) + token.substr(second), "empty segment");
  expect_rejected("..", "empty segment");
}

TEST(Jwt, RejectsNonBase64Characters) {
  const std::string token = forge(header(), payload());
  for (const char bad : {'+', '/', ' ', '*', '\n', '\0'}) {
    std::string broken = token;
    broken.insert(broken.begin() + 3, bad);
    expect_rejected(broken, "base64url");
    broken = token;
    broken.insert(broken.end() - 3, bad);
    expect_rejected(broken, "signature");
  }
}

TEST(Jwt, RejectsPaddingCharacters) {
  const std::string h = base64url_encode(header().dump());
  const std::string p = base64url_encode(payload().dump());
  const std::string signature = base64url_encode(hmac_sha256(kKey, h + "." + p));
  expect_rejected(h + "==." + p + "." + signature, "header");
  expect_rejected(h + "." + p + "." + signature + "=", "signature");
}

TEST(Jwt, RejectsOversizeToken) {
  Json p = payload();
  p["role"] = std::string(9000, 'a');
  expect_rejected(forge(header(), p), "too large");
  expect_rejected(std::string(100'000, 'a'), "too large");
}

TEST(Jwt, RejectsNonObjectHeader) {
  expect_rejected(forge_raw(R"(["alg","HS256"])", payload().dump()), "header");
  expect_rejected(forge_raw(R"("HS256")", payload().dump()), "header");
  expect_rejected(forge_raw("42", payload().dump()), "header");
  expect_rejected(forge_raw("not json", payload().dump()), "header");
  expect_rejected(forge_raw(R"({"alg":"HS256")", payload().dump()), "header");
}

TEST(Jwt, RejectsNonObjectPayload) {
  expect_rejected(forge_raw(header().dump(), "[1,2,3]"), "payload");
  expect_rejected(forge_raw(header().dump(), "null"), "payload");
  expect_rejected(forge_raw(header().dump(), "{\"sub\":\"1\",}"), "payload");
}

TEST(Jwt, RejectsDeeplyNestedJson) {
  std::string nested = R"({"alg":"HS256","x":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
  expect_rejected(forge_raw(nested, payload().dump()), "header");
}

TEST(Jwt, RejectsInvalidUtf8InClaims) {
  const std::string p =
      R"({"sub":"1","sid":"1","exp":1900000000,"typ":"access","iss":"talkline","aud":"talkline-api","role":")" +
      std::string("\xff\xfe") + "\"}";
  expect_rejected(forge_raw(header().dump(), p), "payload");
}

TEST(Jwt, NeverThrowsOnGarbage) {
  const std::string garbage[] = {"",
                                 ".",
                                 "..",
                                 "...",
                                 "a.b.c",
                                 "\xff\xff.\xff.\xff",
                                 std::string(8192, '.'),
                                 "eyJhbGciOiJIUzI1NiJ9.e30.",
                                 "e30.e30.e30"};
  for (const auto& token : garbage) {
    EXPECT_NO_THROW({
      const auto result = jwt_verify(token, kKey, options());
      EXPECT_FALSE(result.ok());
    });
  }
}

}  // namespace
}  // namespace talkline::util
