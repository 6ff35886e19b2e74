#include "wire/user_json.hpp"

#include "util/time.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::wire {

util::Json user_json(const model::User& user) {
  return {{"id", id_json(user.id)},
          {"username", user.username},
          {"displayName", user.display_name},
          {"bio", user.bio},
          {"avatarUrl", user.avatar_url.empty() ? util::Json(nullptr) : util::Json(user.avatar_url)},
          {"role", model::role_name(user.role)},
          {"createdAt", util::format_rfc3339(user.created_at)},
          {"lastSeenAt", time_json(user.last_seen_at)}};
}

util::Json admin_user_json(const model::User& user) {
  util::Json json = user_json(user);
  json["suspendedAt"] = time_json(user.banned_at);
  return json;
}

}  // namespace talkline::wire
