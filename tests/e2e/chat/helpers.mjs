// Shared plumbing of the chat end-to-end tests: real socket.io-client connections to the
// real `talkline` binary (started by tests/integration/harness.mjs), with every event a
// socket receives recorded so a test can wait for it, count it, or prove its absence.
//
//   const ctx = useChatServer({ TALKLINE_TYPING_EXPIRY_MS: "500" });   // one server per file
//   const [alice, bob] = await ctx.users(2);
//   const a = await ctx.connect(alice, TRANSPORTS[0].options);
//   await a.waitEvent("message:new", (m) => m.seq === 3);
//
// Every client opened through connect()/rawConnect() is closed after the test that
// opened it (afterEach), so tests stay independent even when one fails half-way.

import assert from "node:assert/strict";
import { afterEach } from "node:test";
import { io } from "socket.io-client";
import WebSocket from "ws";

import { registerUser, uniqueSuffix, useServer } from "../../integration/harness.mjs";

/** Longest any single wait may take before it counts as a failure. */
export const WAIT_MS = 5000;

/**
 * How long a test lets the server go on after the last awaited event before it
 * concludes that something did *not* happen (no echo, no duplicate, no presence).
 * Only used for negative assertions, never to wait for an event that can be awaited.
 */
export const SETTLE_MS = 300;

