#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"
#include "realtime/connection.hpp"

namespace talkline::realtime {

/// The live connections of this node, by user and by client address. Thread-safe.
///
/// With a bus, the registry tells it which users this node serves: add_interest when a
/// user's first connection is added, remove_interest when their last one is removed,
/// both under the registry's lock so the bus sees them in the registry's order.
class ConnectionRegistry {
 public:
  ConnectionRegistry() = default;
  explicit ConnectionRegistry(bus::Bus* interest) : interest_(interest) {}

  /// Whether one more connection of `user_id` from `address` stays within the limits.
  bool admits(model::Id user_id, const std::string& address, int max_per_user, int max_per_address) const;
  struct Added {
    bool admitted = false;  // false: over a limit, and not added
    bool first = false;     // the user's first connection here (they came online)
  };
  /// Adds it unless that would pass either limit.
  Added add(const std::shared_ptr<Connection>& connection, int max_per_user, int max_per_address);
  /// Removes it; true when it was the user's last connection here (they went offline).
  bool remove(const Connection& connection);
  std::vector<std::shared_ptr<Connection>> of_user(model::Id user_id) const;
  /// Calls `visit(connection)` for every connection of each user in `user_ids`, which
  /// must hold no duplicates, under one lock rather than one per user, and without
  /// copying any list. `visit` must not call back into the registry.
  template <class Visit>
  void for_each_of(const std::vector<model::Id>& user_ids, Visit&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto user : user_ids) {
      auto it = by_user_.find(user);
      if (it == by_user_.end()) continue;
      for (const auto& connection : it->second) visit(connection);
    }
  }
  std::vector<std::shared_ptr<Connection>> all() const;
  bool is_online(model::Id user_id) const;
  std::size_t size() const;
  /// Forgets every connection (at shutdown), and drops the bus interest they held.
  void clear();

 private:
  bus::Bus* const interest_ = nullptr;
  mutable std::mutex mutex_;
  std::unordered_map<model::Id, std::vector<std::shared_ptr<Connection>>> by_user_;
  std::unordered_map<std::string, int> per_address_;
  std::size_t count_ = 0;
};

}  // namespace talkline::realtime
