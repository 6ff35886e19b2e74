#include "bench_options.hpp"

#include <charconv>
#include <string_view>

namespace talkline::bench {

std::string Target::url() const { return "http://" + authority(); }

std::string Target::authority() const { return host + ":" + std::to_string(port); }

bool parse_url(const std::string& url, Target& target) {
  std::string_view rest = url;
  constexpr std::string_view kScheme = "http://";
  if (rest.substr(0, kScheme.size()) != kScheme) return false;
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  unsigned port = 0;
  const auto digits = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) return false;
  target.host = std::string(rest.substr(0, colon));
  target.port = static_cast<std::uint16_t>(port);
  return true;
}

std::string parse_urls(const std::vector<std::string>& urls, std::vector<Target>& targets) {
  std::vector<Target> parsed;
  for (const auto& value : urls) {
    std::string_view rest = value;
    // Each comma-separated piece is one URL; an empty piece is a mistake, not a default.
    for (;;) {
      const auto comma = rest.find(',');
      const std::string url(rest.substr(0, comma));
      Target target;
      if (!parse_url(url, target)) return "--url: '" + url + "' is not http://host:port";
      parsed.push_back(std::move(target));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (parsed.empty()) return "--url: give at least one http://host:port";
  targets = std::move(parsed);
  return {};
}

}  // namespace talkline::bench

namespace talkline::bench {

std::string source_address_for(const CommonOptions& options, std::size_t i) {
  if (options.source_addresses <= 1) return {};
  return "127.0.0." + std::to_string(1 + i % static_cast<std::size_t>(options.source_addresses));
}

const Target& target_for(const CommonOptions& options, std::size_t i) {
  return options.targets[node_of(i, options.targets.size())];
}

std::size_t node_of(std::size_t connection, std::size_t nodes) { return nodes == 0 ? 0 : connection % nodes; }

}  // namespace talkline::bench
