#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace talkline::util {

/// The claims TalkLine puts in its tokens. Only HS256 is ever produced or accepted.
struct JwtClaims {
  std::string issuer;           // iss
  std::string audience;         // aud
  std::string subject;          // sub: user id
  std::string session;          // sid: login session (refresh-token family) id
  std::string type;             // typ: "access"
  std::string role;             // role at issue time
  std::string token_id;         // jti
  std::int64_t issued_at = 0;   // iat, seconds
  std::int64_t not_before = 0;  // nbf, seconds
  std::int64_t expires_at = 0;  // exp, seconds
};

struct JwtVerifyOptions {
  std::string issuer;
  std::string audience;
  std::string type = "access";
  std::int64_t now_seconds = 0;
  std::int64_t leeway_seconds = 0;
};

std::string jwt_sign(const JwtClaims& claims, std::string_view key);

/// Verifies signature, algorithm, and every time and identity claim. Fails with
/// `unauthenticated` and a short reason for: a header `alg` other than HS256 (`none`
/// included), any key-carrying header (`jwk`, `jku`, `x5u`, `x5c`, `kid`), a `crit`
/// header, malformed base64url or JSON, a bad signature, expiry, a future `nbf` or
/// `iat`, a wrong `iss`, `aud` or `typ`, and missing `sub`/`sid`/`exp`.
Result<JwtClaims> jwt_verify(std::string_view token, std::string_view key, const JwtVerifyOptions& options);

}  // namespace talkline::util
