// parse_webhook_url, apart from the HTTP client so that it compiles without Beast.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "jobs/webhook_client.hpp"

namespace talkline::jobs {

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

Result<WebhookTarget> parse_webhook_url(std::string_view url, std::string_view setting) {
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::invalid_argument, std::string(setting) + ": " + why, {{std::string(setting), why}}, 0};
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("must be an http:// URL");
  const std::string scheme = lowercase(url.substr(0, scheme_end));
  if (scheme == "https") {
    return bad("https:// is not supported: point it at a TLS-terminating relay on http:// (see docs/HLD.md)");
  }
  if (scheme != "http") return bad("must be an http:// URL");

  std::string_view rest = url.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (const auto fragment = path.find('#'); fragment != std::string_view::npos) path = path.substr(0, fragment);
  if (authority.find('@') != std::string_view::npos) return bad("must not contain credentials");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; })) {
    return bad("must not contain spaces or control characters");
  }

  WebhookTarget target;
  target.host_header = std::string(authority);
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return bad("has a malformed IPv6 address");
    target.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("has a malformed host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    target.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (!std::all_of(target.host.begin(), target.host.end(), valid_host_char)) return bad("has a malformed host");
  }
  if (target.host.empty()) return bad("has no host");
  if (has_port) {
    int number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
      return bad("has a port outside 1-65535");
    }
    target.port = std::to_string(number);
  }
  target.target = path.empty() ? "/" : (path.front() == '/' ? std::string(path) : "/" + std::string(path));
  return target;
}

}  // namespace talkline::jobs