/** Both ways a socket.io-client reaches the server. */
export const TRANSPORTS = [
  { name: "polling then websocket upgrade", options: {} },
  { name: "websocket only", options: { transports: ["websocket"] } },
];

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with a message naming `what` unless `promise` settles within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) until it returns a truthy value; that value is the result. */
export async function eventually(check, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

// ---- clients ------------------------------------------------------------------------

const openClients = new Set();

/** Closes every client opened since the last call. */
export function closeAllClients() {
  for (const client of openClients) client.close();
  openClients.clear();
}

/**
 * A socket.io-client socket that records every server event (payload = first argument)
 * in arrival order and lets tests wait on that record.
 */
export class ChatClient {
  constructor(socket, label) {
    this.socket = socket;
    this.label = label;
    /** Every event received, in order: {event, payload}. */
    this.log = [];
    this.disconnectReason = null;
    this.upgraded = false;
    this.waiters = new Set();
    socket.onAny((event, ...args) => this.record(event, args[0]));
    socket.on("disconnect", (reason) => {
      this.disconnectReason = reason;
      this.wake();
    });
    socket.io.on("open", () => {
      socket.io.engine.on("upgrade", () => {
        this.upgraded = true;
        this.wake();
      });
    });
    openClients.add(this);
  }

  record(event, payload) {
    this.log.push({ event, payload });
    this.wake();
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  get connected() {
    return this.socket.connected;
  }

  /** Name of the Engine.IO transport in use now ("polling" or "websocket"). */
  get transport() {
    return this.socket.io.engine?.transport?.name;
  }

  /** Payloads of every `event` received so far that match `filter`. */
  events(event, filter = () => true) {
    return this.log.filter((e) => e.event === event && filter(e.payload)).map((e) => e.payload);
  }

  /** Resolves once `check()` returns a truthy value, re-checked on every event. */
  until(check, what, timeoutMs = WAIT_MS) {
    const now = check();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        let value;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; ` +
              `received: ${summarize(this.log)}; disconnect: ${this.disconnectReason}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** The first `event` payload (ever received) matching `filter`. */
  waitEvent(event, filter = () => true, timeoutMs = WAIT_MS) {
    return this.until(() => this.log.find((e) => e.event === event && filter(e.payload))?.payload, `"${event}"`, timeoutMs);
  }

  /** Resolves with the matching `event` payloads once there are at least `count` of them. */
  waitEvents(event, count, filter = () => true, timeoutMs = WAIT_MS) {
    return this.until(
      () => {
        const found = this.events(event, filter);
        return found.length >= count ? found : null;
      },
      `${count} "${event}" events`,
      timeoutMs,
    );
  }

  /** Resolves with the disconnect reason once the socket is disconnected. */
  waitDisconnect(timeoutMs = WAIT_MS) {
    return this.until(() => this.disconnectReason, "disconnect", timeoutMs);
  }

  /** Resolves once the Engine.IO transport was upgraded to WebSocket. */
  waitUpgrade(timeoutMs = WAIT_MS) {
    return this.until(() => this.upgraded && this.transport === "websocket", "the websocket upgrade", timeoutMs);
  }

  /** Emits `event` with `payload` and resolves with the server's ack. */
  ack(event, payload, timeoutMs = WAIT_MS) {
    return withTimeout(this.socket.emitWithAck(event, payload), timeoutMs, `${this.label}: ack of ${event}`);
  }

  /** message:send that must succeed; resolves with the message. */
  async send(conversationId, body, clientMsgId = `c-${uniqueSuffix(12)}`) {
    const answer = await this.ack("message:send", { conversationId, clientMsgId, body });
    assert.equal(answer?.ok, true, `${this.label}: message:send refused: ${JSON.stringify(answer)}`);
    return answer.message;
  }

  /** The `message:new` payloads received for `conversationId`, in arrival order. */
  messages(conversationId) {
    return this.events("message:new", (m) => m.conversationId === conversationId);
  }

  /** Waits until `count` messages of `conversationId` arrived; returns them. */
  waitMessages(conversationId, count, timeoutMs = WAIT_MS) {
    return this.waitEvents("message:new", count, (m) => m.conversationId === conversationId, timeoutMs);
  }

  close() {
    openClients.delete(this);
    this.socket.disconnect();
  }
}

function summarize(log) {
  const counts = {};
  for (const { event } of log) counts[event] = (counts[event] ?? 0) + 1;
  return JSON.stringify(counts);
}

/**
 * Opens a socket.io-client connection with `auth: {token}` (no auth at all when
 * `token` is undefined) and resolves once it is connected; rejects with the
 * connect_error otherwise. Events are recorded from before the connection.
 */
export async function connectSocket(baseUrl, token, options = {}, label = "client") {
  const auth = token === undefined ? undefined : { token };
  const socket = io(baseUrl, { forceNew: true, reconnection: false, timeout: WAIT_MS, ...(auth ? { auth } : {}), ...options });
  const client = new ChatClient(socket, label);
  try {
    await withTimeout(
      new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      }),
      WAIT_MS,
      `${label} to connect`,
    );
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

/** Resolves with the connect_error of a connection attempt that must be refused. */
export async function connectRefused(baseUrl, token, options = {}) {
  try {
    const client = await connectSocket(baseUrl, token, options, "refused");
    client.close();
  } catch (error) {
    if (/timed out/.test(error.message)) throw error;
    return error;
  }
  assert.fail("the connection was accepted, expected connect_error");
}

/**
 * A bare WebSocket that speaks just enough Engine.IO v4 / Socket.IO v5 to be an
 * authenticated chat connection: open packet, CONNECT with {token}, pongs to pings.
 * Counts the `message:new` events it reads. `pause()` stops reading from the TCP
 * socket altogether, like a client whose network or event loop stalled.
 */
export class RawSocketIoClient {
  static async open(baseUrl, token) {
    const url = `${baseUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    const client = new RawSocketIoClient(new WebSocket(url));
    await client.until(() => client.open, "the Engine.IO open packet");
    client.ws.send(`40${JSON.stringify({ token })}`);
    await client.until(() => client.connectAnswer, "the Socket.IO CONNECT answer");
    assert.ok(client.connectAnswer.startsWith("40"), `CONNECT refused: ${client.connectAnswer}`);
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.open = null;
    this.connectAnswer = null;
    this.messageNew = [];
    this.closed = false;
    this.closeInfo = null;
    this.waiters = new Set();
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text.startsWith("0")) this.open = JSON.parse(text.slice(1));
      else if (text === "2") ws.send("3");
      else if (text.startsWith("40") || text.startsWith("44")) this.connectAnswer = text;
      else if (text.startsWith("42")) {
        const [event, payload] = JSON.parse(text.slice(2));
        if (event === "message:new") this.messageNew.push(payload);
      }
      this.wake();
    });
    const onClose = (info) => {
      this.closed = true;
      this.closeInfo ??= info;
      this.wake();
    };
    ws.on("close", (code, reason) => onClose({ code, reason: reason.toString() }));
    ws.on("error", (error) => onClose({ error: error.message }));
    openClients.add(this);
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  until(check, what, timeoutMs = WAIT_MS) {
    if (check()) return Promise.resolve(true);
    return withTimeout(
      new Promise((resolve) => {
        const waiter = () => {
          if (check()) {
            this.waiters.delete(waiter);
            resolve(true);
          }
        };
        this.waiters.add(waiter);
      }),
      timeoutMs,
      `raw client: ${what}`,
    );
  }

  /** Stops reading: the kernel buffers fill, then the server's queue for us grows. */
  pause() {
    this.ws._socket.pause();
  }

  resume() {
    this.ws._socket.resume();
  }

  close() {
    openClients.delete(this);
    this.ws.terminate();
  }
}

// ---- server, users, conversations ---------------------------------------------------

/**
 * Starts one server for the calling test file (before/after hooks) and closes each
 * test's clients after it. Returns a context whose fields are filled once the server
 * is up: server, client (HTTP), baseUrl, plus helpers bound to the server.
 */
export function useChatServer(env = {}) {
  const ctx = {};
  useServer(
    ({ server, client }) => {
      ctx.server = server;
      ctx.client = client;
      ctx.baseUrl = server.baseUrl;
    },
    { env },
  );
  afterEach(() => closeAllClients());
  Object.assign(ctx, bindHelpers(() => ctx));
  return ctx;
}

function bindHelpers(get) {
  return {
    /** Registers `n` fresh users. */
    users: (n, prefix = "u") => Promise.all(Array.from({ length: n }, () => registerUser(get().client, prefix))),
    /** A direct conversation between `a` and `b`. */
    direct: (a, b) => directConversation(get().client, a, b),
    /** A group owned by `owner` with `members`. */
    group: (owner, members) => groupConversation(get().client, owner, members),
    /** A connected ChatClient for `user` (label names it in failures). */
    connect: (user, options = {}, label = user.username) => connectSocket(get().baseUrl, user.accessToken, options, label),
    /** POST /conversations/{id}/messages; resolves with the message. */
    httpSend: (user, conversationId, body, clientMsgId = `h-${uniqueSuffix(12)}`) =>
      httpSend(get().client, user, conversationId, body, clientMsgId),
    /** Every message of a conversation via GET .../messages, oldest first. */
    history: (user, conversationId) => history(get().client, user, conversationId),
    /** The caller's entry for `conversationId` in GET /conversations. */
    listed: (user, conversationId) => listedConversation(get().client, user, conversationId),
    /** A second login session of `user`: {accessToken, refreshToken, ...}. */
    login: (user) => login(get().client, user),
  };
}

export async function directConversation(client, a, b) {
  const res = await client.post("/api/v1/conversations", {
    token: a.accessToken,
    body: { type: "direct", userId: b.user.id },
  });
  assert.ok(res.status === 201 || res.status === 200, `create direct: ${res.status} ${res.text}`);
  return res.json;
}

export async function groupConversation(client, owner, members) {
  const res = await client.post("/api/v1/conversations", {
    token: owner.accessToken,
    body: { type: "group", title: `Group ${uniqueSuffix(6)}`, memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, `create group: ${res.status} ${res.text}`);
  return res.json;
}

export async function httpSend(client, user, conversationId, body, clientMsgId) {
  const res = await client.post(`/api/v1/conversations/${conversationId}/messages`, {
    token: user.accessToken,
    body: { clientMsgId, body },
  });
  assert.ok(res.status === 201 || res.status === 200, `HTTP send: ${res.status} ${res.text}`);
  return res.json;
}

export async function history(client, user, conversationId) {
  const items = [];
  let after = "0";
  for (let page = 0; page < 1000; page += 1) {
    const res = await client.get(`/api/v1/conversations/${conversationId}/messages?limit=100&after=${after}`, {
      token: user.accessToken,
    });
    assert.equal(res.status, 200, `history: ${res.status} ${res.text}`);
    items.push(...res.json.items);
    if (res.json.nextCursor === null) return items;
    after = res.json.nextCursor;
  }
  assert.fail("history did not end");
}

export async function listedConversation(client, user, conversationId) {
  const res = await client.get("/api/v1/conversations?limit=100", { token: user.accessToken });
  assert.equal(res.status, 200, `list conversations: ${res.status} ${res.text}`);
  const found = res.json.items.find((c) => c.id === conversationId);
  assert.ok(found, `conversation ${conversationId} missing from GET /conversations: ${res.text}`);
  return found;
}

export async function login(client, user) {
  const res = await client.post("/api/v1/auth/login", { body: { username: user.username, password: user.password } });
  assert.equal(res.status, 200, `login: ${res.status} ${res.text}`);
  return { ...user, accessToken: res.json.accessToken, refreshToken: res.json.refreshToken };
}

/** Asserts `seqs` is exactly `from, from+1, …, to`. */
export function assertSeqRun(seqs, from, to, what = "seqs") {
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.deepEqual(seqs, expected, `${what}: expected ${from}..${to} in order without gaps or duplicates`);
}

/** Asserts an error ack with `code` and, when given, a fields[] entry naming `field`. */
export function assertErrorAck(answer, code, field) {
  assert.equal(answer?.ok, false, `expected an error ack, got ${JSON.stringify(answer)}`);
  assert.equal(answer.error?.code, code, `error code: ${JSON.stringify(answer)}`);
  assert.equal(typeof answer.error.message, "string");
  if (field !== undefined) {
    assert.ok(
      Array.isArray(answer.error.fields) && answer.error.fields.some((f) => f.field === field),
      `expected error fields to name ${field}: ${JSON.stringify(answer)}`,
    );
  }
  return answer.error;
}

export { uniqueSuffix };
