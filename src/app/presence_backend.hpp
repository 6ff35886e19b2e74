#pragma once

#include <memory>

#include "config/config.hpp"
#include "presence/presence_directory.hpp"
#include "redis/client.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// Builds the presence directory that goes with TALKLINE_BUS: in Redis on `redis`
/// (TALKLINE_PRESENCE_TTL_SECONDS) for a redis:// bus, in-process when `redis` is null.
/// A Redis that cannot be reached at start is not fatal: the directory answers from
/// this node's state, logs it, and keeps reconnecting.
std::unique_ptr<presence::PresenceDirectory> open_presence_backend(const config::Config& config,
                                                                   const redis::Client* redis);

}  // namespace talkline::app
