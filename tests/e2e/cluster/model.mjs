// A chat client as an application would write one, instrumented to prove the cluster's
// delivery guarantees: one Member is one user's device.
//
// - It keeps, per conversation, every message it has (by seq), from live `message:new`,
//   from the acks of its own sends and from `sync`, and notes anything that breaks the
//   contract: two different messages under one seq, one message under two seqs, or a
//   `message:new` that is not in ascending seq order within one connection (the server
//   promises one ordered stream per connection, catch-up and live together).
//   Receiving a message it already has again on a new connection is normal (catch-up
//   starts from the delivered cursor) and is only counted.
// - On every (re)connect it sends `sync` with its cursors (the highest seq up to which it
//   has everything) and pages until `hasMore` is false; a gap seen on the live stream
//   (seq > cursor + 1) triggers the same for that conversation.
// - Sends go out with an ack timeout; an unanswered, refused-as-`unavailable` or
//   rate-limited send is sent again, with the same clientMsgId, until it is acked.
// - It reconnects by itself after any disconnect, always to `reconnectUrl` (nginx), with
//   a short backoff: a client of a killed node comes back through the balancer.

import { io } from "socket.io-client";

const CONNECT_TIMEOUT_MS = 5_000;
const ACK_TIMEOUT_MS = 5_000;
const RETRY_DELAY_MS = 250;

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something truthy; fails with `describe()` otherwise. */
export async function waitUntil(check, timeoutMs, describe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(50);
  }
}

