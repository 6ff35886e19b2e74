// The real-time connection (docs/protocol.md): socket.io-client's browser build, a fresh
// token on every (re)connect, catch-up after a drop, and receipts sent in batches.
import { io } from '../vendor/socket.io.esm.min.js';
import { refreshTokens } from './api.js';
import { applyPinChange } from './pins.js';
import { applyPreviewChange } from './replies.js';
import { getSession } from './session.js';
import {
  applyReceipt,
  changed,
  noteChange,
  noteOwnChange,
  seenChange,
  supersededChange,
  state,
  upsertMessage,
} from './state.js';

let socket = null;
const hooks = {
  onConnect: () => {},
  onMessage: () => {},
  onConversation: () => {},
  onStatus: () => {},
  onSignedOut: () => {},
};
let sessionEnded = null; // the reason of the last session:ended, until the next connect
const receiptTimers = new Map();
const receiptSeqs = new Map();

export function setSocketHooks(next) {
  Object.assign(hooks, next);
}

// How long a send waits for its ack before it is sent again, and how often.
const ACK_TIMEOUT_MS = 10000;
const SEND_ATTEMPTS = 5;

function answered(event, ack) {
  if (!ack?.ok) {
    const error = new Error(ack?.error?.message || `${event} failed`);
    error.code = ack?.error?.code;
    error.fields = ack?.error?.fields ?? [];
    throw error;
  }
  return ack;
}

/** An event with an ack; resolves to the ack's result, throws its error. */
export async function request(event, payload) {
  if (!socket) throw new Error('not connected');
  return answered(event, await socket.emitWithAck(event, payload));
}

function untilConnected() {
  return socket?.connected ? Promise.resolve() : new Promise((resolve) => socket?.once('connect', resolve));
}

/**
 * request() for an event the server makes idempotent (message:send, by clientMsgId): a
 * packet that went out just before the connection dropped gets no ack, and the client
 * does not send it again by itself, so it is sent again once connected. A repeat is
 * answered with the message the first one stored.
 */
export async function requestUntilAnswered(event, payload) {
  for (let attempt = 1; ; attempt++) {
    if (!socket) throw new Error('not connected');
    let ack;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      if (attempt >= SEND_ATTEMPTS) throw new Error('the server did not answer; try again');
      await untilConnected();
      continue;
    }
    return answered(event, ack);
  }
}

/**
 * Moves my delivered or read cursor; many calls within 150 ms become one event. A
 * delivered receipt also names the highest changeSeq applied, so edits, deletes and
 * reactions after the last message are not sent again on the next connect.
 */
export function sendReceipt(type, conversationId, seq) {
  const key = `${type}:${conversationId}`;
  const changeSeq = type === 'delivered' ? (state.lastChange.get(conversationId) ?? 0) : 0;
  const last = receiptSeqs.get(key);
  if (last && seq <= last.seq && changeSeq <= last.changeSeq) return;
  receiptSeqs.set(key, { seq: Math.max(seq, last?.seq ?? 0), changeSeq: Math.max(changeSeq, last?.changeSeq ?? 0) });
  if (receiptTimers.has(key)) return;
  receiptTimers.set(
    key,
    setTimeout(() => {
      receiptTimers.delete(key);
      const cursor = receiptSeqs.get(key);
      const payload = { conversationId, seq: cursor.seq };
      if (cursor.changeSeq > 0) payload.changeSeq = cursor.changeSeq;
      if (socket?.connected) socket.emit(`receipt:${type}`, payload);
      else receiptSeqs.delete(key); // sent again after the reconnect
    }, 150),
  );
}

/**
 * Applies a change-feed entry once, whichever way it arrived: from the ordered stream,
 * or (`own`) from the ack of a change of mine, which can overtake the stream.
 */
