// The `memory` mode store: plain Maps, nothing survives a restart.
// Every method is synchronous, so one call is atomic on Node's single thread.

import { AppError } from "./errors.mjs";

export class MemoryStore {
  #nextId = 1;
  #users = new Map(); // id -> {user, passwordHash}
  #usersByName = new Map(); // username -> id
  #conversations = new Map(); // id -> {view fields..., members: Map userId -> member, messages: [seq 1, 2, ...]}
  #directs = new Map(); // "lowId:highId" -> conversation id
  #messages = new Map(); // id -> message
  #messagesByClientId = new Map(); // senderId + "\n" + clientMsgId -> message
  #lastMessages = new Map(); // conversation id -> message

  close() {}

  // ---- users ----

  userInsert({ username, displayName, passwordHash, createdAt }) {
    if (this.#usersByName.has(username)) throw new AppError("conflict", "username is taken");
    const user = { id: this.#newId(), username, displayName, bio: "", avatarUrl: null, role: "user", createdAt, lastSeenAt: null };
    this.#users.set(user.id, { user, passwordHash });
    this.#usersByName.set(username, user.id);
    return user;
  }

  userByName(username) {
    const id = this.#usersByName.get(username);
    return id === undefined ? null : this.#users.get(id);
  }

  userExists(id) {
    return this.#users.has(id);
  }

  // ---- conversations ----

  conversationDirectFind(userA, userB) {
    const id = this.#directs.get(directKey(userA, userB));
    return id === undefined ? null : this.conversationView(id, userA);
  }

  conversationCreate({ type, title, createdBy, memberIds, createdAt }) {
    const id = this.#newId();
    const members = new Map();
    for (const userId of memberIds) {
      const role = userId === createdBy ? "owner" : "member";
      members.set(userId, { userId, role, joinedAt: createdAt, deliveredSeq: 0, readSeq: 0 });
    }
    this.#conversations.set(id, { id, type, title, createdBy, members, lastSeq: 0, createdAt, lastActivityAt: createdAt, messages: [] });
    if (type === "direct") this.#directs.set(directKey(memberIds[0], memberIds[1]), id);
    return this.conversationView(id, createdBy);
  }

  /** The conversation as `viewer` sees it, or null when it does not exist. */
  conversationView(id, viewer) {
    const c = this.#conversations.get(id);
    if (!c) return null;
    const members = [...c.members.values()].map((m) => ({ ...m }));
    const own = c.members.get(viewer);
    return {
      id: c.id, type: c.type, title: c.title, createdBy: c.createdBy, members, lastSeq: c.lastSeq,
      lastMessage: this.#lastMessages.get(id) ?? null, unreadCount: own ? c.lastSeq - own.readSeq : 0,
      createdAt: c.createdAt, lastActivityAt: c.lastActivityAt,
    };
  }

  /** The member ids of a conversation, or null when `userId` is not one of them. */
  memberIdsIfMember(conversationId, userId) {
    const c = this.#conversations.get(conversationId);
    if (!c || !c.members.has(userId)) return null;
    return [...c.members.keys()];
  }

  isMember(conversationId, userId) {
    return this.#conversations.get(conversationId)?.members.has(userId) ?? false;
  }

  // ---- messages ----

  messageByClientId(senderId, clientMsgId) {
    return this.#messagesByClientId.get(`${senderId}\n${clientMsgId}`) ?? null;
  }

  messageGet(id) {
    return this.#messages.get(id) ?? null;
  }

  /** Appends a message with the conversation's next seq and moves the sender's cursors to it. */
  messageInsert({ conversationId, senderId, clientMsgId, body, replyTo, createdAt }) {
    const c = this.#conversations.get(conversationId);
    const seq = ++c.lastSeq;
    c.lastActivityAt = createdAt;
    const message = { id: this.#newId(), conversationId, seq, senderId, clientMsgId, body, replyTo, createdAt, editedAt: null };
    this.#messages.set(message.id, message);
    this.#messagesByClientId.set(`${senderId}\n${clientMsgId}`, message);
    this.#lastMessages.set(conversationId, message);
    c.messages.push(message); // seqs are gapless from 1, so the message of seq s is at s - 1
    const sender = c.members.get(senderId);
    sender.deliveredSeq = seq;
    sender.readSeq = seq;
    return message;
  }

  /**
   * Up to `limit` messages ascending by seq: those after `after` (the oldest first) when it is
   * not null, else those before `before` (the newest first; null means the latest).
   * Two index computations and a slice, whatever the conversation's length.
   */
  messageList(conversationId, { before, after, limit }) {
    const all = this.#conversations.get(conversationId).messages;
    if (after !== null) return all.slice(after, after + limit);
    const end = before === null ? all.length : Math.min(before - 1, all.length);
    return all.slice(Math.max(0, end - limit), end);
  }

  // ---- cursors ----

  /** The member's cursors and the conversation's lastSeq, or null when not a member. */
  memberCursors(conversationId, userId) {
    const c = this.#conversations.get(conversationId);
    const m = c?.members.get(userId);
    return m ? { deliveredSeq: m.deliveredSeq, readSeq: m.readSeq, lastSeq: c.lastSeq } : null;
  }

  memberCursorsSet(conversationId, userId, deliveredSeq, readSeq) {
    const m = this.#conversations.get(conversationId).members.get(userId);
    m.deliveredSeq = deliveredSeq;
    m.readSeq = readSeq;
  }

  #newId() {
    return String(this.#nextId++);
  }
}

function directKey(a, b) {
  return BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`;
}
