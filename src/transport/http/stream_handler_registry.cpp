#include "transport/http/stream_handler_registry.hpp"

#include <exception>

#include "transport/http/stream_handler.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {

void StreamHandlerRegistry::add(std::string prefix, std::shared_ptr<StreamHandler> handler) {
  for (auto& [existing, current] : entries_) {
    if (existing == prefix) {
      current = std::move(handler);
      return;
    }
  }
  entries_.emplace_back(std::move(prefix), std::move(handler));
}

StreamHandler* StreamHandlerRegistry::find(std::string_view path) const {
  StreamHandler* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [prefix, handler] : entries_) {
    if (path.starts_with(prefix) && (best == nullptr || prefix.size() > best_length)) {
      best = handler.get();
      best_length = prefix.size();
    }
  }
  return best;
}

void StreamHandlerRegistry::shutdown_all() const {
  for (const auto& [prefix, handler] : entries_) {
    try {
      handler->shutdown();
    } catch (const std::exception& e) {
      util::log::error("http.stream_handler_shutdown_failed",
                       {{"prefix", std::string_view(prefix)}, {"error", std::string_view(e.what())}});
    }
  }
}

void StreamHandlerRegistry::stopped_all() const {
  for (const auto& [prefix, handler] : entries_) handler->stopped();
}

}  // namespace talkline::transport::http
