// What the signed-in user may do in a conversation, as the server decides it
// (docs/openapi.json): the page offers only what would be allowed, and the server's
// answer still has the last word.
import { state } from './state.js';

export function myRole(conversation) {
  return conversation?.members?.find((m) => m.userId === state.me?.id)?.role ?? null;
}

function siteAdmin() {
  return state.me?.role === 'admin';
}

/** Rename, add and remove members, pin: the owner and admins of a group. */
export function canManage(conversation) {
  if (conversation?.type !== 'group') return false;
  const role = myRole(conversation);
  return role === 'owner' || role === 'admin' || siteAdmin();
}

/** Make members admins or plain members again: the owner only (or a site admin in the group). */
export function canChangeRoles(conversation) {
  return conversation?.type === 'group' && (myRole(conversation) === 'owner' || siteAdmin());
}

/** Pins, and how long messages are kept: either member of a direct conversation too. */
export function canPin(conversation) {
  return conversation?.type === 'direct' || canManage(conversation);
}

export const canSetRetention = canPin;
