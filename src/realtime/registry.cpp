#include "realtime/registry.hpp"

#include <algorithm>

namespace talkline::realtime {

bool ConnectionRegistry::admits(model::Id user_id, const std::string& address, int max_per_user,
                                int max_per_address) const {
  std::lock_guard lock(mutex_);
  auto user = by_user_.find(user_id);
  if (user != by_user_.end() && static_cast<int>(user->second.size()) >= max_per_user) return false;
  auto ip = per_address_.find(address);
  return ip == per_address_.end() || ip->second < max_per_address;
}

ConnectionRegistry::Added ConnectionRegistry::add(const std::shared_ptr<Connection>& connection, int max_per_user,
                                                  int max_per_address) {
  std::lock_guard lock(mutex_);
  auto& list = by_user_[connection->principal.user_id];
  auto& from_address = per_address_[connection->remote_address];
  if (static_cast<int>(list.size()) >= max_per_user || from_address >= max_per_address) {
    if (list.empty()) by_user_.erase(connection->principal.user_id);
    if (from_address == 0) per_address_.erase(connection->remote_address);
    return Added{};
  }
  list.push_back(connection);
  ++from_address;
  ++count_;
  const bool first = list.size() == 1;
  if (first && interest_ != nullptr) interest_->add_interest(connection->principal.user_id);
  return Added{true, first};
}

bool ConnectionRegistry::remove(const Connection& connection) {
  std::lock_guard lock(mutex_);
  auto user = by_user_.find(connection.principal.user_id);
  if (user == by_user_.end()) return false;
  auto& list = user->second;
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& c) { return c.get() == &connection; });
  if (it == list.end()) return false;
  list.erase(it);
  --count_;
  if (auto ip = per_address_.find(connection.remote_address); ip != per_address_.end() && --ip->second <= 0) {
    per_address_.erase(ip);
  }
  if (!list.empty()) return false;
  by_user_.erase(user);
  if (interest_ != nullptr) interest_->remove_interest(connection.principal.user_id);
  return true;
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::of_user(model::Id user_id) const {
  std::lock_guard lock(mutex_);
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? std::vector<std::shared_ptr<Connection>>{} : it->second;
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> everyone;
  everyone.reserve(count_);
  for (const auto& [user, list] : by_user_) everyone.insert(everyone.end(), list.begin(), list.end());
  return everyone;
}

bool ConnectionRegistry::is_online(model::Id user_id) const {
  std::lock_guard lock(mutex_);
  return by_user_.contains(user_id);
}

void ConnectionRegistry::clear() {
  std::lock_guard lock(mutex_);
  if (interest_ != nullptr) {
    for (const auto& [user, list] : by_user_) interest_->remove_interest(user);
  }
  by_user_.clear();
  per_address_.clear();
  count_ = 0;
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace talkline::realtime
