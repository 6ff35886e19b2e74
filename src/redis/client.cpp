#include "redis/client.hpp"

#include <algorithm>
#include <map>

namespace talkline::redis {

Client::Client(ClientOptions options) : options_(std::move(options)), links_(std::make_shared<Links>()) {}

std::unique_ptr<Link> Client::link(LinkSettings settings) const {
  auto counters = std::make_shared<LinkCounters>(settings.role);
  {
    std::lock_guard lock(links_->mutex);
    std::erase_if(links_->live, [](const auto& link) { return link.expired(); });
    links_->live.push_back(counters);
  }
  const Link::Timing timing{options_.connect, options_.min_backoff,
                            std::max(options_.max_backoff, options_.min_backoff)};
  return std::make_unique<Link>(options_.endpoint, timing, std::move(settings), std::move(counters));
}

std::vector<Client::RoleReport> Client::report() const {
  std::map<std::string, RoleReport> roles;
  std::lock_guard lock(links_->mutex);
  for (const auto& weak : links_->live) {
    auto counters = weak.lock();
    if (!counters) continue;
    auto& role = roles[counters->role];
    role.role = counters->role;
    ++role.links;
    if (counters->up) ++role.up;
    role.reconnects += counters->reconnects;
  }
  std::vector<RoleReport> result;
  result.reserve(roles.size());
  for (auto& [name, role] : roles) result.push_back(std::move(role));
  return result;
}

}  // namespace talkline::redis
