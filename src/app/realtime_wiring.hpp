#pragma once

#include <memory>
#include <optional>

#include "config/config.hpp"
#include "realtime/gateway.hpp"
#include "transport/engineio/server/server.hpp"

namespace talkline::app {

realtime::RealtimeOptions realtime_options(const config::Config& config);

/// The Socket.IO endpoint for `/socket.io/`: Engine.IO with the configured heartbeat
/// and limits, an Origin check against the CORS allowlist, and the gateway's
/// handlers on namespace "/".
/// With `cluster`, requests for sessions of other nodes are forwarded to them.
std::shared_ptr<transport::engineio::Server> make_socket_endpoint(
    const config::Config& config, realtime::Gateway& gateway,
    std::optional<transport::engineio::ClusterRouting> cluster = std::nullopt);

}  // namespace talkline::app
