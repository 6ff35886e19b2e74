#include "blob/s3/sigv4.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include "blob/sha256_stream.hpp"
#include "util/crypto.hpp"

namespace talkline::blob::s3 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

// A header value as SigV4 signs it: no spaces at either end, runs of spaces as one.
std::string trim_value(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name, true), uri_encode(value, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string signing_key(const SigningKeyInput& input) {
  const std::string date_key = util::hmac_sha256("AWS4" + input.secret_access_key, input.date);
  const std::string region_key = util::hmac_sha256(date_key, input.region);
  const std::string service_key = util::hmac_sha256(region_key, input.service);
  return util::hmac_sha256(service_key, "aws4_request");
}

Signature sign(const SigningRequest& request, const Credentials& credentials, std::string_view time_iso) {
  // Headers by lower-case name, sorted; several of one name are joined with ','.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    auto& joined = headers[lower(name)];
    if (!joined.empty()) joined.push_back(',');
    joined += trim_value(value);
  }
  Signature out;
  std::string canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  out.canonical_request = request.method + "\n" + request.path + "\n" + canonical_query(request.query) + "\n" +
                          canonical_headers + "\n" + out.signed_headers + "\n" + request.payload_sha256;

  const std::string date(time_iso.substr(0, 8));
  const std::string scope = date + "/" + credentials.region + "/" + credentials.service + "/aws4_request";
  out.string_to_sign = std::string(kAlgorithm) + "\n" + std::string(time_iso) + "\n" + scope + "\n" +
                       util::sha256_hex(out.canonical_request);

  const std::string key = signing_key({credentials.secret_access_key, date, credentials.region, credentials.service});
  out.signature = to_hex(util::hmac_sha256(key, out.string_to_sign));
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                      ",SignedHeaders=" + out.signed_headers + ",Signature=" + out.signature;
  return out;
}

}  // namespace talkline::blob::s3
