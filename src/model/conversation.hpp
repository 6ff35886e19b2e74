#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"
#include "model/types.hpp"

namespace talkline::model {

enum class ConversationKind { direct, group };
enum class MemberRole { owner, admin, member };

std::string_view conversation_kind_name(ConversationKind kind);
std::string_view member_role_name(MemberRole role);
std::optional<MemberRole> member_role_from_name(std::string_view name);

struct Member {
  Id conversation_id = 0;
  Id user_id = 0;
  MemberRole role = MemberRole::member;
  Millis joined_at = 0;
  Seq delivered_seq = 0;
  Seq read_seq = 0;
  /// How far the member has the conversation's change feed: at least the change_seq of
  /// the message at delivered_seq (0 before the first), further when the client said it
  /// has later changes too (CursorMove::change_seq). Catch-up resumes the feed after it.
  Seq delivered_change_seq = 0;
};

/// A receipt: move the delivered or read cursor forward to `seq` and, when `change_seq`
/// is above 0, the delivered change cursor to it. A client that has applied edits, deletes
/// or reactions made after the conversation's last message says so with `change_seq`;
/// without it those trailing changes are sent again on every connect.
struct CursorMove {
  CursorKind kind = CursorKind::delivered;
  Seq seq = 0;
  Seq change_seq = 0;
};

/// A cursor move as its commit saw it: the member after it, whether either cursor moved,
/// and, when one did, the conversation's members at that commit (whom to tell).
struct CursorAdvance {
  Member member;
  bool moved = false;
  std::vector<Id> member_ids;
};

struct Conversation {
  Id id = 0;
  ConversationKind kind = ConversationKind::group;
  std::string title;
  Id created_by = 0;
  Millis created_at = 0;
  Seq last_seq = 0;
  Millis last_activity_at = 0;
  /// The conversation's latest change_seq (0 before the first message).
  Seq last_change_seq = 0;
  /// How many days its messages are kept, set by its admins; unset follows the server's
  /// TALKLINE_RETENTION_DAYS (docs/decisions.md D25).
  std::optional<int> retention_days;
  std::vector<Member> members;
};

/// A conversation as one member sees it in their list.
struct ConversationSummary {
  Conversation conversation;
  std::optional<Message> last_message;
  Seq unread_count = 0;
  /// Messages above the member's read cursor that mention them (deleted ones excluded).
  Seq mention_count = 0;
};

struct NewDirectConversation {
  Id id = 0;
  Id user_a = 0;  // the creator
  Id user_b = 0;
  Millis created_at = 0;
};

struct NewGroupConversation {
  Id id = 0;
  std::string title;
  Id created_by = 0;           // becomes owner
  std::vector<Id> member_ids;  // other initial members, deduplicated, without the creator
  Millis created_at = 0;
};

}  // namespace talkline::model
