#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace talkline::blob::s3 {

/// Where an S3 service listens, from a URL such as "http://127.0.0.1:9000" or
/// "https://s3.eu-west-1.amazonaws.com".
struct EndpointUrl {
  bool tls = false;
  std::string host;         // a name, an IPv4 address, or an IPv6 address without brackets
  std::string port;         // "80" or "443" when the URL names none
  std::string base_path;    // "" or "/path" without a trailing '/': requests go below it
  std::string host_header;  // host[:port] as the URL writes it (the Host header, signed)
};

/// Reads `http[s]://host[:port][/path]`; no user info, query or fragment. Errors are
/// invalid_argument on the field `setting`.
Result<EndpointUrl> parse_endpoint_url(std::string_view url, std::string_view setting);

}  // namespace talkline::blob::s3
