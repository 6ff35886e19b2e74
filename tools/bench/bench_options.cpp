#include "bench_options.hpp"

#include <charconv>
#include <string_view>

namespace talkline::bench {

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

}  // namespace talkline::bench

namespace talkline::bench {

std::string source_address_for(const CommonOptions& options, std::size_t i) {
  if (options.source_addresses <= 1) return {};
  return "127.0.0." + std::to_string(1 + i % static_cast<std::size_t>(options.source_addresses));
}

}  // namespace talkline::bench
