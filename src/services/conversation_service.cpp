#include "services/conversation_service.hpp"

#include <unordered_set>

#include <algorithm>
#include <charconv>

#include "model/retention.hpp"
#include "services/cursor.hpp"
#include "services/reply_previews.hpp"
#include "services/validation.hpp"
#include "util/log.hpp"

namespace talkline::services {
namespace {

Error conversation_not_found() { return Error::not_found("conversation not found"); }

// A retention in days as people write it: "30", "0.5".
std::string days_text(model::Millis ms) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, static_cast<double>(ms) / model::kMillisPerDay);
  return ec == std::errc{} ? std::string(text, end) : std::to_string(ms / model::kMillisPerDay);
}

// A conversation's retention in the audit log; "server" when it follows the server's.
util::log::Value retention_logged(const std::optional<int>& days) {
  if (days) return std::int64_t{*days};
  return std::string_view("server");
}

std::vector<model::Id> without_duplicates(std::vector<model::Id> ids, model::Id excluded) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::erase(ids, excluded);
  return ids;
}

}  // namespace

Result<model::Member> ConversationService::require_member(const Principal& caller, model::Id conversation_id) {
  auto member = store_.member_get(conversation_id, caller.user_id);
  if (!member.ok() && member.error().code == ErrorCode::not_found) return conversation_not_found();
  return member;
}

MemberCache::Members ConversationService::member_ids(model::Id conversation_id) {
  // The cache hears only this process's membership changes; with other nodes writing
  // to the same store it could keep announcing to a member removed elsewhere.
  const bool cacheable = !store_.shared_between_nodes();
  auto cached = cacheable ? member_cache_.lookup(conversation_id) : MemberCache::Lookup{};
  if (cached.members) return cached.members;
  auto conversation = store_.conversation_get(conversation_id);
  // A failed read is not cached: the next announcement tries the store again.
  if (!conversation.ok()) return std::make_shared<const std::vector<model::Id>>();
  auto members = std::make_shared<const std::vector<model::Id>>(member_ids_of(*conversation));
  if (cacheable) member_cache_.fill(conversation_id, cached.generation, members);
  return members;
}

Result<ConversationService::DirectOutcome> ConversationService::open_direct(const Principal& caller,
                                                                            model::Id other_user_id) {
  if (other_user_id == caller.user_id) {
    return Error::invalid("userId", "cannot start a direct conversation with yourself");
  }
  auto other = store_.user_get(other_user_id);
  if (!other.ok()) {
    if (other.error().code == ErrorCode::not_found) return Error::invalid("userId", "no such user");
    return other.take_error();
  }
  model::NewDirectConversation request{ids_.next(), caller.user_id, other_user_id, clock_.now_ms()};
  TL_TRY_ASSIGN(auto outcome, store_.conversation_create_direct(request));
  if (outcome.created) announce(outcome.conversation);
  return DirectOutcome{std::move(outcome.conversation), outcome.created};
}

Result<model::Conversation> ConversationService::create_group(const Principal& caller, std::string_view title,
                                                              const std::vector<model::Id>& member_ids) {
  TL_TRY(validation::title(title, limits_));
  auto others = without_duplicates(member_ids, caller.user_id);
  if (static_cast<int>(others.size()) + 1 > limits_.group_max_members) {
    return Error::invalid("memberIds",
                          "a group holds at most " + std::to_string(limits_.group_max_members) + " members");
  }
  TL_TRY(require_users_exist(others, "memberIds"));
  model::NewGroupConversation request{ids_.next(), std::string(title), caller.user_id, std::move(others),
                                      clock_.now_ms()};
  TL_TRY_ASSIGN(auto conversation, store_.conversation_create_group(request));
  announce(conversation);
  return conversation;
}

