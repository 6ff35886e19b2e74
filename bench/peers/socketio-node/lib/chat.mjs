// The rules of accounts, conversations, messages and receipts. Transport-free: http_api.mjs
// and realtime.mjs call these and map AppError once each.
//
// The parse* functions check a request's fields and are shared by both rule sets: `Chat`
// below, over a synchronous store (memory, sqlite) where each call is atomic on Node's one
// thread, and `RedisChat` (redis_chat.mjs), over the store several processes share, where the
// steps that must be atomic across processes run as Lua scripts inside Redis.

import { AppError, invalidArgument } from "./errors.mjs";
import { hashPassword, newRefreshToken, verifyPassword } from "./tokens.mjs";

const kUsername = /^[A-Za-z0-9_.]{3,32}$/;
const kClientMsgId = /^[\x21-\x7e]{1,64}$/;
// Control characters other than tab and newline.
const kControl = /[\x00-\x08\x0b-\x1f\x7f]/;
const kMaxBodyChars = 4000;
// History page sizes, as TalkLine's DomainLimits (page_default_limit, page_max_limit).
const kPageDefault = 50;
const kPageMax = 100;
const kInt64Max = 9223372036854775807n;

export class Chat {
  constructor(store, tokens) {
    this.store = store;
    this.tokens = tokens;
  }

  // ---- accounts ----

  async register(body) {
    const { username, password, displayName } = parseRegistration(body);
    const passwordHash = await hashPassword(password);
    const user = this.store.userInsert({ username, displayName, passwordHash, createdAt: now() });
    return authAnswer(this.tokens, user);
  }

  async login(body) {
    const { username, password } = parseLogin(body);
    const found = this.store.userByName(username);
    if (!found || !(await verifyPassword(password, found.passwordHash))) throw wrongPassword();
    return authAnswer(this.tokens, found.user);
  }

  // ---- conversations ----

  /** `{conversation, created}`: a direct conversation is idempotent per pair. */
  conversationCreate(callerId, body) {
    const request = parseConversationCreate(callerId, body);
    for (const id of request.memberIds) {
      if (id !== callerId && !this.store.userExists(id)) throw userNotFound();
    }
    if (request.type === "direct") {
      const existing = this.store.conversationDirectFind(callerId, request.memberIds[1]);
      if (existing) return { conversation: existing, created: false };
    }
    const conversation = this.store.conversationCreate({ ...request, createdBy: callerId, createdAt: now() });
    return { conversation, created: true };
  }

  // ---- messages ----

  // Returns `{message, memberIds}` for a new message (memberIds: who gets message:new) or
  // `{message, memberIds: null}` for a retry, which is answered with the original and
  // delivers nothing. The retry check comes before membership, as in TalkLine.
  messageSend(senderId, payload) {
    const send = parseSend(payload);
    const previous = this.store.messageByClientId(senderId, send.clientMsgId);
    if (previous) {
      checkRetry(previous, send);
      return { message: previous, memberIds: null };
    }
    const memberIds = this.store.memberIdsIfMember(send.conversationId, senderId);
    if (!memberIds) throw conversationNotFound();
    if (send.replyTo !== null && this.store.messageGet(send.replyTo)?.conversationId !== send.conversationId) {
      throw badReplyTo();
    }
    const message = this.store.messageInsert({ ...send, senderId, createdAt: now() });
    return { message, memberIds };
  }

  // `{items, nextCursor}`: a page of the conversation's messages (see parseHistoryQuery and
  // pageOf). Membership is checked last, so a bad parameter is 400 even for a non-member.
  messageHistory(callerId, rawConversationId, query) {
    const page = parseHistoryQuery(rawConversationId, query);
    if (!this.store.isMember(page.conversationId, callerId)) throw conversationNotFound();
    return pageOf(this.store.messageList(page.conversationId, page.window), page);
  }

  // ---- receipts ----

  // Moves the member's delivered or read cursor forward (read also pulls delivered up).
  // Returns the cursors after the call and, when one moved, the receipt to fan out and
  // the member ids to send it to.
  receipt(userId, type, payload) {
    const { conversationId, seq } = parseReceipt(payload);
    const cursors = this.store.memberCursors(conversationId, userId);
    if (!cursors) throw conversationNotFound();
    if (seq > cursors.lastSeq) throw seqPastEnd();
    const next = moveCursors(cursors, type, seq);
    if (next.deliveredSeq !== cursors.deliveredSeq || next.readSeq !== cursors.readSeq) {
      this.store.memberCursorsSet(conversationId, userId, next.deliveredSeq, next.readSeq);
    }
    const memberIds = next.moved ? this.store.memberIdsIfMember(conversationId, userId) : null;
    return receiptAnswer(conversationId, userId, type, next, memberIds);
  }
}

