#include "util/jwt.hpp"

#include <array>
#include <cstdint>
#include <optional>

#include "util/crypto.hpp"
#include "util/json.hpp"

namespace talkline::util {
namespace {

constexpr std::size_t kMaxTokenBytes = std::size_t{8} * 1024;
constexpr int kMaxJsonDepth = 4;
constexpr std::size_t kSignatureBytes = 32;

// Headers that let a token name its own key or demand extensions we do not
// implement; honouring any of them is a known route to forgery, so they are refused.
constexpr std::array<std::string_view, 7> kForbiddenHeaders = {"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "kid"};

Error reject(std::string reason) { return Error::unauthenticated("invalid token: " + std::move(reason)); }

std::string encode_json(const Json& value) { return base64url_encode(dump_json(value)); }

Result<Json> decode_segment(std::string_view segment, std::string_view what) {
  const auto bytes = base64url_decode(segment);
  if (!bytes) return reject(std::string(what) + " is not base64url");
  auto parsed = parse_json_object(*bytes, kMaxJsonDepth);
  if (!parsed) return reject(std::string(what) + " is not a JSON object");
  return std::move(parsed).value();
}

Result<void> check_header(const Json& header) {
  const auto alg = header.find("alg");
  if (alg == header.end()) return reject("missing alg");
  if (!alg->is_string() || alg->get_ref<const std::string&>() != "HS256") return reject("alg must be HS256");
  if (header.contains("crit")) return reject("crit header not supported");
  for (const auto name : kForbiddenHeaders) {
    if (header.contains(name)) return reject("header '" + std::string(name) + "' not allowed");
  }
  if (const auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() || typ->get_ref<const std::string&>() != "JWT") return reject("header typ must be JWT");
  }
  return ok_result();
}

// A claim that is absent stays at its default; one present with the wrong type fails.
Result<void> read_string(const Json& payload, const char* name, std::string& out) {
  const auto it = payload.find(name);
  if (it == payload.end()) return ok_result();
  if (!it->is_string()) return reject(std::string(name) + " must be a string");
  out = it->get<std::string>();
  return ok_result();
}

Result<bool> read_time(const Json& payload, const char* name, std::int64_t& out) {
  const auto it = payload.find(name);
  if (it == payload.end()) return false;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    out = it->get<std::int64_t>();
    return true;
  }
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(INT64_MAX)) return reject(std::string(name) + " out of range");
    out = static_cast<std::int64_t>(value);
    return true;
  }
  return reject(std::string(name) + " must be an integer");
}

Result<std::string> read_audience(const Json& payload, std::string_view wanted) {
  const auto it = payload.find("aud");
  if (it == payload.end()) {
    if (wanted.empty()) return std::string();
    return reject("missing aud");
  }
  if (it->is_string()) {
    std::string aud = it->get<std::string>();
    if (!wanted.empty() && aud != wanted) return reject("wrong aud");
    return aud;
  }
  if (it->is_array()) {
    bool found = wanted.empty();
    for (const auto& entry : *it) {
      if (!entry.is_string()) return reject("aud entries must be strings");
      if (entry.get_ref<const std::string&>() == wanted) found = true;
    }
    if (!found) return reject("wrong aud");
    if (!wanted.empty()) return std::string(wanted);
    return it->empty() ? std::string() : (*it)[0].get<std::string>();
  }
  return reject("aud must be a string or an array");
}

Result<JwtClaims> read_claims(const Json& payload, const JwtVerifyOptions& options) {
  JwtClaims claims;
  TL_TRY(read_string(payload, "iss", claims.issuer));
  TL_TRY(read_string(payload, "sub", claims.subject));
  TL_TRY(read_string(payload, "sid", claims.session));
  TL_TRY(read_string(payload, "typ", claims.type));
  TL_TRY(read_string(payload, "role", claims.role));
  TL_TRY(read_string(payload, "jti", claims.token_id));
  TL_TRY_ASSIGN(claims.audience, read_audience(payload, options.audience));
  TL_TRY_ASSIGN(const bool has_exp, read_time(payload, "exp", claims.expires_at));
  TL_TRY_ASSIGN(const bool has_nbf, read_time(payload, "nbf", claims.not_before));
  TL_TRY_ASSIGN(const bool has_iat, read_time(payload, "iat", claims.issued_at));

  if (claims.subject.empty()) return reject("missing sub");
  if (claims.session.empty()) return reject("missing sid");
  if (!has_exp) return reject("missing exp");

  // Arithmetic touches only our own values (now, leeway), never a claim, so a
  // hostile claim near the int64 limits cannot overflow anything.
  const std::int64_t leeway = options.leeway_seconds < 0 ? 0 : options.leeway_seconds;
  const std::int64_t now = options.now_seconds;
  if (now - leeway >= claims.expires_at) return reject("expired");
  if (has_nbf && claims.not_before > now + leeway) return reject("not valid yet");
  if (has_iat && claims.issued_at > now + leeway) return reject("issued in the future");

  if (!options.issuer.empty() && claims.issuer != options.issuer) return reject("wrong iss");
  if (!options.type.empty() && claims.type != options.type) return reject("wrong typ");
  return claims;
}

// The verification proper. Order matters: the header is checked before anything
// else, the signature before the payload is even decoded, so no claim from an
// unauthenticated payload is ever looked at.
Result<JwtClaims> verify(std::string_view token, std::string_view key, const JwtVerifyOptions& options) {
  if (token.size() > kMaxTokenBytes) return reject("too large");

  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return reject("expected three segments");
  const auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return reject("expected three segments");
  if (token.find('.', second_dot + 1) != std::string_view::npos) return reject("expected three segments");

  const std::string_view header_part = token.substr(0, first_dot);
  const std::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_part = token.substr(second_dot + 1);
  if (header_part.empty() || payload_part.empty() || signature_part.empty()) return reject("empty segment");

  TL_TRY_ASSIGN(const Json header, decode_segment(header_part, "header"));
  TL_TRY(check_header(header));

  const auto signature = base64url_decode(signature_part);
  if (!signature || signature->size() != kSignatureBytes) return reject("malformed signature");
  const std::string expected = hmac_sha256(key, token.substr(0, second_dot));
  if (!constant_time_equal(*signature, expected)) return reject("bad signature");

  TL_TRY_ASSIGN(const Json payload, decode_segment(payload_part, "payload"));
  return read_claims(payload, options);
}

}  // namespace

std::string jwt_sign(const JwtClaims& claims, std::string_view key) {
  const Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  Json payload = Json::object();
  const auto put = [&payload](const char* name, const std::string& value) {
    if (!value.empty()) payload[name] = value;
  };
  put("iss", claims.issuer);
  put("aud", claims.audience);
  put("sub", claims.subject);
  put("sid", claims.session);
  put("typ", claims.type);
  put("role", claims.role);
  put("jti", claims.token_id);
  if (claims.issued_at != 0) payload["iat"] = claims.issued_at;
  if (claims.not_before != 0) payload["nbf"] = claims.not_before;
  payload["exp"] = claims.expires_at;

  std::string token = encode_json(header);
  token.push_back('.');
  token += encode_json(payload);
  const std::string signature = hmac_sha256(key, token);
  token.push_back('.');
  token += base64url_encode(signature);
  return token;
}

Result<JwtClaims> jwt_verify(std::string_view token, std::string_view key, const JwtVerifyOptions& options) {
  try {
    return verify(token, key, options);
  } catch (...) {
    // Nothing above should throw; if a library call does, the token is still just refused.
    return reject("unreadable");
  }
}

}  // namespace talkline::util