Result<model::Page<model::ConversationSummary>> ConversationService::list(const Principal& caller,
                                                                          std::optional<std::string_view> cursor,
                                                                          std::optional<std::string_view> limit) {
  TL_TRY_ASSIGN(const int page_size, validation::page_limit(limit, limits_));
  std::optional<store::ActivityCursor> after;
  if (cursor) {
    TL_TRY_ASSIGN(after, cursor::decode_activity(*cursor));
  }
  TL_TRY_ASSIGN(auto summaries, store_.conversation_list_for_user(caller.user_id, after, page_size + 1));
  model::Page<model::ConversationSummary> page;
  if (static_cast<int>(summaries.size()) > page_size) {
    summaries.resize(page_size);
    const auto& last = summaries.back().conversation;
    page.next_cursor = cursor::encode_activity({last.last_activity_at, last.id});
  }
  for (auto& summary : summaries) {
    if (summary.last_message) cut_reply_previews(*summary.last_message, limits_);
  }
  page.items = std::move(summaries);
  return page;
}

Result<model::ConversationSummary> ConversationService::get(const Principal& caller, model::Id conversation_id) {
  TL_TRY_ASSIGN(const auto member, require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto conversation, store_.conversation_get(conversation_id));
  model::ConversationSummary summary;
  if (conversation.last_seq > 0) {
    TL_TRY_ASSIGN(auto latest, store_.message_list(conversation_id, std::nullopt, std::nullopt, 1));
    if (!latest.empty()) {
      summary.last_message = std::move(latest.front());
      cut_reply_previews(*summary.last_message, limits_);
    }
  }
  summary.unread_count = std::max<model::Seq>(0, conversation.last_seq - member.read_seq);
  TL_TRY_ASSIGN(summary.mention_count, store_.mention_count(conversation_id, caller.user_id, member.read_seq));
  summary.conversation = std::move(conversation);
  return summary;
}

Result<model::Conversation> ConversationService::rename(const Principal& caller, model::Id conversation_id,
                                                        std::string_view title) {
  TL_TRY_ASSIGN(auto conversation, rename_unannounced(caller, conversation_id, title));
  announce(conversation);
  return conversation;
}

Result<model::Conversation> ConversationService::rename_unannounced(const Principal& caller, model::Id conversation_id,
                                                                    std::string_view title) {
  TL_TRY(validation::title(title, limits_));
  TL_TRY(require_group_manager(caller, conversation_id));
  return store_.conversation_rename(conversation_id, std::string(title), clock_.now_ms());
}

Result<model::Conversation> ConversationService::update(const Principal& caller, model::Id conversation_id,
                                                        const Changes& changes) {
  // A request wrong in both fields is blamed on retentionDays, as the API has always answered.
  if (changes.sets_retention) {
    TL_TRY(check_retention_days(changes.retention_days));
  }
  if (changes.title) {
    TL_TRY(validation::title(*changes.title, limits_));
  }
  std::optional<model::Conversation> changed;
  if (changes.title) {
    TL_TRY_ASSIGN(changed, rename_unannounced(caller, conversation_id, *changes.title));
  }
  if (!changes.sets_retention) {
    if (!changed) return Error::invalid("title", "title or retentionDays is required");
    announce(*changed);
    return std::move(*changed);
  }
  auto retention = set_retention_unannounced(caller, conversation_id, changes.retention_days);
  if (!retention.ok()) {
    // The rename has committed: its members hear of it even though the rest failed.
    if (changed) announce(*changed);
    return retention.take_error();
  }
  if (changed || retention->changed) announce(retention->conversation);
  return std::move(retention->conversation);
}

Result<void> ConversationService::check_retention_days(std::optional<std::int64_t> days) const {
  if (!days) return ok_result();
  if (*days < 1 || *days > limits_.retention_max_days) {
    return Error::invalid("retentionDays",
                          "must be null or a whole number of days from 1 to " + std::to_string(limits_.retention_max_days));
  }
  if (limits_.retention_ms > 0 && *days * model::kMillisPerDay > limits_.retention_ms) {
    return Error::invalid("retentionDays", "must not be longer than the server keeps messages (" +
                                               days_text(limits_.retention_ms) + " days)");
  }
  return ok_result();
}

Result<model::Conversation> ConversationService::set_retention(const Principal& caller, model::Id conversation_id,
                                                               std::optional<std::int64_t> days) {
  TL_TRY_ASSIGN(auto outcome, set_retention_unannounced(caller, conversation_id, days));
  if (outcome.changed) announce(outcome.conversation);
  return std::move(outcome.conversation);
}

