#include "app/bus_backend.hpp"

#include <chrono>
#include <utility>

#include "bus/local/local_bus.hpp"
#include "bus/redis/redis_bus.hpp"
#include "util/log.hpp"

namespace talkline::app {

namespace {

constexpr auto kFirstConnectWait = std::chrono::seconds(2);

}  // namespace

Result<std::unique_ptr<bus::Bus>> open_bus_backend(const config::Config& config, const redis::Client* client) {
  if (client == nullptr) return std::unique_ptr<bus::Bus>(std::make_unique<bus::LocalBus>());
  auto redis = std::make_unique<bus::redis::RedisBus>(*client, bus::redis::RedisBusOptions{});
  const std::string shown = bus_description(config.bus);
  if (!redis->wait_until_healthy(kFirstConnectWait)) {
    util::log::error("bus.redis_unreachable",
                     {{"bus", std::string_view(shown)}, {"detail", "serving this node's users only; retrying"}});
  }
  return std::unique_ptr<bus::Bus>(std::move(redis));
}

// Everything before the '@' may be a password (redis://secret@host is read as one).
std::string bus_description(const std::string& bus) {
  auto scheme_end = bus.find("://");
  if (scheme_end == std::string::npos) return bus;
  auto authority = scheme_end + 3;
  auto at = bus.rfind('@');
  auto slash = bus.find('/', authority);
  if (at == std::string::npos || at < authority || (slash != std::string::npos && slash < at)) return bus;
  return bus.substr(0, authority) + "***" + bus.substr(at);
}

}  // namespace talkline::app
