#include "app/cluster_wiring.hpp"

#include <csignal>
#include <utility>

namespace talkline::app {

Result<std::unique_ptr<cluster::NodeDirectory>> open_node_directory(const config::Config& config,
                                                                    const redis::Client* redis) {
  if (redis == nullptr) return std::unique_ptr<cluster::NodeDirectory>();
  cluster::NodeDirectoryOptions options;
  options.lease = std::chrono::seconds(config.node_lease_seconds);
  if (config.node_id != config::Config::kAutoNodeId) options.fixed_id = config.node_id;
  // Two nodes minting ids under one number could mint the same id: stop rather than risk it.
  return cluster::NodeDirectory::open(*redis, std::move(options), [] { std::raise(SIGTERM); });
}

int node_id(const config::Config& config, const cluster::NodeDirectory* directory) {
  if (directory != nullptr) return directory->node_id();
  return config.node_id == config::Config::kAutoNodeId ? 0 : config.node_id;
}

std::string node_address(const config::Config& config, std::uint16_t bound_port) {
  if (!config.node_address.empty()) return config.node_address;
  std::string host = config.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(bound_port);
}

std::optional<transport::engineio::ClusterRouting> cluster_routing(cluster::NodeDirectory* directory) {
  if (directory == nullptr) return std::nullopt;
  transport::engineio::ClusterRouting routing;
  routing.this_node = directory->node_id();
  routing.locate = [directory](int owner, std::function<void(std::optional<std::string>)> done) {
    directory->locate(owner, std::move(done));
  };
  return routing;
}

}  // namespace talkline::app
