#include "app/redis_wiring.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "app/bus_backend.hpp"

namespace talkline::app {

Result<std::unique_ptr<redis::Client>> open_redis_client(const config::Config& config) {
  if (config.bus.rfind("redis://", 0) != 0) return std::unique_ptr<redis::Client>();
  auto endpoint = redis::parse_url(config.bus, "TALKLINE_BUS");
  if (!endpoint.ok()) {
    Error error = endpoint.take_error();
    error.message = "TALKLINE_BUS " + bus_description(config.bus) + ": " + error.message;
    return error;
  }
  redis::ClientOptions options;
  options.endpoint = std::move(endpoint).value();
  options.connect.connect_timeout = std::chrono::milliseconds(config.redis_connect_timeout_ms);
  options.connect.io_timeout = std::chrono::milliseconds(config.redis_io_timeout_ms);
  options.min_backoff = std::chrono::milliseconds(config.redis_backoff_min_ms);
  options.max_backoff = std::chrono::milliseconds(config.redis_backoff_max_ms);
  return std::make_unique<redis::Client>(std::move(options));
}

std::function<void()> redis_metrics(const redis::Client& client, prometheus::Registry& registry) {
  auto& up = prometheus::BuildGauge()
                 .Name("talkline_redis_links_up")
                 .Help("Connections to Redis that are up, by the role they serve")
                 .Register(registry);
  auto& reconnects =
      prometheus::BuildCounter()
          .Name("talkline_redis_reconnects_total")
          .Help("Connections to Redis made after a link's first one: each follows a loss or failed attempts")
          .Register(registry);
  // Counters only go up: a link that went away (an event-log consumer) takes its count
  // along, so what is added is what grew since the last look. /metrics may be served by
  // several workers at once.
  struct Seen {
    std::mutex mutex;
    std::map<std::string, std::uint64_t> reconnects;
  };
  return [&client, &up, &reconnects, seen = std::make_shared<Seen>()] {
    std::lock_guard lock(seen->mutex);
    for (const auto& role : client.report()) {
      up.Add({{"role", role.role}}).Set(static_cast<double>(role.up));
      auto& last = seen->reconnects[role.role];
      if (role.reconnects > last) {
        reconnects.Add({{"role", role.role}}).Increment(static_cast<double>(role.reconnects - last));
      }
      last = role.reconnects;
    }
  };
}

}  // namespace talkline::app
