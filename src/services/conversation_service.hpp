#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/conversation.hpp"
#include "services/event_publisher.hpp"
#include "services/limits.hpp"
#include "services/member_cache.hpp"
#include "services/principal.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"

namespace talkline::services {

/// Direct and group conversations and their membership. Every call scoped to one
/// conversation answers `not_found` to a non-member, exactly as for a conversation
/// that does not exist, so outsiders cannot learn that it does.
class ConversationService {
 public:
  ConversationService(store::Store& store, util::IdGenerator& ids, const util::Clock& clock, DomainLimits limits)
      : store_(store), ids_(ids), clock_(clock), limits_(limits) {}

  /// Where changes are announced; none by default.
  void publish_to(EventPublisher* events) { events_ = events; }

  struct DirectOutcome {
    model::Conversation conversation;
    bool created = false;
  };
  /// The one direct conversation between the caller and `other_user_id`.
  Result<DirectOutcome> open_direct(const Principal& caller, model::Id other_user_id);
  Result<model::Conversation> create_group(const Principal& caller, std::string_view title,
                                           const std::vector<model::Id>& member_ids);
  Result<model::Page<model::ConversationSummary>> list(const Principal& caller, std::optional<std::string_view> cursor,
                                                       std::optional<std::string_view> limit);
  Result<model::ConversationSummary> get(const Principal& caller, model::Id conversation_id);
  /// Owners and admins of a group (and site administrators in it) only.
  Result<model::Conversation> rename(const Principal& caller, model::Id conversation_id, std::string_view title);
  /// Owners and admins of a group only; users already in the group are left alone.
  Result<model::Conversation> add_members(const Principal& caller, model::Id conversation_id,
                                          const std::vector<model::Id>& user_ids);
  /// Anyone may remove themselves (leave); removing others takes owner or admin, and
  /// nobody but the owner themselves can remove the owner.
  Result<void> remove_member(const Principal& caller, model::Id conversation_id, model::Id user_id);
  /// Makes a member of a group an admin or a plain member again (`role` "admin" or
  /// "member"). The group's owner, or a site admin who is a member, may; the owner's own
  /// role does not change this way.
  Result<model::Conversation> set_member_role(const Principal& caller, model::Id conversation_id, model::Id user_id,
                                              std::string_view role);

  /// Whether `days` may be a conversation's retention: nullopt (follow the server) or 1 to
  /// retention_max_days, and no longer than the server's retention when it has one.
  /// `invalid_argument` on "retentionDays" otherwise.
  Result<void> check_retention_days(std::optional<std::int64_t> days) const;
  /// Sets how many days the conversation keeps its messages (nullopt: as the server says),
  /// after check_retention_days. A group's owner and admins (and site administrators in
  /// it) or either member of a direct conversation may. Setting the value it has changes
  /// nothing and announces nothing; every call that passes the checks is logged
  /// (`conversation.retention_set`), with who asked and the value before and after.
  Result<model::Conversation> set_retention(const Principal& caller, model::Id conversation_id,
                                            std::optional<std::int64_t> days);

  /// What one update of a conversation changes: its title, its retention, or both.
  struct Changes {
    std::optional<std::string> title;
    bool sets_retention = false;
    std::optional<std::int64_t> retention_days;  // with sets_retention; nullopt: as the server says
  };
  /// rename() and set_retention() in one call: every value is checked before either is
  /// written, and the members hear of it once, with the conversation as both left it.
  Result<model::Conversation> update(const Principal& caller, model::Id conversation_id, const Changes& changes);

  /// Every conversation the caller belongs to, members included, in no set order.
  Result<std::vector<model::Conversation>> memberships(const Principal& caller);
  /// Everyone who shares at least one conversation with the caller, without the caller.
  Result<std::vector<model::Id>> contacts(const Principal& caller);
  /// contacts() from memberships() already read: everyone else in `conversations`.
  static std::vector<model::Id> contacts_in(const std::vector<model::Conversation>& conversations, model::Id user_id);
  /// The caller's membership, or `not_found` for outsiders and unknown conversations.
  Result<model::Member> require_member(const Principal& caller, model::Id conversation_id);

  /// The ids of the conversation's members, to announce to: from a cache, read from
  /// the store on a miss; empty when the conversation cannot be read. Hold
  /// order_lock() around the commit this announces, or the list may be one
  /// membership change older or newer than the commit.
  MemberCache::Members member_ids(model::Id conversation_id);
  /// The lock that puts one conversation's commits and announcements in one order.
  /// A send holds it from its commit to its announcement; a membership change from
  /// its commit until the member cache has forgotten the old list and the change is
  /// announced. So each message goes to exactly the members it was committed among.
  /// Striped: unrelated conversations may share one. Never take two at once.
  std::mutex& order_lock(model::Id conversation_id) {
    return order_locks_[static_cast<std::uint64_t>(conversation_id) % order_locks_.size()];
  }

 private:
  Result<model::Conversation> require_group_manager(const Principal& caller, model::Id conversation_id);
  /// Owners and group admins manage a group, and so do site administrators who are members.
  Result<bool> may_manage(const Principal& caller, const model::Member& membership);
  Result<model::Conversation> rename_unannounced(const Principal& caller, model::Id conversation_id,
                                                 std::string_view title);
  /// The conversation after the write, and whether its retention changed.
  struct RetentionOutcome {
    model::Conversation conversation;
    bool changed = false;
  };
  Result<RetentionOutcome> set_retention_unannounced(const Principal& caller, model::Id conversation_id,
                                                     std::optional<std::int64_t> days);
  Result<void> require_users_exist(const std::vector<model::Id>& user_ids, std::string_view field);

  /// Tells the members (and `also_notify`) about the conversation as it now is.
  void announce(const model::Conversation& conversation, const std::vector<model::Id>& also_notify = {});

  store::Store& store_;
  EventPublisher* events_ = nullptr;
  std::array<std::mutex, 64> order_locks_;
  MemberCache member_cache_;
  util::IdGenerator& ids_;
  const util::Clock& clock_;
  DomainLimits limits_;
};

}  // namespace talkline::services
