// Managing a conversation over the HTTP API: its title, members, roles and retention.
// Each answer is applied at once; the other members learn of it from conversation:updated.
import { api } from './api.js';
import { ensureUsers, findUser } from './chat.js';
import { changed, forgetConversation, state, upsertConversation } from './state.js';

async function applied(conversation) {
  upsertConversation(conversation);
  await ensureUsers(conversation.members.map((m) => m.userId));
  changed();
  return conversation;
}

export async function renameGroup(id, title) {
  return applied(await api.updateConversation(id, { title }));
}

/** `days` null: the conversation follows the server's retention again. */
export async function setRetention(id, days) {
  return applied(await api.updateConversation(id, { retentionDays: days }));
}

export async function addMember(id, username) {
  const user = await findUser(username);
  return applied(await api.addMembers(id, [user.id]));
}

export async function setMemberRole(id, userId, role) {
  return applied(await api.setMemberRole(id, userId, role));
}

/** Removes a member; removing myself is leaving, and the conversation goes from the list. */
export async function removeMember(id, userId) {
  await api.removeMember(id, userId);
  if (userId === state.me.id) {
    forgetConversation(id);
  } else {
    const conversation = state.conversations.get(id);
    if (conversation) conversation.members = conversation.members.filter((m) => m.userId !== userId);
  }
  changed();
}

/**
 * Applies a conversation:updated event: a conversation I was removed from no longer
 * lists me, and goes; any other is taken as it now is. Returns whether I am still a member.
 */
export async function conversationUpdated(conversation) {
  if (!conversation.members.some((m) => m.userId === state.me?.id)) {
    forgetConversation(conversation.id);
    changed();
    return false;
  }
  // New to me (I was just added): the summary adds my unread and mention counts.
  const known = state.conversations.has(conversation.id);
  await applied(known ? conversation : await api.conversation(conversation.id).catch(() => conversation));
  return true;
}