// ---- request checks, shared by Chat and RedisChat ----

/** A canonical decimal-string id from a string or integer, or an invalid_argument naming `field`. */
export function parseId(value, field) {
  if (typeof value === "string" && /^[0-9]{1,19}$/.test(value)) return BigInt(value).toString();
  if (Number.isSafeInteger(value) && value >= 0) return String(value);
  throw invalidArgument(field, "must be an id");
}

export function parseRegistration(body) {
  requireObject(body);
  const { username, password } = body;
  if (typeof username !== "string" || !kUsername.test(username)) throw invalidArgument("username", "must be 3 to 32 of A-Z a-z 0-9 _ .");
  checkPassword(password);
  const displayName = typeof body.displayName === "string" ? body.displayName.slice(0, 64) : username;
  return { username, password, displayName };
}

export function parseLogin(body) {
  requireObject(body);
  const { username, password } = body;
  if (typeof username !== "string") throw invalidArgument("username", "is required");
  checkPassword(password);
  return { username, password };
}

/**
 * `{type, title, memberIds}` with the caller first and no id twice. A direct conversation is
 * the caller and one other user; a group has a title. Whether the users exist is the caller's
 * check.
 */
export function parseConversationCreate(callerId, body) {
  requireObject(body);
  if (body.type === "direct") {
    const other = parseId(body.userId, "userId");
    if (other === callerId) throw invalidArgument("userId", "must be another user");
    return { type: "direct", title: null, memberIds: [callerId, other] };
  }
  if (body.type === "group") {
    const { title } = body;
    if (typeof title !== "string" || title.length < 1 || title.length > 128) throw invalidArgument("title", "must be 1 to 128 characters");
    const memberIds = body.memberIds ?? [];
    if (!Array.isArray(memberIds)) throw invalidArgument("memberIds", "must be an array of ids");
    const ids = new Set([callerId]);
    for (const raw of memberIds) ids.add(parseId(raw, "memberIds"));
    return { type: "group", title, memberIds: [...ids] };
  }
  throw invalidArgument("type", "must be direct or group");
}

/** `{conversationId, clientMsgId, body, replyTo}` of a message:send payload. */
export function parseSend(payload) {
  requireObject(payload);
  const conversationId = parseId(payload.conversationId, "conversationId");
  const { clientMsgId, body } = payload;
  if (typeof clientMsgId !== "string" || !kClientMsgId.test(clientMsgId)) {
    throw invalidArgument("clientMsgId", "must be 1 to 64 printable ASCII characters without spaces");
  }
  if (typeof body !== "string" || body.length === 0 || (body.length > kMaxBodyChars && [...body].length > kMaxBodyChars) || kControl.test(body) || body.trim() === "") {
    throw invalidArgument("body", `must be 1 to ${kMaxBodyChars} characters`);
  }
  const replyTo = payload.replyTo === undefined || payload.replyTo === null ? null : parseId(payload.replyTo, "replyTo");
  return { conversationId, clientMsgId, body, replyTo };
}

/** A retry must repeat the original exactly; anything else reusing its clientMsgId is a conflict. */
export function checkRetry(previous, send) {
  if (previous.conversationId !== send.conversationId || previous.body !== send.body || previous.replyTo !== send.replyTo) {
    throw new AppError("conflict", "clientMsgId was already used for a different message");
  }
}

/**
 * A history request: `before` pages towards older messages, `after` towards newer ones,
 * neither gives the latest page. The checks run in TalkLine's order
 * (MessageService::history): path id, limit, before/after. `query` holds the raw query
 * strings (undefined when absent). `window` is what to ask the store for: one message more
 * than a page, to tell whether another page follows without a count.
 */
