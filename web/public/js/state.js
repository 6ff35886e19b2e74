// What the client knows: conversations, their loaded messages, users, presence and
// typing. Every change of a message arrives as the message as it is now (a live event,
// an ack, a catch-up page or the change feed), so one upsert by seq applies them all,
// and a conversation's highest changeSeq says what has been applied already.
//
// That mark moves only with what arrives in the server's ordered stream (live events,
// catch-up, sync) or is contiguous with it: an ack of my own change can come before
// events numbered below it (a send right after a reconnect is answered before catch-up
// has pushed what was missed), and raising the mark then would drop those events as
// seen. So my own changes wait in ownChanges until the stream reaches them.
const listeners = new Set();

export const state = {
  me: null,
  conversations: new Map(), // id → conversation summary
  messages: new Map(), // conversation id → Map(seq → message), plus pending sends under their clientMsgId
  older: new Map(), // conversation id → cursor of the next older page, or null when none
  lastChange: new Map(), // conversation id → highest changeSeq applied, with every one below it
  ownChanges: new Map(), // conversation id → Set of my acked changeSeqs above lastChange
  messageVersions: new Map(), // message id → changeSeq of the newest change applied to it
  myReactions: new Map(), // message id → Set of my emoji
  pins: new Map(), // conversation id → Map(message id → {message, pinnedBy, pinnedAt})
  pinVersions: new Map(), // message id → changeSeq of the newest pin, unpin or delete applied
  users: new Map(), // id → user
  presence: new Map(), // user id → 'online' | 'offline'
  typing: new Map(), // conversation id → Map(user id → expiry time)
  openId: null,
  connected: false,
};

export function subscribe(listener) {
  listeners.add(listener);
}

let scheduled = false;
/** Asks the views to render once, on the next frame, however many changes came in. */
export function changed() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const listener of listeners) listener();
  });
}

export function messagesOf(conversationId) {
  let map = state.messages.get(conversationId);
  if (!map) {
    map = new Map();
    state.messages.set(conversationId, map);
  }
  return map;
}

/** Messages in display order: stored ones by seq, then pending sends. */
export function orderedMessages(conversationId) {
  return [...messagesOf(conversationId).values()].sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
}

/** Whether a conversation's history was loaded: only then are its messages kept. */
export function isLoaded(conversationId) {
  return state.older.has(conversationId);
}

/**
 * Stores a message from the server (replacing the pending send with its clientMsgId) when
 * its conversation's history is loaded; always updates the conversation's summary.
 */
export function upsertMessage(message, { own = false } = {}) {
  if ((state.messageVersions.get(message.id) ?? 0) < message.changeSeq) {
    state.messageVersions.set(message.id, message.changeSeq);
  }
  if (isLoaded(message.conversationId)) {
    const map = messagesOf(message.conversationId);
    if (message.clientMsgId && message.senderId === state.me?.id) map.delete(`pending:${message.clientMsgId}`);
    map.set(message.seq, message);
  }
  const conversation = state.conversations.get(message.conversationId);
  if (conversation && message.seq >= (conversation.lastSeq ?? 0)) {
    conversation.lastSeq = message.seq;
    conversation.lastMessage = message;
    conversation.lastActivityAt = message.createdAt;
  }
  if (own) noteOwnChange(message.conversationId, message.changeSeq);
  else noteChange(message.conversationId, message.changeSeq);
}

/** A change that came in the server's ordered stream (or a snapshot read over HTTP). */
export function noteChange(conversationId, changeSeq) {
  if (typeof changeSeq !== 'number') return;
  if (changeSeq > (state.lastChange.get(conversationId) ?? 0)) state.lastChange.set(conversationId, changeSeq);
  absorbOwnChanges(conversationId);
}

