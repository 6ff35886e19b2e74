#pragma once

#include <memory>
#include <string>
#include <vector>

#include "transport/http/router.hpp"

namespace prometheus {
class Collectable;
class Registry;
}  // namespace prometheus

namespace talkline::app {

/// Prometheus metrics of the HTTP API, labelled by route pattern (not raw path, so
/// ids do not explode the label space). Rendered in text format for /metrics.
class HttpMetrics {
 public:
  HttpMetrics();
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  /// Wraps a route's handler so each call is counted and timed.
  transport::http::Handler instrument(const transport::http::RouteInfo& route, transport::http::Handler handler);
  /// The Prometheus text exposition of every metric.
  std::string render() const;
  prometheus::Registry& registry() { return *registry_; }
  /// Adds families collected at each render (after the registry's). Before serving.
  void add_collectable(std::shared_ptr<const prometheus::Collectable> collectable);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables_;
  struct Families;
  std::unique_ptr<Families> families_;
};

}  // namespace talkline::app
