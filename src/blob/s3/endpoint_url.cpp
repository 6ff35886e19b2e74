#include "blob/s3/endpoint_url.hpp"

#include <string>

namespace talkline::blob::s3 {

namespace {

constexpr std::string_view kDigits = "0123456789";
// What a host name may hold (letters, digits, '.', '-'); an IPv6 address in brackets
// holds hex digits, ':' and '.' (an embedded IPv4). Nothing else may reach the Host
// header, which is sent and signed as the URL writes it.
constexpr std::string_view kNameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";
constexpr std::string_view kIpv6Chars = "0123456789abcdefABCDEF:.";
// The path is sent and signed as written, so it may hold only characters that need no
// percent-encoding.
constexpr std::string_view kPathChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/";

// True when every '/'-separated segment after the leading '/' is neither empty nor
// "." nor "..", so no server normalises the path into something else than was signed.
bool plain_segments(std::string_view path) {
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    path.remove_prefix(segment.size());
  }
  return true;
}

}  // namespace

Result<EndpointUrl> parse_endpoint_url(std::string_view url, std::string_view setting) {
  const std::string field(setting);
  EndpointUrl out;
  if (url.starts_with("https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return Error::invalid(field, "must start with http:// or https://");
  }
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  if (authority.empty()) return Error::invalid(field, "has no host");

  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return Error::invalid(field, "has a bad IPv6 address");
    const std::string_view address = authority.substr(1, close - 1);
    if (address.find_first_not_of(kIpv6Chars) != std::string_view::npos || address.find(':') == address.npos) {
      return Error::invalid(field, "has a bad IPv6 address");
    }
    out.host = std::string(address);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error::invalid(field, "has a bad IPv6 address");
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (out.host.empty()) return Error::invalid(field, "has no host");
    if (out.host.find_first_not_of(kNameChars) != std::string::npos) {
      return Error::invalid(field, "may hold only a scheme, a host, a port and a path");
    }
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
  }
  if (has_port) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of(kDigits) != std::string_view::npos) {
      return Error::invalid(field, "has a bad port");
    }
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return Error::invalid(field, "has a bad port");
    out.port = std::string(port);
  } else {
    out.port = out.tls ? "443" : "80";
  }
  out.host_header = std::string(authority);

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find_first_not_of(kPathChars) != std::string_view::npos || !plain_segments(path)) {
    return Error::invalid(field, "has a path S3 would not take as written (only A-Z a-z 0-9 - . _ ~ in segments)");
  }
  out.base_path = std::string(path);
  return out;
}

}  // namespace talkline::blob::s3
