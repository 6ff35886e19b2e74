#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace talkline::transport::http {

class HttpSession;

/// The live connections of one server: counted for max_connections, told about
/// shutdown, and waited for. Thread-safe: sessions join and leave from their loops
/// while the server thread waits.
class SessionRegistry {
 public:
  /// Adds a session unless `limit` are already live; false means it was not added.
  bool try_add(const std::shared_ptr<HttpSession>& session, std::size_t limit);
  void remove(const HttpSession* session);
  std::size_t size() const;

  /// Asks every live session to finish (see HttpSession::request_shutdown).
  void shutdown_all() const;

  /// Blocks until no session is left or `deadline` passes; true when none is left.
  bool wait_until_empty(std::chrono::steady_clock::time_point deadline) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable emptied_;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions_;
};

}  // namespace talkline::transport::http