let clientMsgCounter = 0;
export function newClientMsgId(prefix = "m") {
  clientMsgCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${clientMsgCounter}`;
}

export class Member {
  /**
   * `user`: {user:{id}, accessToken, username} as registered. `url`: where the first
   * connection goes (a node directly, or nginx); `reconnectUrl`: where every later one
   * goes (default: `url`). `options`: extra socket.io-client options (`transports`).
   * `conversations`: ids this member belongs to (its sync cursors).
   */
  constructor({ user, url, reconnectUrl = url, options = {}, conversations = [], label }) {
    this.user = user;
    this.id = user.user.id;
    this.label = label ?? user.username;
    this.firstUrl = url;
    this.reconnectUrl = reconnectUrl;
    this.options = options;
    this.conversations = new Set(conversations);

    this.seen = new Map(); // conversationId -> Map(seq -> message)
    this.seqOfId = new Map(); // message id -> `${conversationId}/${seq}`
    this.cursor = new Map(); // conversationId -> highest seq with everything up to it
    this.problems = [];
    this.echoes = []; // message:new for a message sent through that same connection
    this.redelivered = 0;
    this.gapsDetected = 0;
    this.syncedMessages = 0;

    this.connections = []; // {epoch, url, transport, connectedAt, disconnectedAt, reason}
    this.connectErrors = [];
    this.current = null; // the live connection record, or null
    this.socket = null;
    this.closing = false;
    this.reconnectAttempt = 0;
    this.reconnectTimer = null;

    this.pending = new Map(); // clientMsgId -> send entry
    this.acked = new Map(); // clientMsgId -> {message, ackedAt, attempts}
    this.refusals = []; // {clientMsgId, code, at}
    this.presence = []; // presence events, in arrival order
    this.gapSyncTimers = new Map();
  }

  // ---- connection ----------------------------------------------------------------------

  /** Opens the first connection; resolves once it is connected (and its sync started). */
  async start() {
    this.open(this.firstUrl);
    await waitUntil(
      () => this.current?.connected,
      CONNECT_TIMEOUT_MS * 3,
      () => `${this.label} to connect to ${this.firstUrl}; errors: ${this.connectErrors.slice(-3).join(" | ")}`,
    );
    return this;
  }

  get connected() {
    return Boolean(this.current?.connected);
  }

  get transport() {
    return this.socket?.io?.engine?.transport?.name;
  }

  open(url) {
    const record = {
      epoch: this.connections.length + 1,
      url,
      transport: null,
      connected: false,
      lastLive: new Map(),
      sent: new Set(), // clientMsgIds sent through this connection
    };
    this.connections.push(record);
    const socket = io(url, {
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      auth: { token: this.user.accessToken },
      ...this.options,
    });
    this.socket = socket;
    socket.on("connect", () => {
      record.connected = true;
      record.connectedAt = Date.now();
      record.transport = socket.io.engine?.transport?.name;
      this.current = record;
      this.reconnectAttempt = 0;
      socket.io.engine?.on("upgrade", (transport) => {
        record.transport = transport.name;
      });
      this.onConnected(record, socket);
    });
    socket.on("connect_error", (error) => {
      this.connectErrors.push(`${url}: ${error.message}${error.data?.code ? ` (${error.data.code})` : ""}`);
      this.lost(record, socket, `connect_error: ${error.message}`);
    });
    socket.on("disconnect", (reason) => this.lost(record, socket, reason));
    socket.on("message:new", (message) => this.onLive(record, message));
    socket.on("presence", (presence) => this.presence.push(presence));
  }

  lost(record, socket, reason) {
    if (record.ended) return;
    record.ended = true;
    record.connected = false;
    record.disconnectedAt = Date.now();
    record.reason = reason;
    if (this.current === record) this.current = null;
    socket.removeAllListeners();
    socket.on("connect_error", () => {});
    socket.close();
    if (this.closing) return;
    // Backoff 100 ms .. 1 s with jitter, like socket.io-client's own reconnection.
    const delay = Math.min(1_000, 100 * 2 ** this.reconnectAttempt) * (0.5 + Math.random() / 2);
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closing) this.open(this.reconnectUrl);
    }, delay);
  }

  close() {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    for (const timer of this.gapSyncTimers.values()) clearTimeout(timer);
    this.socket?.removeAllListeners();
    this.socket?.on("connect_error", () => {});
    this.socket?.close();
    this.current = null;
    for (const entry of this.pending.values()) entry.reject(new Error(`${this.label} closed with the send unacked`));
  }

  onConnected(record, socket) {
    for (const entry of this.pending.values()) this.trySend(entry);
    this.syncAll(record, socket, [...this.conversations]).then(() => {
      record.synced = true;
    });
  }

  // ---- receiving ------------------------------------------------------------------------

  onLive(record, message) {
    const conversationId = message.conversationId;
    const last = record.lastLive.get(conversationId);
    if (last !== undefined && message.seq <= last) {
      this.problem(
        `connection ${record.epoch} (${record.url}): message:new seq ${message.seq} after seq ${last} ` +
          `in conversation ${conversationId} (out of order or duplicated on one connection)`,
      );
    }
    record.lastLive.set(conversationId, Math.max(last ?? 0, message.seq));
    if (message.senderId === this.id && record.sent.has(message.clientMsgId)) {
      this.echoes.push(
        `${this.label}: connection ${record.epoch} got message:new ${conversationId}/${message.seq} it sent itself`,
      );
    }
    this.keep(message);
    if (message.seq > (this.cursor.get(conversationId) ?? 0) + 1) this.scheduleGapSync(conversationId);
  }

  /** Stores a message; returns false when it was already there. */
  keep(message) {
    const conversationId = message.conversationId;
    this.conversations.add(conversationId);
    let bySeq = this.seen.get(conversationId);
    if (!bySeq) this.seen.set(conversationId, (bySeq = new Map()));
    const where = `${conversationId}/${message.seq}`;
    const knownAt = this.seqOfId.get(message.id);
    if (knownAt !== undefined && knownAt !== where) {
      this.problem(`message ${message.id} arrived as ${where} but earlier as ${knownAt}`);
    }
    const existing = bySeq.get(message.seq);
    if (existing) {
      if (existing.id !== message.id) {
        this.problem(
          `two messages under ${where}: ${existing.id} (${existing.clientMsgId}) and ${message.id} (${message.clientMsgId})`,
        );
      }
      this.redelivered += 1;
      return false;
    }
    bySeq.set(message.seq, message);
    this.seqOfId.set(message.id, where);
    let cursor = this.cursor.get(conversationId) ?? 0;
    while (bySeq.has(cursor + 1)) cursor += 1;
    this.cursor.set(conversationId, cursor);
    return true;
  }

  scheduleGapSync(conversationId) {
    if (this.gapSyncTimers.has(conversationId)) return;
    this.gapsDetected += 1;
    // A moment's grace: the missing seq may be on its way (another sync answer).
    this.gapSyncTimers.set(
      conversationId,
      setTimeout(() => {
        this.gapSyncTimers.delete(conversationId);
        const seqs = this.seen.get(conversationId);
        const highest = seqs ? Math.max(...seqs.keys()) : 0;
        if (this.current && highest > (this.cursor.get(conversationId) ?? 0)) {
          this.syncAll(this.current, this.socket, [conversationId]);
        }
      }, 100),
    );
  }

  /** sync for `conversationIds` from the cursors, page by page, while `record` is live. */
  async syncAll(record, socket, conversationIds) {
    if (conversationIds.length === 0) return;
    const cursors = Object.fromEntries(conversationIds.map((id) => [id, this.cursor.get(id) ?? 0]));
    for (let page = 0; page < 10_000; page += 1) {
      if (!record.connected || this.closing) return;
      let answer;
      try {
        answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("sync", { cursors });
      } catch {
        if (!record.connected || this.closing) return;
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      if (answer?.ok !== true) {
        if (answer?.error?.code !== "unavailable") {
          this.problem(`sync refused: ${JSON.stringify(answer)}`);
          return;
        }
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      for (const message of answer.messages) {
        if (this.keep(message)) this.syncedMessages += 1;
        cursors[message.conversationId] = Math.max(cursors[message.conversationId] ?? 0, message.seq);
      }
      if (!answer.hasMore) return;
    }
  }

  // ---- sending --------------------------------------------------------------------------

  /**
   * message:send until it is acked: resolves with the message. Sent again with the same
   * clientMsgId after a timeout, a disconnect, `unavailable` or `rate_limited`; any other
   * refusal rejects (and is a problem).
   */
  send(conversationId, body, clientMsgId = newClientMsgId(this.label)) {
    this.conversations.add(conversationId);
    return new Promise((resolve, reject) => {
      const entry = {
        conversationId,
        clientMsgId,
        body,
        attempts: 0,
        attempt: null,
        resolve,
        reject,
        firstAt: Date.now(),
      };
      this.pending.set(clientMsgId, entry);
      this.trySend(entry);
    });
  }

  trySend(entry) {
    const record = this.current;
    if (!record?.connected || this.closing || !this.pending.has(entry.clientMsgId)) return;
    if (entry.attempt?.record === record) return; // already in flight on this connection
    const attempt = { record };
    entry.attempt = attempt;
    entry.attempts += 1;
    // Echo check only where nothing but an echo could bring the message back: its first
    // attempt, on a connection whose catch-up and first sync are over.
    if (entry.attempts === 1 && record.synced && Date.now() - record.connectedAt >= 500)
      record.sent.add(entry.clientMsgId);
    const payload = { conversationId: entry.conversationId, clientMsgId: entry.clientMsgId, body: entry.body };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("message:send", payload, (error, answer) => {
      if (entry.attempt === attempt) entry.attempt = null;
      if (error) {
        // No answer (timeout, or the connection went): the next connection resends it.
        if (this.current === record) this.trySend(entry);
        return;
      }
      this.onSendAnswer(entry, answer);
    });
  }

  onSendAnswer(entry, answer) {
    if (answer?.ok === true) {
      const message = answer.message;
      const earlier = this.acked.get(entry.clientMsgId);
      if (earlier && earlier.message.id !== message.id) {
        this.problem(`clientMsgId ${entry.clientMsgId} acked as ${earlier.message.id} and again as ${message.id}`);
      }
      if (!earlier) this.acked.set(entry.clientMsgId, { message, ackedAt: Date.now(), attempts: entry.attempts });
      this.keep(message);
      if (this.pending.delete(entry.clientMsgId)) entry.resolve(message);
      return;
    }
    const code = answer?.error?.code;
    this.refusals.push({ clientMsgId: entry.clientMsgId, code, at: Date.now() });
    if (code === "unavailable" || code === "rate_limited") {
      const delay = code === "rate_limited" ? (answer.error.retryAfter ?? 1) * 1_000 : RETRY_DELAY_MS;
      setTimeout(() => this.trySend(entry), delay);
      return;
    }
    this.problem(`message:send ${entry.clientMsgId} refused: ${JSON.stringify(answer)}`);
    this.pending.delete(entry.clientMsgId);
    entry.reject(new Error(`${this.label}: message:send refused: ${JSON.stringify(answer)}`));
  }

  /**
   * One message:send attempt on the current connection, no retry: resolves with the ack
   * (rejects on timeout). An ok answer is recorded like send()'s.
   */
  async sendOnce(payload, timeoutMs = ACK_TIMEOUT_MS) {
    if (!this.connected) throw new Error(`${this.label}: not connected`);
    this.conversations.add(payload.conversationId);
    const answer = await this.socket.timeout(timeoutMs).emitWithAck("message:send", payload);
    if (answer?.ok === true) {
      const earlier = this.acked.get(payload.clientMsgId);
      if (earlier && earlier.message.id !== answer.message.id) {
        this.problem(
          `clientMsgId ${payload.clientMsgId} acked as ${earlier.message.id} and again as ${answer.message.id}`,
        );
      }
      if (!earlier) this.acked.set(payload.clientMsgId, { message: answer.message, ackedAt: Date.now(), attempts: 1 });
      this.keep(answer.message);
    }
    return answer;
  }

  problem(text) {
    this.problems.push(`${this.label}: ${text}`);
  }

  /** Messages of `conversationId` this member has, by ascending seq. */
  messages(conversationId) {
    const bySeq = this.seen.get(conversationId) ?? new Map();
    return [...bySeq.keys()].sort((a, b) => a - b).map((seq) => bySeq.get(seq));
  }
}
