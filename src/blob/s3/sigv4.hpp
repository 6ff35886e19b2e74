#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// AWS Signature Version 4 for requests whose signature goes in the Authorization
// header (the S3 "header-based auth" form). Pure functions over strings: no I/O, no
// clock; the caller passes the time.

namespace talkline::blob::s3 {

struct SigningKeyInput {
  std::string secret_access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service = "s3";
};

/// A request as it will be sent, in the pieces SigV4 reads.
struct SigningRequest {
  std::string method;                                      // "GET", "PUT", …
  std::string path;                                        // already URI-encoded, e.g. "/bucket/a%20b"
  std::vector<std::pair<std::string, std::string>> query;  // raw (not encoded) names and values
  /// Every header to sign, with its value as sent (host and x-amz-date among them).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex, or "UNSIGNED-PAYLOAD"
};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service = "s3";
};

/// The pieces of a signature, each kept for tests and for debugging a refusal.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header's value
};

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9
/// - . _ ~) stay, every other byte becomes %XY (upper-case hex); '/' stays unless
/// `encode_slash`.
std::string uri_encode(std::string_view text, bool encode_slash);

/// "YYYYMMDDTHHMMSSZ" of `time`, in UTC.
std::string amz_date(std::chrono::system_clock::time_point time);

/// The query in canonical form: names and values encoded, sorted by name then value,
/// joined with '&'; a parameter without a value is written "name=".
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

/// The raw 32-byte key HMAC'd from the secret, the date, the region and the service.
std::string signing_key(const SigningKeyInput& input);

/// Signs `request` made at `time_iso` (an amz_date(), equal to the x-amz-date header
/// the request carries).
Signature sign(const SigningRequest& request, const Credentials& credentials, std::string_view time_iso);

}  // namespace talkline::blob::s3
