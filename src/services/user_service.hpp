#pragma once

#include <optional>
#include <string_view>
#include <vector>

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
  /// Records when each user's last connection anywhere closed (what lastSeenAt shows), in
  /// one store write. Keeps the later of the stored time and the given one, so a late
  /// announcement cannot rewind it; unknown users are skipped. Blocks on a store write:
  /// call it off the event loops.
  Result<void> record_last_seen(const std::vector<model::LastSeen>& seen);

 private:
  store::Store& store_;
  DomainLimits limits_;
};

}  // namespace talkline::services
