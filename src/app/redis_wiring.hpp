#pragma once

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "redis/client.hpp"
#include "util/result.hpp"

namespace prometheus {
class Registry;
}

namespace talkline::app {

/// With a redis:// TALKLINE_BUS, the node's one Redis client: the endpoint and the
/// TALKLINE_REDIS_* timeouts and backoff that every Redis user's link runs on. nullptr
/// on the local bus; an unreadable URL is an error.
Result<std::unique_ptr<redis::Client>> open_redis_client(const config::Config& config);

/// Registers talkline_redis_links_up{role} and talkline_redis_reconnects_total{role} in
/// `registry`; the returned call brings them up to date (call it before each render,
/// from any thread). `client` must outlive it.
std::function<void()> redis_metrics(const redis::Client& client, prometheus::Registry& registry);

}  // namespace talkline::app