export function parseHistoryQuery(rawConversationId, query) {
  const conversationId = pathId(rawConversationId);
  const limit = pageLimit(query.limit);
  if (query.before !== undefined && query.after !== undefined) throw invalidArgument("before", "give either before or after, not both");
  const before = query.before === undefined ? null : seqParam(query.before, "before");
  // after=0 is the natural way to ask for a conversation from its start.
  const after = query.after === undefined ? null : query.after === "0" ? 0 : seqParam(query.after, "after");
  return { conversationId, limit, after, window: { before, after, limit: limit + 1 } };
}

/**
 * `{items, nextCursor}` from up to limit + 1 messages ascending by seq: nextCursor (a decimal
 * seq string, or null on the last page) continues in the same direction.
 */
export function pageOf(items, { limit, after }) {
  let nextCursor = null;
  if (items.length > limit) {
    if (after !== null) {
      items.pop();
      nextCursor = String(items.at(-1).seq);
    } else {
      items.shift();
      nextCursor = String(items[0].seq);
    }
  }
  return { items, nextCursor };
}

export function parseReceipt(payload) {
  requireObject(payload);
  const conversationId = parseId(payload.conversationId, "conversationId");
  const { seq } = payload;
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidArgument("seq", "must be an integer >= 0");
  return { conversationId, seq };
}

/**
 * The cursors after a receipt: read moves readSeq forward and pulls deliveredSeq up with it,
 * delivered moves deliveredSeq forward; `moved` says whether the cursor named by `type`
 * moved. (redis_store.mjs's receipt script applies the same rule inside Redis.)
 */
export function moveCursors(cursors, type, seq) {
  const readSeq = type === "read" ? Math.max(cursors.readSeq, seq) : cursors.readSeq;
  const deliveredSeq = Math.max(cursors.deliveredSeq, type === "read" ? readSeq : seq);
  const moved = type === "read" ? readSeq > cursors.readSeq : deliveredSeq > cursors.deliveredSeq;
  return { deliveredSeq, readSeq, moved };
}

/** The ack, and the receipt event with its recipients when a cursor moved. */
export function receiptAnswer(conversationId, userId, type, { deliveredSeq, readSeq, moved }, memberIds) {
  const ack = { ok: true, conversationId, deliveredSeq, readSeq };
  if (!moved) return { ack, receipt: null, memberIds: null };
  const receipt = { conversationId, userId, type, seq: type === "read" ? readSeq : deliveredSeq, at: now() };
  return { ack, receipt, memberIds };
}

export function authAnswer(tokens, user) {
  return {
    user, accessToken: tokens.issue(user.id), refreshToken: newRefreshToken(), tokenType: "Bearer",
    expiresIn: tokens.ttlSeconds,
  };
}

export const wrongPassword = () => new AppError("unauthenticated", "wrong username or password");
export const userNotFound = () => new AppError("not_found", "user not found");
export const conversationNotFound = () => new AppError("not_found", "conversation not found");
export const badReplyTo = () => invalidArgument("replyTo", "must be a message of this conversation");
export const seqPastEnd = () => invalidArgument("seq", "is past the last message of the conversation");

export function now() {
  return new Date().toISOString();
}

function requireObject(payload) {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw invalidArgument("payload", "must be an object");
  }
}

// A conversation id from the URL path. Like TalkLine's path_id, an id that cannot exist
// answers as a conversation that does not: 404, not 400.
function pathId(value) {
  if (!/^[0-9]{1,19}$/.test(value) || BigInt(value) === 0n || BigInt(value) > kInt64Max) {
    throw conversationNotFound();
  }
  return BigInt(value).toString();
}

// `limit`: 1 to kPageMax, kPageDefault when absent; an empty `limit=` is present and invalid.
function pageLimit(value) {
  if (value === undefined) return kPageDefault;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= kPageMax)) throw invalidArgument("limit", `must be an integer from 1 to ${kPageMax}`);
  return n;
}

// A `before`/`after` seq: a positive decimal id, as TalkLine's cursor::decode_id. Seqs are
// small, so a larger bound is clamped to a safe integer: it selects the same messages.
function seqParam(value, field) {
  const n = /^[0-9]{1,19}$/.test(value) ? BigInt(value) : 0n;
  if (n === 0n || n > kInt64Max) throw invalidArgument(field, "must be a decimal id");
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function checkPassword(password) {
  if (typeof password !== "string" || password.length < 8 || password.length > 256) {
    throw invalidArgument("password", "must be 8 to 256 characters");
  }
}
