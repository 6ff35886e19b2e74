#pragma once

#include <optional>
#include <string_view>

#include "model/user.hpp"
#include "services/limits.hpp"
#include "services/principal.hpp"
#include "store/store.hpp"

namespace talkline::services {

/// Profiles and user lookup.
class UserService {
 public:
  UserService(store::Store& store, DomainLimits limits) : store_(store), limits_(limits) {}

  Result<model::User> get(model::Id user_id);
  /// Validates every present field before changing anything.
  Result<model::User> update_profile(const Principal& caller, const model::ProfilePatch& patch);
  /// Users whose username starts with `prefix` (case-insensitive), by username.
  Result<model::Page<model::User>> search(std::string_view prefix, std::optional<std::string_view> cursor,
                                          std::optional<std::string_view> limit);
  /// Every user by id; admins only.
  Result<model::Page<model::User>> list_all(const Principal& caller, std::optional<std::string_view> cursor,
                                            std::optional<std::string_view> limit);
  /// Records that the user's last connection anywhere closed at `at` (what lastSeenAt
  /// shows). Keeps the later of the stored time and `at`, so a late announcement cannot
  /// rewind it. Blocks on a store write: call it off the event loops.
  Result<void> record_last_seen(model::Id user_id, model::Millis at);

 private:
  store::Store& store_;
  DomainLimits limits_;
};

}  // namespace talkline::services
