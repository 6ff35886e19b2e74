#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cluster/node_directory.hpp"
#include "config/config.hpp"
#include "redis/client.hpp"
#include "transport/engineio/server/engine_options.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// With a redis:// bus (`redis` non-null), this node's registration in the cluster (its
/// node number, leased or configured, and its address); nullptr for a single node on the
/// local bus. When another node turns out to hold the same number, the node stops
/// itself (SIGTERM).
Result<std::unique_ptr<cluster::NodeDirectory>> open_node_directory(const config::Config& config,
                                                                    const redis::Client* redis);

/// The number in generated ids: the directory's, else the configured one, else 0.
int node_id(const config::Config& config, const cluster::NodeDirectory* directory);

/// Where the other nodes reach this one: TALKLINE_NODE_ADDRESS, or the listen address
/// with the bound port (127.0.0.1 when listening on every address).
std::string node_address(const config::Config& config, std::uint16_t bound_port);

/// Forwarding of long-polling requests to their session's node; nullopt on one node.
std::optional<transport::engineio::ClusterRouting> cluster_routing(cluster::NodeDirectory* directory);

}  // namespace talkline::app
