// The `sqlite` mode store: better-sqlite3 in WAL mode with synchronous=FULL, so every
// committed transaction is on disk (fsynced) before the call returns. Each message is one
// transaction, committed before its ack: the classic Node design, one process, one file.
// Same methods as MemoryStore; prepared statements throughout.

import Database from "better-sqlite3";

import { AppError } from "./errors.mjs";

const kSchema = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  title TEXT,
  created_by INTEGER NOT NULL,
  direct_key TEXT UNIQUE,
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  last_activity_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
  conversation_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL,
  delivered_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  client_msg_id TEXT NOT NULL,
  body TEXT NOT NULL,
  reply_to INTEGER,
  created_at TEXT NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (sender_id, client_msg_id)
);
`;

export class SqliteStore {
  constructor(path) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.exec(kSchema);
    const q = (sql) => this.db.prepare(sql);
    this.sql = {
      userInsert: q("INSERT INTO users (username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?)"),
      userByName: q("SELECT * FROM users WHERE username = ?"),
      userById: q("SELECT id FROM users WHERE id = ?"),
      directFind: q("SELECT id FROM conversations WHERE direct_key = ?"),
      conversationInsert: q(
        "INSERT INTO conversations (type, title, created_by, direct_key, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      memberInsert: q("INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)"),
      conversationGet: q("SELECT * FROM conversations WHERE id = ?"),
      members: q("SELECT * FROM members WHERE conversation_id = ? ORDER BY user_id"),
      memberIds: q("SELECT user_id FROM members WHERE conversation_id = ?").pluck(),
      isMember: q("SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?").pluck(),
      memberCursors: q(
        `SELECT m.delivered_seq, m.read_seq, c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.conversation_id = ? AND m.user_id = ?`,
      ),
      memberCursorsSet: q("UPDATE members SET delivered_seq = ?, read_seq = ? WHERE conversation_id = ? AND user_id = ?"),
      messageByClientId: q("SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?"),
      messageGet: q("SELECT * FROM messages WHERE id = ?"),
      messageBySeq: q("SELECT * FROM messages WHERE conversation_id = ? AND seq = ?"),
      // Both walk the UNIQUE (conversation_id, seq) index from the bound, as TalkLine's
      // list_messages does; the latest page is "before" an unreachable seq.
      historyBefore: q("SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"),
      historyAfter: q("SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
      seqNext: q("UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ? WHERE id = ? RETURNING last_seq").pluck(),
      messageInsert: q(
        `INSERT INTO messages (conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.conversationCreateTx = this.db.transaction((args) => this.#conversationCreate(args));
    this.messageInsertTx = this.db.transaction((args) => this.#messageInsert(args));
  }

  close() {
    this.db.close();
  }

  // ---- users ----

  userInsert({ username, displayName, passwordHash, createdAt }) {
    try {
      const { lastInsertRowid } = this.sql.userInsert.run(username, displayName, passwordHash, createdAt);
      return userView({ id: lastInsertRowid, username, display_name: displayName, created_at: createdAt });
    } catch (err) {
      if (err.code === "SQLITE_CONSTRAINT_UNIQUE") throw new AppError("conflict", "username is taken");
      throw err;
    }
  }

  userByName(username) {
    const row = this.sql.userByName.get(username);
    return row ? { user: userView(row), passwordHash: row.password_hash } : null;
  }

  userExists(id) {
    return this.sql.userById.get(id) !== undefined;
  }

  // ---- conversations ----

  conversationDirectFind(userA, userB) {
    const id = this.sql.directFind.get(directKey(userA, userB))?.id;
    return id === undefined ? null : this.conversationView(String(id), userA);
  }

  conversationCreate(args) {
    return this.conversationView(this.conversationCreateTx(args), args.createdBy);
  }

  #conversationCreate({ type, title, createdBy, memberIds, createdAt }) {
    const key = type === "direct" ? directKey(memberIds[0], memberIds[1]) : null;
    const id = String(this.sql.conversationInsert.run(type, title, createdBy, key, createdAt, createdAt).lastInsertRowid);
    for (const userId of memberIds) {
      this.sql.memberInsert.run(id, userId, userId === createdBy ? "owner" : "member", createdAt);
    }
    return id;
  }

  conversationView(id, viewer) {
    const c = this.sql.conversationGet.get(id);
    if (!c) return null;
    const members = this.sql.members.all(id).map((m) => ({
      userId: String(m.user_id), role: m.role, joinedAt: m.joined_at, deliveredSeq: m.delivered_seq, readSeq: m.read_seq,
    }));
    const own = members.find((m) => m.userId === viewer);
    const last = c.last_seq > 0 ? this.sql.messageBySeq.get(id, c.last_seq) : undefined;
    return {
      id: String(c.id), type: c.type, title: c.title, createdBy: String(c.created_by), members, lastSeq: c.last_seq,
      lastMessage: last ? messageView(last) : null, unreadCount: own ? c.last_seq - own.readSeq : 0,
      createdAt: c.created_at, lastActivityAt: c.last_activity_at,
    };
  }

  memberIdsIfMember(conversationId, userId) {
    const ids = this.sql.memberIds.all(conversationId).map(String);
    return ids.includes(userId) ? ids : null;
  }

  isMember(conversationId, userId) {
    return this.sql.isMember.get(conversationId, userId) !== undefined;
  }

  // ---- messages ----

  messageByClientId(senderId, clientMsgId) {
    const row = this.sql.messageByClientId.get(senderId, clientMsgId);
    return row ? messageView(row) : null;
  }

  messageGet(id) {
    const row = this.sql.messageGet.get(id);
    return row ? messageView(row) : null;
  }

  /** One transaction: next seq, the message row, the sender's cursors. Durable on return. */
  messageInsert(args) {
    return this.messageInsertTx(args);
  }

  #messageInsert({ conversationId, senderId, clientMsgId, body, replyTo, createdAt }) {
    const seq = this.sql.seqNext.get(createdAt, conversationId);
    const { lastInsertRowid } = this.sql.messageInsert.run(conversationId, seq, senderId, clientMsgId, body, replyTo, createdAt);
    this.sql.memberCursorsSet.run(seq, seq, conversationId, senderId);
    return { id: String(lastInsertRowid), conversationId, seq, senderId, clientMsgId, body, replyTo, createdAt, editedAt: null };
  }

  /** Same contract as MemoryStore.messageList: up to `limit` messages, ascending by seq. */
  messageList(conversationId, { before, after, limit }) {
    if (after !== null) return this.sql.historyAfter.all(conversationId, after, limit).map(messageView);
    const rows = this.sql.historyBefore.all(conversationId, before ?? Number.MAX_SAFE_INTEGER, limit);
    return rows.reverse().map(messageView);
  }

  // ---- cursors ----

  memberCursors(conversationId, userId) {
    const row = this.sql.memberCursors.get(conversationId, userId);
    return row ? { deliveredSeq: row.delivered_seq, readSeq: row.read_seq, lastSeq: row.last_seq } : null;
  }

  memberCursorsSet(conversationId, userId, deliveredSeq, readSeq) {
    this.sql.memberCursorsSet.run(deliveredSeq, readSeq, conversationId, userId);
  }
}

function directKey(a, b) {
  return BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`;
}

function userView(row) {
  return {
    id: String(row.id), username: row.username, displayName: row.display_name, bio: "", avatarUrl: null,
    role: "user", createdAt: row.created_at, lastSeenAt: null,
  };
}

function messageView(row) {
  return {
    id: String(row.id), conversationId: String(row.conversation_id), seq: row.seq, senderId: String(row.sender_id),
    clientMsgId: row.client_msg_id, body: row.body, replyTo: row.reply_to === null ? null : String(row.reply_to),
    createdAt: row.created_at, editedAt: null,
  };
}
