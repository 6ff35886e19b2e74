#include "app/presence_backend.hpp"

#include <chrono>
#include <utility>

#include "app/bus_backend.hpp"
#include "presence/local/local_presence_directory.hpp"
#include "presence/redis/redis_presence_directory.hpp"
#include "redis/endpoint.hpp"
#include "util/log.hpp"

namespace talkline::app {

namespace {

constexpr auto kFirstConnectWait = std::chrono::seconds(2);

}  // namespace

Result<std::unique_ptr<presence::PresenceDirectory>> open_presence_backend(const config::Config& config) {
  using Directory = std::unique_ptr<presence::PresenceDirectory>;
  if (config.bus == "local") return Directory(std::make_unique<presence::LocalPresenceDirectory>());
  TL_TRY_ASSIGN(auto endpoint, redis::parse_url(config.bus, "TALKLINE_BUS"));
  presence::redis::RedisPresenceOptions options;
  options.endpoint = std::move(endpoint);
  options.ttl = std::chrono::seconds(config.presence_ttl_seconds);
  auto directory = std::make_unique<presence::redis::RedisPresenceDirectory>(std::move(options));
  if (!directory->wait_until_healthy(kFirstConnectWait)) {
    const std::string shown = bus_description(config.bus);
    util::log::error("presence.redis_unreachable",
                     {{"bus", std::string_view(shown)}, {"detail", "presence from this node's users only; retrying"}});
  }
  return Directory(std::move(directory));
}

}  // namespace talkline::app
