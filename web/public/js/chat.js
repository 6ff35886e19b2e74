// What a user does, as calls of the HTTP API and socket events; views call these and
// render from state.
import { api } from './api.js';
import { isPinned, setLoadedPins } from './pins.js';
import { previewOf } from './replies.js';
import { applyChange, request, requestUntilAnswered, sendReceipt } from './socket.js';
import { changed, forgetConversation, isLoaded, messagesOf, state, upsertConversation, upsertMessage } from './state.js';

/** Loads the users behind these ids that are not known yet. */
export async function ensureUsers(ids) {
  const missing = [...new Set(ids)].filter((id) => id && !state.users.has(id));
  await Promise.all(
    missing.map((id) =>
      api
        .user(id)
        .then((user) => state.users.set(id, user))
        .catch(() => {}),
    ),
  );
  if (missing.length) changed();
}

export async function loadConversations() {
  const known = [...state.conversations.keys()];
  const page = await api.conversations();
  // Conversations I was removed from while away are missing from a complete list.
  if (!page.nextCursor) {
    const listed = new Set(page.items.map((c) => c.id));
    for (const id of known) if (!listed.has(id)) forgetConversation(id);
  }
  for (const conversation of page.items) upsertConversation(conversation);
  await ensureUsers(page.items.flatMap((c) => c.members.map((m) => m.userId)));
  changed();
}

function rememberReactions(messages) {
  for (const message of messages) {
    const mine = new Set(message.reactions.filter((r) => r.me).map((r) => r.emoji));
    state.myReactions.set(message.id, mine);
  }
}

async function loadPage(conversationId, before) {
  // Marked loaded before the request, so a message arriving meanwhile is kept too.
  if (!isLoaded(conversationId)) state.older.set(conversationId, null);
  const page = await api.messages(conversationId, before);
  state.older.set(conversationId, page.items.length > 0 && page.items[0].seq > 1 ? page.nextCursor : null);
  rememberReactions(page.items);
  for (const message of page.items) upsertMessage(message);
  await ensureUsers(page.items.flatMap((m) => [m.senderId, m.replyPreview?.senderId]));
}

async function loadPins(conversationId) {
  const since = state.lastChange.get(conversationId) ?? 0;
  const page = await api.pins(conversationId);
  setLoadedPins(conversationId, page.items, since);
  await ensureUsers(page.items.map((p) => p.message.senderId));
}

/** Shows a conversation: the latest page, typing subscription, read cursor moved. */
export async function openConversation(id) {
  state.openId = id;
  changed();
  if (!isLoaded(id)) await loadPage(id);
  // Pins are read again on every open (and after a reconnect): there are at most 50.
  await loadPins(id).catch(() => {});
  if (state.connected) await request('conversation:join', { conversationId: id }).catch(() => {});
  markRead(id);
  changed();
}

export async function loadOlder(id) {
  const cursor = state.older.get(id);
  if (cursor) await loadPage(id, cursor);
  changed();
}

/** Read up to the last message, when the conversation is on screen and the page is seen. */
export function markRead(id) {
  const conversation = state.conversations.get(id);
  if (!conversation || document.visibilityState === 'hidden' || state.openId !== id) return;
  const me = conversation.members?.find((m) => m.userId === state.me.id);
  if ((conversation.lastSeq ?? 0) > (me?.readSeq ?? 0)) sendReceipt('read', id, conversation.lastSeq);
}

/**
 * Sends a message, a reply when `replyTo` is the answered message: shown at once as
 * "sending", replaced by the stored one on the ack.
 */
export async function sendMessage(conversationId, body, attachmentIds = [], replyTo = null) {
  const clientMsgId = crypto.randomUUID();
  const pendingKey = `pending:${clientMsgId}`;
  const pending = {
    pending: true,
    conversationId,
    clientMsgId,
    senderId: state.me.id,
    body,
    attachments: [],
    reactions: [],
    replyPreview: replyTo ? previewOf(replyTo) : null,
    createdAt: new Date().toISOString(),
  };
  messagesOf(conversationId).set(pendingKey, pending);
  changed();
  const payload = { conversationId, clientMsgId, body };
  if (attachmentIds.length) payload.attachmentIds = attachmentIds;
  if (replyTo) payload.replyTo = replyTo.id;
  try {
    // While offline the client holds the event and sends it on reconnect; an event whose
    // ack was lost with the connection is sent again. A retry with the same clientMsgId
    // is answered with the same message, never a second one.
    const ack = await requestUntilAnswered('message:send', payload);
    upsertMessage(ack.message, { own: true });
  } catch (error) {
    pending.failed = true;
    pending.error = error.message;
  }
  changed();
}

export async function editMessage(message, body) {
  const ack = await request('message:edit', { conversationId: message.conversationId, messageId: message.id, body });
  applyChange(ack.change, { own: true });
}

export async function deleteMessage(message) {
  const ack = await request('message:delete', { conversationId: message.conversationId, messageId: message.id });
  applyChange(ack.change, { own: true });
}

export async function toggleReaction(message, emoji) {
  const mine = state.myReactions.get(message.id) ?? new Set();
  const event = mine.has(emoji) ? 'reaction:remove' : 'reaction:add';
  const ack = await request(event, { conversationId: message.conversationId, messageId: message.id, emoji });
  applyChange(ack.change, { own: true });
}

export async function togglePin(message) {
  const event = isPinned(message) ? 'pin:remove' : 'pin:add';
  const ack = await request(event, { conversationId: message.conversationId, messageId: message.id });
  applyChange(ack.change, { own: true });
}

/** The user with exactly this username (the search matches prefixes too). */
export async function findUser(username) {
  const wanted = username.trim().replace(/^@/, '').toLowerCase();
  const page = await api.findUsers(wanted);
  const user = page.items.find((u) => u.username.toLowerCase() === wanted);
  if (!user) throw new Error(`no user named ${wanted}`);
  state.users.set(user.id, user);
  return user;
}

export async function startDirect(username) {
  const user = await findUser(username);
  const conversation = await api.createDirect(user.id);
  upsertConversation(conversation);
  await openConversation(conversation.id);
}

export async function createGroup(title, usernames) {
  const users = await Promise.all(usernames.map(findUser));
  const conversation = await api.createGroup(title, users.map((u) => u.id));
  upsertConversation(conversation);
  await openConversation(conversation.id);
}

/** Changes my profile; the answer is my user as it now is. */
export async function updateProfile(changes) {
  const user = await api.updateMe(changes);
  state.me = user;
  state.users.set(user.id, user);
  changed();
  return user;
}
