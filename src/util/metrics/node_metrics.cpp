#include "util/metrics/node_metrics.hpp"

namespace talkline::util::metrics {

std::string_view limit_name(Limit limit) {
  switch (limit) {
    case Limit::http_per_ip: return "http_per_ip";
    case Limit::message_send: return "message_send";
    case Limit::login: return "login";
    case Limit::registration: return "registration";
    case Limit::socket_connections: return "socket_connections";
  }
  return "unknown";
}

LoopMetrics& NodeMetrics::loop(std::size_t index) {
  std::lock_guard lock(loops_mutex_);
  while (loops_.size() <= index) loops_.emplace_back();
  return loops_[index];
}

std::size_t NodeMetrics::loop_count() const {
  std::lock_guard lock(loops_mutex_);
  return loops_.size();
}

NodeMetrics& node_metrics() {
  static NodeMetrics metrics;
  return metrics;
}

}  // namespace talkline::util::metrics