export function applyChange(change, { own = false } = {}) {
  if (!own && seenChange(change.conversationId, change.changeSeq)) return;
  // A newer change of the same message may have come first: its snapshot already holds this one.
  const fresh = !supersededChange(change);
  if (fresh) {
    state.messageVersions.set(change.message.id, change.changeSeq);
    upsertMessage(change.message, { own });
    if (change.actorId === state.me?.id && (change.type === 'reacted' || change.type === 'unreacted')) {
      const mine = state.myReactions.get(change.message.id) ?? new Set();
      if (change.type === 'reacted') mine.add(change.emoji);
      else mine.delete(change.emoji);
      state.myReactions.set(change.message.id, mine);
    }
    const conversation = state.conversations.get(change.conversationId);
    if (conversation?.lastMessage?.id === change.message.id) conversation.lastMessage = change.message;
    applyPreviewChange(change);
  }
  applyPinChange(change, { fresh });
  if (own) noteOwnChange(change.conversationId, change.changeSeq);
  else noteChange(change.conversationId, change.changeSeq);
  sendReceipt('delivered', change.conversationId, receiptSeqs.get(`delivered:${change.conversationId}`)?.seq ?? 0);
  changed();
}

// Edits, deletes and reactions made while this page was away, for the conversations it
// holds messages of (new messages come by themselves, as catch-up's message:new).
async function catchUpChanges() {
  const cursors = {};
  for (const id of state.older.keys()) cursors[id] = state.lastChange.get(id) ?? 0;
  for (let page = 0; page < 50 && Object.keys(cursors).length > 0; page++) {
    const ack = await request('sync', { changes: cursors });
    for (const change of ack.changes) {
      applyChange(change);
      cursors[change.conversationId] = Math.max(cursors[change.conversationId], change.changeSeq);
    }
    if (!ack.hasMore) break;
  }
}

function onMessageNew(message) {
  if (seenChange(message.conversationId, message.changeSeq)) return;
  upsertMessage(message);
  hooks.onMessage(message);
  changed();
}

export function connect() {
  if (socket) return socket;
  socket = io({
    auth: (cb) => cb({ token: getSession()?.accessToken }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
  });
  socket.on('connect', async () => {
    sessionEnded = null;
    state.connected = true;
    hooks.onStatus('online');
    changed();
    try {
      await hooks.onConnect();
      await catchUpChanges();
    } catch (error) {
      console.warn('catch-up failed', error);
    }
  });
  socket.on('disconnect', (reason) => {
    state.connected = false;
    hooks.onStatus('offline');
    changed();
    if (reason !== 'io server disconnect') return;
    // The server closed it: after an idle timeout come back; an ended session (a logout
    // elsewhere, a reused refresh token, a suspension) signs this page out.
    if (sessionEnded === 'idle timeout') socket?.connect();
    else hooks.onSignedOut();
  });
  socket.on('session:ended', ({ reason } = {}) => {
    sessionEnded = reason;
  });
  socket.on('connect_error', async (error) => {
    hooks.onStatus('offline');
    // A refused CONNECT is not retried by the client: retry once the token is fresh,
    // or sign out when it cannot be.
    const code = error?.data?.code;
    if (code === 'unauthenticated') {
      if (await refreshTokens()) socket?.connect();
      else hooks.onSignedOut();
    } else if (code) {
      setTimeout(() => socket?.connect(), 2000);
    }
  });
  socket.on('message:new', onMessageNew);
  for (const event of ['message:updated', 'message:deleted', 'message:reaction', 'message:pin']) {
    socket.on(event, applyChange);
  }
  socket.on('receipt', (receipt) => {
    applyReceipt(receipt);
    changed();
  });
  socket.on('typing', ({ conversationId, userId, typing }) => {
    const typers = state.typing.get(conversationId) ?? new Map();
    if (typing) typers.set(userId, Date.now() + 6000);
    else typers.delete(userId);
    state.typing.set(conversationId, typers);
    changed();
    if (typing) setTimeout(changed, 6100);
  });
  socket.on('presence', ({ userId, status }) => {
    state.presence.set(userId, status);
    changed();
  });
  socket.on('conversation:updated', (conversation) => hooks.onConversation(conversation));
  return socket;
}

// The browser knows first when the network goes: drop the socket at once instead of
// waiting for the heartbeat to time out, and reconnect as soon as it is back.
window.addEventListener('offline', () => socket?.io.engine?.close());
window.addEventListener('online', () => {
  if (socket && !socket.connected) socket.connect();
});

export function disconnect() {
  socket?.disconnect();
  socket = null;
}
