#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "model/conversation.hpp"
#include "services/event_publisher.hpp"
#include "services/limits.hpp"
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

  /// Every conversation the caller belongs to, members included, in no set order.
  Result<std::vector<model::Conversation>> memberships(const Principal& caller);
  /// Everyone who shares at least one conversation with the caller, without the caller.
  Result<std::vector<model::Id>> contacts(const Principal& caller);
  /// The caller's membership, or `not_found` for outsiders and unknown conversations.
  Result<model::Member> require_member(const Principal& caller, model::Id conversation_id);

 private:
  Result<model::Conversation> require_group_manager(const Principal& caller, model::Id conversation_id);
  /// Owners and group admins manage a group, and so do site administrators who are members.
  Result<bool> may_manage(const Principal& caller, const model::Member& membership);
  Result<void> require_users_exist(const std::vector<model::Id>& user_ids, std::string_view field);

  /// Tells the members (and `also_notify`) about the conversation as it now is.
  void announce(const model::Conversation& conversation, const std::vector<model::Id>& also_notify = {});

  store::Store& store_;
  EventPublisher* events_ = nullptr;
  util::IdGenerator& ids_;
  const util::Clock& clock_;
  DomainLimits limits_;
};

}  // namespace talkline::services
