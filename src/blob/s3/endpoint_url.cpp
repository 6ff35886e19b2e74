#include "blob/s3/endpoint_url.hpp"

#include <string>

namespace talkline::blob::s3 {

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
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  if (authority.empty()) return Error::invalid(field, "has no host");
  if (authority.find_first_of("@?#") != std::string_view::npos || path.find_first_of("?#") != std::string_view::npos) {
    return Error::invalid(field, "may hold only a scheme, a host, a port and a path");
  }
  out.host_header = std::string(authority);

  std::string_view port;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return Error::invalid(field, "has a bad IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error::invalid(field, "has a bad IPv6 address");
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Error::invalid(field, "has no host");
  if (port.empty() && authority.back() == ':') return Error::invalid(field, "has an empty port");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos || std::stoi(std::string(port)) == 0 ||
        std::stoi(std::string(port)) > 65535) {
      return Error::invalid(field, "has a bad port");
    }
    out.port = std::string(port);
  } else {
    out.port = out.tls ? "443" : "80";
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

}  // namespace talkline::blob::s3
