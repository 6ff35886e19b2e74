#include "redis/endpoint.hpp"

#include <charconv>

namespace talkline::redis {

namespace {

bool parse_port(std::string_view text, int& port) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port > 0 && port <= 65535;
}

}  // namespace

Result<Endpoint> parse_url(std::string_view url, std::string_view setting) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&](const std::string& why) { return Error::invalid(std::string(setting), why); };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("must start with redis://");
  Endpoint endpoint;
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      endpoint.password = std::string(credentials);
    } else {
      endpoint.username = std::string(credentials.substr(0, colon));
      endpoint.password = std::string(credentials.substr(colon + 1));
    }
  }
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6379
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1), endpoint.port))) {
      return bad("the port must be a number in [1, 65535]");
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    if (!parse_port(rest.substr(colon + 1), endpoint.port)) return bad("the port must be a number in [1, 65535]");
  }
  if (host.empty()) return bad("a host is required, e.g. redis://127.0.0.1:6379");
  endpoint.host = std::string(host);
  return endpoint;
}

}  // namespace talkline::redis