/** A change of mine, known from its ack: it counts once the stream has reached it. */
export function noteOwnChange(conversationId, changeSeq) {
  if (typeof changeSeq !== 'number' || changeSeq <= (state.lastChange.get(conversationId) ?? 0)) return;
  const own = state.ownChanges.get(conversationId) ?? new Set();
  own.add(changeSeq);
  state.ownChanges.set(conversationId, own);
  absorbOwnChanges(conversationId);
}

function absorbOwnChanges(conversationId) {
  const own = state.ownChanges.get(conversationId);
  if (!own) return;
  let last = state.lastChange.get(conversationId) ?? 0;
  while (own.delete(last + 1)) last += 1;
  for (const seq of own) if (seq <= last) own.delete(seq);
  state.lastChange.set(conversationId, last);
}

/** Whether a change is older than what is shown of its message already. */
export function supersededChange(change) {
  return change.changeSeq <= (state.messageVersions.get(change.message.id) ?? 0);
}

/** Whether a change at changeSeq was applied already (events may repeat after a reconnect). */
export function seenChange(conversationId, changeSeq) {
  return typeof changeSeq === 'number' && changeSeq <= (state.lastChange.get(conversationId) ?? 0);
}

export function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id) ?? {};
  state.conversations.set(conversation.id, { unreadCount: 0, mentionCount: 0, lastMessage: null, ...known, ...conversation });
}

/** Drops what the page holds of a conversation the user is no longer a member of. */
export function forgetConversation(id) {
  for (const key of ['conversations', 'messages', 'older', 'lastChange', 'ownChanges', 'pins', 'typing']) {
    state[key].delete(id);
  }
  if (state.openId === id) state.openId = null;
}

/** Moves a member's cursor forward, as a `receipt` event says. */
export function applyReceipt({ conversationId, userId, type, seq }) {
  const conversation = state.conversations.get(conversationId);
  const member = conversation?.members?.find((m) => m.userId === userId);
  if (!member) return;
  if (type === 'read') {
    member.readSeq = Math.max(member.readSeq ?? 0, seq);
    member.deliveredSeq = Math.max(member.deliveredSeq ?? 0, seq);
  } else {
    member.deliveredSeq = Math.max(member.deliveredSeq ?? 0, seq);
  }
  if (userId === state.me?.id && type === 'read') {
    conversation.unreadCount = Math.max(0, (conversation.lastSeq ?? 0) - member.readSeq);
    if (conversation.unreadCount === 0) conversation.mentionCount = 0;
  }
}

/** sending → sent → delivered → read, for one of my messages: read/delivered by every other member. */
export function deliveryState(message) {
  if (message.pending) return message.failed ? 'failed' : 'sending';
  const others = state.conversations.get(message.conversationId)?.members?.filter((m) => m.userId !== state.me?.id) ?? [];
  if (others.length === 0) return 'sent';
  if (others.every((m) => (m.readSeq ?? 0) >= message.seq)) return 'read';
  if (others.every((m) => (m.deliveredSeq ?? 0) >= message.seq)) return 'delivered';
  return 'sent';
}

export function displayName(userId) {
  const user = state.users.get(userId);
  return user ? user.displayName || user.username : '…';
}

export function conversationName(conversation) {
  if (conversation.type === 'group') return conversation.title || 'Group';
  const other = conversation.members?.find((m) => m.userId !== state.me?.id);
  return other ? displayName(other.userId) : 'Just me';
}

export function otherMember(conversation) {
  if (conversation.type !== 'direct') return null;
  return conversation.members?.find((m) => m.userId !== state.me?.id)?.userId ?? null;
}

export function typingNames(conversationId) {
  const now = Date.now();
  const typers = state.typing.get(conversationId);
  if (!typers) return [];
  return [...typers].filter(([, until]) => until > now).map(([userId]) => displayName(userId));
}

export function reset() {
  state.me = null;
  for (const key of ['conversations', 'messages', 'older', 'lastChange', 'ownChanges', 'messageVersions', 'myReactions', 'pins', 'pinVersions', 'users', 'presence', 'typing']) {
    state[key].clear();
  }
  state.openId = null;
}
