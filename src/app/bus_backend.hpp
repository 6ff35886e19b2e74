#pragma once

#include <memory>
#include <string>

#include "bus/bus.hpp"
#include "config/config.hpp"
#include "redis/client.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// Builds the bus TALKLINE_BUS names: "local" (in-process, the default), or with a
/// redis:// URL the Redis bus on `redis` (non-null then). A Redis that cannot be reached
/// at start is not fatal: the node serves its own users, logs it, and the bus keeps
/// reconnecting (cross-node delivery resumes then).
Result<std::unique_ptr<bus::Bus>> open_bus_backend(const config::Config& config, const redis::Client* redis);

/// TALKLINE_BUS fit for logs: a URL's password is replaced by "***".
std::string bus_description(const std::string& bus);

}  // namespace talkline::app
