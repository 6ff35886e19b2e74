#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talkline::transport::http {

class StreamHandler;

/// Stream handlers keyed by path prefix. Filled before the server runs and only read
/// afterwards, so lookups need no lock.
class StreamHandlerRegistry {
 public:
  /// Registers `handler` for decoded paths starting with `prefix`. A later
  /// registration of the same prefix replaces the earlier one.
  void add(std::string prefix, std::shared_ptr<StreamHandler> handler);

  /// The handler with the longest prefix of `path`, or null.
  StreamHandler* find(std::string_view path) const;

  /// Tells every handler that shutdown has begun.
  void shutdown_all() const;
  /// Tells every handler that the event loops have stopped (StreamHandler::stopped).
  void stopped_all() const;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<StreamHandler>>> entries_;
};

}  // namespace talkline::transport::http
