#include "transport/http/session_registry.hpp"

#include <vector>

#include "transport/http/http_session.hpp"

namespace talkline::transport::http {

bool SessionRegistry::try_add(const std::shared_ptr<HttpSession>& session, std::size_t limit) {
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= limit) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionRegistry::remove(const HttpSession* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  if (sessions_.empty()) emptied_.notify_all();
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionRegistry::shutdown_all() const {
  // Collected first so that request_shutdown never runs under our lock.
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(sessions_.size());
    for (const auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) session->request_shutdown();
}

bool SessionRegistry::wait_until_empty(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

}  // namespace talkline::transport::http
