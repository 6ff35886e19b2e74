#include "app/presence_backend.hpp"

#include <chrono>
#include <utility>

#include "app/bus_backend.hpp"
#include "presence/local/local_presence_directory.hpp"
#include "presence/redis/redis_presence_directory.hpp"
#include "util/log.hpp"

namespace talkline::app {

namespace {

constexpr auto kFirstConnectWait = std::chrono::seconds(2);

}  // namespace

std::unique_ptr<presence::PresenceDirectory> open_presence_backend(const config::Config& config,
                                                                   const redis::Client* client) {
  using Directory = std::unique_ptr<presence::PresenceDirectory>;
  if (client == nullptr) return Directory(std::make_unique<presence::LocalPresenceDirectory>());
  presence::redis::RedisPresenceOptions options;
  options.ttl = std::chrono::seconds(config.presence_ttl_seconds);
  auto directory = std::make_unique<presence::redis::RedisPresenceDirectory>(*client, std::move(options));
  if (!directory->wait_until_healthy(kFirstConnectWait)) {
    const std::string shown = bus_description(config.bus);
    util::log::error("presence.redis_unreachable",
                     {{"bus", std::string_view(shown)}, {"detail", "presence from this node's users only; retrying"}});
  }
  return Directory(std::move(directory));
}

}  // namespace talkline::app
