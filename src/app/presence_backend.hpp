#pragma once

#include <memory>

#include "config/config.hpp"
#include "presence/presence_directory.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// Builds the presence directory that goes with TALKLINE_BUS: in Redis (the bus's
/// server, TALKLINE_PRESENCE_TTL_SECONDS) for a redis:// bus, in-process for "local".
/// A Redis that cannot be reached at start is not fatal: the directory answers from
/// this node's state, logs it, and keeps reconnecting.
Result<std::unique_ptr<presence::PresenceDirectory>> open_presence_backend(const config::Config& config);

}  // namespace talkline::app