Result<ConversationService::RetentionOutcome> ConversationService::set_retention_unannounced(
    const Principal& caller, model::Id conversation_id, std::optional<std::int64_t> days) {
  TL_TRY(check_retention_days(days));
  TL_TRY_ASSIGN(const auto me, require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto conversation, store_.conversation_get(conversation_id));
  if (conversation.kind == model::ConversationKind::group) {
    TL_TRY_ASSIGN(const bool manager, may_manage(caller, me));
    if (!manager) return Error::forbidden("only the owner or an admin can change how long messages are kept");
  }
  const std::optional<int> wanted = days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt;
  const std::optional<int> before = conversation.retention_days;
  if (before != wanted) {
    TL_TRY_ASSIGN(conversation, store_.conversation_set_retention(conversation_id, wanted));
  }
  // Who shortened (or lengthened) how long a conversation's messages live is worth
  // keeping, repeats included: they show a client retrying.
  util::log::info("conversation.retention_set",
                  {{"conversationId", conversation_id},
                   {"userId", caller.user_id},
                   {"before", retention_logged(before)},
                   {"after", retention_logged(wanted)},
                   {"changed", before != wanted}});
  return RetentionOutcome{std::move(conversation), before != wanted};
}

Result<model::Conversation> ConversationService::add_members(const Principal& caller, model::Id conversation_id,
                                                             const std::vector<model::Id>& user_ids) {
  if (user_ids.empty()) return Error::invalid("userIds", "must name at least one user");
  TL_TRY_ASSIGN(const auto conversation, require_group_manager(caller, conversation_id));
  auto wanted = without_duplicates(user_ids, 0);
  std::size_t newcomers = 0;
  for (auto id : wanted) {
    const bool present = std::any_of(conversation.members.begin(), conversation.members.end(),
                                     [id](const model::Member& m) { return m.user_id == id; });
    if (!present) ++newcomers;
  }
  if (static_cast<int>(conversation.members.size() + newcomers) > limits_.group_max_members) {
    return Error::invalid("userIds", "a group holds at most " + std::to_string(limits_.group_max_members) + " members");
  }
  TL_TRY(require_users_exist(wanted, "userIds"));
  std::lock_guard order(order_lock(conversation_id));
  TL_TRY_ASSIGN(auto updated, store_.member_add(conversation_id, wanted, clock_.now_ms(), limits_.group_max_members));
  member_cache_.invalidate(conversation_id);
  announce(updated);
  return updated;
}

Result<void> ConversationService::remove_member(const Principal& caller, model::Id conversation_id, model::Id user_id) {
  TL_TRY_ASSIGN(const auto me, require_member(caller, conversation_id));
  TL_TRY_ASSIGN(const auto conversation, store_.conversation_get(conversation_id));
  if (conversation.kind == model::ConversationKind::direct) {
    return Error::conflict("members of a direct conversation cannot change");
  }
  if (user_id != caller.user_id) {
    TL_TRY_ASSIGN(const bool manager, may_manage(caller, me));
    if (!manager) return Error::forbidden("only the owner or an admin can remove members");
    const auto target = std::find_if(conversation.members.begin(), conversation.members.end(),
                                     [user_id](const model::Member& m) { return m.user_id == user_id; });
    if (target == conversation.members.end()) return Error::not_found("member not found");
    if (target->role == model::MemberRole::owner) return Error::forbidden("the owner cannot be removed");
  }
  std::lock_guard order(order_lock(conversation_id));
  TL_TRY(store_.member_remove(conversation_id, user_id, clock_.now_ms()));
  // Before the lock is let go: the next send must not announce to the removed member.
  member_cache_.invalidate(conversation_id);
  if (events_) {
    auto updated = store_.conversation_get(conversation_id);
    if (updated.ok()) announce(*updated, {user_id});
  }
  return {};
}

