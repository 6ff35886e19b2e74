#include "services/user_service.hpp"

#include "services/admin_only.hpp"
#include "services/cursor.hpp"
#include "services/validation.hpp"

namespace talkline::services {

Result<model::User> UserService::get(model::Id user_id) {
  auto user = store_.user_get(user_id);
  if (!user.ok() && user.error().code == ErrorCode::not_found) return Error::not_found("user not found");
  return user;
}

Result<model::User> UserService::update_profile(const Principal& caller, const model::ProfilePatch& patch) {
  if (patch.display_name) TL_TRY(validation::display_name(*patch.display_name, limits_));
  if (patch.bio) TL_TRY(validation::bio(*patch.bio, limits_));
  if (patch.avatar_url) TL_TRY(validation::avatar_url(*patch.avatar_url, limits_));
  return store_.user_update_profile(caller.user_id, patch);
}

Result<model::Page<model::User>> UserService::search(std::string_view prefix, std::optional<std::string_view> cursor,
                                                     std::optional<std::string_view> limit) {
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  if (prefix.empty() || prefix.size() > 32) return Error::invalid("q", "must be 1 to 32 characters");
  std::string lowered;
  for (char c : prefix) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!allowed) return Error::invalid("q", "may contain only letters, digits, '_' and '.'");
    lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  std::optional<std::string> after;
  if (cursor) {
    TL_TRY_ASSIGN(after, cursor::decode_username(*cursor));
  }
  TL_TRY_ASSIGN(auto users, store_.user_search_prefix(lowered, after, page_size + 1));
  model::Page<model::User> page;
  if (static_cast<int>(users.size()) > page_size) {
    users.resize(page_size);
    page.next_cursor = cursor::encode_username(users.back().username);
  }
  page.items = std::move(users);
  return page;
}

Result<model::Page<model::User>> UserService::list_all(const Principal& caller, std::optional<std::string_view> cursor,
                                                       std::optional<std::string_view> limit) {
  TL_TRY(admin_only(store_, caller));
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  std::optional<model::Id> after;
  if (cursor) {
    TL_TRY_ASSIGN(after, cursor::decode_id(*cursor, "cursor"));
  }
  TL_TRY_ASSIGN(auto users, store_.user_list(after, page_size + 1));
  model::Page<model::User> page;
  if (static_cast<int>(users.size()) > page_size) {
    users.resize(page_size);
    page.next_cursor = std::to_string(users.back().id);
  }
  page.items = std::move(users);
  return page;
}

Result<void> UserService::record_last_seen(const std::vector<model::LastSeen>& seen) {
  return store_.users_touch_last_seen(seen);
}

}  // namespace talkline::services
