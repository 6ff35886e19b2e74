// The rules of accounts, conversations, messages and receipts, over either store.
// Transport-free: http_api.mjs and realtime.mjs call these and map AppError once each.

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

/** A canonical decimal-string id from a string or integer, or an invalid_argument naming `field`. */
export function parseId(value, field) {
  if (typeof value === "string" && /^[0-9]{1,19}$/.test(value)) return BigInt(value).toString();
  if (Number.isSafeInteger(value) && value >= 0) return String(value);
  throw invalidArgument(field, "must be an id");
}

function requireObject(payload) {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw invalidArgument("payload", "must be an object");
  }
}

export class Chat {
  constructor(store, tokens) {
    this.store = store;
    this.tokens = tokens;
  }

  // ---- accounts ----

  async register(body) {
    requireObject(body);
    const { username, password } = body;
    if (typeof username !== "string" || !kUsername.test(username)) throw invalidArgument("username", "must be 3 to 32 of A-Z a-z 0-9 _ .");
    checkPassword(password);
    const displayName = typeof body.displayName === "string" ? body.displayName.slice(0, 64) : username;
    const passwordHash = await hashPassword(password);
    const user = this.store.userInsert({ username, displayName, passwordHash, createdAt: now() });
    return this.#authAnswer(user);
  }

  async login(body) {
    requireObject(body);
    const { username, password } = body;
    if (typeof username !== "string") throw invalidArgument("username", "is required");
    checkPassword(password);
    const found = this.store.userByName(username);
    if (!found || !(await verifyPassword(password, found.passwordHash))) {
      throw new AppError("unauthenticated", "wrong username or password");
    }
    return this.#authAnswer(found.user);
  }

  #authAnswer(user) {
    return {
      user, accessToken: this.tokens.issue(user.id), refreshToken: newRefreshToken(), tokenType: "Bearer",
      expiresIn: this.tokens.ttlSeconds,
    };
  }

  // ---- conversations ----

  /** `{conversation, created}`: a direct conversation is idempotent per pair. */
  conversationCreate(callerId, body) {
    requireObject(body);
    if (body.type === "direct") {
      const other = parseId(body.userId, "userId");
      if (other === callerId) throw invalidArgument("userId", "must be another user");
      if (!this.store.userExists(other)) throw new AppError("not_found", "user not found");
      const existing = this.store.conversationDirectFind(callerId, other);
      if (existing) return { conversation: existing, created: false };
      const conversation = this.store.conversationCreate({ type: "direct", title: null, createdBy: callerId, memberIds: [callerId, other], createdAt: now() });
      return { conversation, created: true };
    }
    if (body.type === "group") {
      const { title } = body;
      if (typeof title !== "string" || title.length < 1 || title.length > 128) throw invalidArgument("title", "must be 1 to 128 characters");
      const ids = new Set([callerId]);
      const memberIds = body.memberIds ?? [];
      if (!Array.isArray(memberIds)) throw invalidArgument("memberIds", "must be an array of ids");
      for (const raw of memberIds) {
        const id = parseId(raw, "memberIds");
        if (!this.store.userExists(id)) throw new AppError("not_found", "user not found");
        ids.add(id);
      }
      const conversation = this.store.conversationCreate({ type: "group", title, createdBy: callerId, memberIds: [...ids], createdAt: now() });
      return { conversation, created: true };
    }
    throw invalidArgument("type", "must be direct or group");
  }

  // ---- messages ----

  // Returns `{message, memberIds}` for a new message (memberIds: who gets message:new) or
  // `{message, memberIds: null}` for a retry, which is answered with the original and
  // delivers nothing. The retry check comes before membership, as in TalkLine.
  messageSend(senderId, payload) {
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

    const previous = this.store.messageByClientId(senderId, clientMsgId);
    if (previous) {
      if (previous.conversationId !== conversationId || previous.body !== body || previous.replyTo !== replyTo) {
        throw new AppError("conflict", "clientMsgId was already used for a different message");
      }
      return { message: previous, memberIds: null };
    }
    const memberIds = this.store.memberIdsIfMember(conversationId, senderId);
    if (!memberIds) throw new AppError("not_found", "conversation not found");
    if (replyTo !== null && this.store.messageGet(replyTo)?.conversationId !== conversationId) {
      throw invalidArgument("replyTo", "must be a message of this conversation");
    }
    const message = this.store.messageInsert({ conversationId, senderId, clientMsgId, body, replyTo, createdAt: now() });
    return { message, memberIds };
  }

  // `{items, nextCursor}`: a page of the conversation's messages, ascending by seq. `before`
  // pages towards older messages, `after` towards newer ones, neither gives the latest page;
  // nextCursor (a decimal seq string, or null on the last page) continues in the same
  // direction. The checks run in TalkLine's order (MessageService::history): path id, limit,
  // before/after, and membership last, so a bad parameter is 400 even for a non-member.
  // `query` holds the raw query strings (undefined when absent).
  messageHistory(callerId, rawConversationId, query) {
    const conversationId = pathId(rawConversationId);
    const limit = pageLimit(query.limit);
    if (query.before !== undefined && query.after !== undefined) throw invalidArgument("before", "give either before or after, not both");
    const before = query.before === undefined ? null : seqParam(query.before, "before");
    // after=0 is the natural way to ask for a conversation from its start.
    const after = query.after === undefined ? null : query.after === "0" ? 0 : seqParam(query.after, "after");
    if (!this.store.isMember(conversationId, callerId)) throw new AppError("not_found", "conversation not found");
    // One more than a page, to tell whether another page follows without a count.
    const items = this.store.messageList(conversationId, { before, after, limit: limit + 1 });
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

  // ---- receipts ----

  // Moves the member's delivered or read cursor forward (read also pulls delivered up).
  // Returns the cursors after the call and, when one moved, the receipt to fan out and
  // the member ids to send it to.
  receipt(userId, type, payload) {
    requireObject(payload);
    const conversationId = parseId(payload.conversationId, "conversationId");
    const { seq } = payload;
    if (!Number.isSafeInteger(seq) || seq < 0) throw invalidArgument("seq", "must be an integer >= 0");
    const cursors = this.store.memberCursors(conversationId, userId);
    if (!cursors) throw new AppError("not_found", "conversation not found");
    if (seq > cursors.lastSeq) throw invalidArgument("seq", "is past the last message of the conversation");
    const readSeq = type === "read" ? Math.max(cursors.readSeq, seq) : cursors.readSeq;
    const deliveredSeq = Math.max(cursors.deliveredSeq, type === "read" ? readSeq : seq);
    const moved = type === "read" ? readSeq > cursors.readSeq : deliveredSeq > cursors.deliveredSeq;
    if (deliveredSeq !== cursors.deliveredSeq || readSeq !== cursors.readSeq) {
      this.store.memberCursorsSet(conversationId, userId, deliveredSeq, readSeq);
    }
    const ack = { ok: true, conversationId, deliveredSeq, readSeq };
    if (!moved) return { ack, receipt: null, memberIds: null };
    const receipt = { conversationId, userId, type, seq: type === "read" ? readSeq : deliveredSeq, at: now() };
    return { ack, receipt, memberIds: this.store.memberIdsIfMember(conversationId, userId) };
  }
}

// A conversation id from the URL path. Like TalkLine's path_id, an id that cannot exist
// answers as a conversation that does not: 404, not 400.
function pathId(value) {
  if (!/^[0-9]{1,19}$/.test(value) || BigInt(value) === 0n || BigInt(value) > kInt64Max) {
    throw new AppError("not_found", "conversation not found");
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

function now() {
  return new Date().toISOString();
}