Result<model::Conversation> ConversationService::set_member_role(const Principal& caller, model::Id conversation_id,
                                                                 model::Id user_id, std::string_view role) {
  const auto wanted = model::member_role_from_name(role);
  if (!wanted || *wanted == model::MemberRole::owner) {
    return Error::invalid("role", "must be \"admin\" or \"member\"");
  }
  TL_TRY_ASSIGN(const auto me, require_member(caller, conversation_id));
  TL_TRY_ASSIGN(const auto conversation, store_.conversation_get(conversation_id));
  if (conversation.kind == model::ConversationKind::direct) {
    return Error::conflict("members of a direct conversation have no roles");
  }
  if (me.role != model::MemberRole::owner) {
    TL_TRY_ASSIGN(const auto user, store_.user_get(caller.user_id));
    if (user.role != model::Role::admin) return Error::forbidden("only the owner can change roles");
  }
  const auto target = std::find_if(conversation.members.begin(), conversation.members.end(),
                                   [user_id](const model::Member& m) { return m.user_id == user_id; });
  if (target == conversation.members.end()) return Error::not_found("member not found");
  if (target->role == model::MemberRole::owner) return Error::forbidden("the owner's role cannot change");
  std::lock_guard order(order_lock(conversation_id));
  TL_TRY_ASSIGN(auto updated, store_.member_set_role(conversation_id, user_id, *wanted));
  member_cache_.invalidate(conversation_id);
  announce(updated);
  return updated;
}

Result<std::vector<model::Conversation>> ConversationService::memberships(const Principal& caller) {
  constexpr int kBatch = 500;
  std::vector<model::Conversation> all;
  std::unordered_set<model::Id> seen;
  std::optional<store::ActivityCursor> after;
  for (;;) {
    TL_TRY_ASSIGN(auto batch, store_.conversation_list_for_user(caller.user_id, after, kBatch));
    for (auto& summary : batch) {
      // Activity moves while we page; a conversation met twice is kept once.
      if (seen.insert(summary.conversation.id).second) all.push_back(std::move(summary.conversation));
    }
    if (static_cast<int>(batch.size()) < kBatch) break;
    const auto& last = all.back();
    after = store::ActivityCursor{last.last_activity_at, last.id};
  }
  return all;
}

Result<std::vector<model::Id>> ConversationService::contacts(const Principal& caller) {
  TL_TRY_ASSIGN(const auto conversations, memberships(caller));
  return contacts_in(conversations, caller.user_id);
}

std::vector<model::Id> ConversationService::contacts_in(const std::vector<model::Conversation>& conversations,
                                                        model::Id user_id) {
  std::unordered_set<model::Id> ids;
  for (const auto& conversation : conversations) {
    for (const auto& member : conversation.members) {
      if (member.user_id != user_id) ids.insert(member.user_id);
    }
  }
  return std::vector<model::Id>(ids.begin(), ids.end());
}

void ConversationService::announce(const model::Conversation& conversation, const std::vector<model::Id>& also_notify) {
  if (events_) events_->conversation_changed(conversation, also_notify);
}

Result<model::Conversation> ConversationService::require_group_manager(const Principal& caller,
                                                                       model::Id conversation_id) {
  TL_TRY_ASSIGN(const auto me, require_member(caller, conversation_id));
  TL_TRY_ASSIGN(auto conversation, store_.conversation_get(conversation_id));
  if (conversation.kind == model::ConversationKind::direct) {
    return Error::conflict("a direct conversation has no title and exactly two members");
  }
  TL_TRY_ASSIGN(const bool manager, may_manage(caller, me));
  if (!manager) return Error::forbidden("only the owner or an admin can do this");
  return conversation;
}

Result<bool> ConversationService::may_manage(const Principal& caller, const model::Member& membership) {
  if (membership.role != model::MemberRole::member) return true;
  // Site administrators may manage any group they are in; the token's role may be
  // stale, so the store decides.
  TL_TRY_ASSIGN(const auto user, store_.user_get(caller.user_id));
  return user.role == model::Role::admin;
}

Result<void> ConversationService::require_users_exist(const std::vector<model::Id>& user_ids, std::string_view field) {
  for (auto id : user_ids) {
    auto user = store_.user_get(id);
    if (!user.ok()) {
      if (user.error().code == ErrorCode::not_found) {
        return Error::invalid(std::string(field), "no user with id " + std::to_string(id));
      }
      return user.take_error();
    }
  }
  return {};
}

}  // namespace talkline::services
