#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/user.hpp"

namespace talkline::model {

std::string_view role_name(Role role) { return role == Role::admin ? "admin" : "user"; }

std::optional<Role> role_from_name(std::string_view name) {
  if (name == "user") return Role::user;
  if (name == "admin") return Role::admin;
  return std::nullopt;
}

std::string_view conversation_kind_name(ConversationKind kind) {
  return kind == ConversationKind::direct ? "direct" : "group";
}

std::string_view member_role_name(MemberRole role) {
  switch (role) {
    case MemberRole::owner: return "owner";
    case MemberRole::admin: return "admin";
    case MemberRole::member: return "member";
  }
  return "member";
}

std::optional<MemberRole> member_role_from_name(std::string_view name) {
  if (name == "owner") return MemberRole::owner;
  if (name == "admin") return MemberRole::admin;
  if (name == "member") return MemberRole::member;
  return std::nullopt;
}

std::string_view change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::created: return "created";
    case ChangeKind::edited: return "edited";
    case ChangeKind::deleted: return "deleted";
    case ChangeKind::reacted: return "reacted";
    case ChangeKind::unreacted: return "unreacted";
    case ChangeKind::pinned: return "pinned";
    case ChangeKind::unpinned: return "unpinned";
  }
  return "created";
}

std::optional<ChangeKind> change_kind_from_name(std::string_view name) {
  if (name == "created") return ChangeKind::created;
  if (name == "edited") return ChangeKind::edited;
  if (name == "deleted") return ChangeKind::deleted;
  if (name == "reacted") return ChangeKind::reacted;
  if (name == "unreacted") return ChangeKind::unreacted;
  if (name == "pinned") return ChangeKind::pinned;
  if (name == "unpinned") return ChangeKind::unpinned;
  return std::nullopt;
}

}  // namespace talkline::model
