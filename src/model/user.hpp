#pragma once

#include <optional>
#include <string>

#include "model/types.hpp"

namespace talkline::model {

enum class Role { user, admin };

std::string_view role_name(Role role);
std::optional<Role> role_from_name(std::string_view name);

struct User {
  Id id = 0;
  std::string username;  // stored lower-case; unique
  std::string display_name;
  std::string bio;
  std::string avatar_url;
  Role role = Role::user;
  Millis created_at = 0;
  std::optional<Millis> last_seen_at;
  std::optional<Millis> banned_at;
};

/// A user together with the secret needed to log them in. Never serialised.
struct UserCredentials {
  User user;
  std::string password_hash;  // argon2id encoded string
};

struct NewUser {
  Id id = 0;
  std::string username;
  std::string display_name;
  std::string password_hash;
  Role role = Role::user;
  Millis created_at = 0;
};

/// When a user's last connection anywhere closed: what lastSeenAt shows.
struct LastSeen {
  Id user_id = 0;
  Millis at = 0;
};

/// Fields of PATCH /users/me; an absent field is left unchanged.
struct ProfilePatch {
  std::optional<std::string> display_name;
  std::optional<std::string> bio;
  std::optional<std::string> avatar_url;
};

}  // namespace talkline::model
