// Self-test of the peer: starts it in each mode on a free port and drives it with fetch and
// socket.io-client the way talkline-bench does; then two processes over one Redis with the
// Redis adapter, as one cluster. The redis cases start a throwaway redis-server and are
// skipped when there is none.
//
//   npm ci && node --test selftest.mjs

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { io } from "socket.io-client";

const kServer = fileURLToPath(new URL("./server.mjs", import.meta.url));
const kWaitMs = 5000;
// Loading socket.io and the Redis client takes seconds on a loaded machine.
const kStartMs = 30000;
const kSettleMs = 300;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kHaveRedis = spawnSync("redis-server", ["--version"]).status === 0;

/** A free loopback TCP port (free when asked; a race with other processes is unlikely here). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server without persistence; resolves once it accepts connections. */
async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "socketio-node-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start within ${kStartMs} ms: ${out}`));
    }, kStartMs);
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts server.mjs on port 0 and resolves once it printed its address. */
function startServer(args) {
  const child = spawn(process.execPath, [kServer, "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${kStartMs} ms: ${out}`));
    }, kStartMs);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /socketio-node listening on ([\d.]+):(\d+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: `http://${match[1]}:${match[2]}`,
        async stop() {
          child.kill("SIGTERM");
          assert.equal(await exited, 0, "server exits cleanly on SIGTERM");
        },
      });
    });
  });
}

async function post(url, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url + path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function get(url, path, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(url + path, { headers });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

/** A connected socket.io-client socket that records every server event it receives. */
async function connect(url, token, options = {}) {
  const socket = io(url, { auth: { token }, reconnection: false, forceNew: true, ...options });
  const log = [];
  socket.onAny((event, payload) => log.push({ event, payload }));
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const events = (name, match = () => true) => log.filter((e) => e.event === name && match(e.payload)).map((e) => e.payload);
  const waitFor = async (name, match) => {
    const deadline = Date.now() + kWaitMs;
    while (Date.now() < deadline) {
      const [found] = events(name, match);
      if (found) return found;
      await sleep(10);
    }
    assert.fail(`no ${name} within ${kWaitMs} ms`);
  };
  return { socket, events, waitFor, send: (event, payload) => socket.timeout(kWaitMs).emitWithAck(event, payload) };
}

for (const mode of ["memory", "sqlite", "redis"]) {
  describe(`socketio-node in ${mode} mode`, { skip: mode === "redis" && !kHaveRedis && "no redis-server" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "socketio-node-"));
    const args = ["--mode", mode, "--db", join(dir, "peer.db")];
    const sockets = [];
    let server, redis;
    before(async () => {
      if (mode !== "redis") return;
      redis = await startRedis();
      args.push("--redis", redis.url);
    });
    after(async () => {
      for (const s of sockets) s.socket.close();
      await server?.stop();
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const open = async (...a) => {
      const s = await connect(server.url, ...a);
      sockets.push(s);
      return s;
    };

    const password = "correct horse battery";
    const suffix = randomUUID().slice(0, 8);
    let alice, bob, carol, direct;

    test("serves /healthz and registers users", async () => {
      server = await startServer(args);
      const health = await fetch(`${server.url}/healthz`);
      assert.deepEqual([health.status, await health.json()], [200, { status: "ok" }]);
      const users = [];
      for (const name of ["alice", "bob", "carol"]) {
        const { status, body } = await post(server.url, "/api/v1/auth/register", { username: `${name}_${suffix}`, password });
        assert.equal(status, 201);
        assert.match(body.user.id, /^[0-9]+$/);
        assert.equal(typeof body.accessToken, "string");
        assert.equal(typeof body.refreshToken, "string");
        assert.equal(body.expiresIn, 900);
        users.push({ id: body.user.id, token: body.accessToken, username: body.user.username });
      }
      [alice, bob, carol] = users;
      const again = await post(server.url, "/api/v1/auth/register", { username: alice.username, password });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, "conflict");
    });

    test("logs in and refuses a wrong password", async () => {
      const ok = await post(server.url, "/api/v1/auth/login", { username: alice.username, password });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.user.id, alice.id);
      const wrong = await post(server.url, "/api/v1/auth/login", { username: alice.username, password: "wrong password" });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.code, "unauthenticated");
    });

    test("creates a direct conversation once per pair", async () => {
      const created = await post(server.url, "/api/v1/conversations", { type: "direct", userId: bob.id }, alice.token);
      assert.equal(created.status, 201);
      direct = created.body;
      assert.match(direct.id, /^[0-9]+$/);
      assert.equal(direct.type, "direct");
      assert.equal(direct.title, null);
      assert.equal(direct.lastSeq, 0);
      assert.deepEqual(direct.members.map((m) => m.userId).sort(), [alice.id, bob.id].sort());
      const existing = await post(server.url, "/api/v1/conversations", { type: "direct", userId: alice.id }, bob.token);
      assert.equal(existing.status, 200);
      assert.equal(existing.body.id, direct.id);
      const anonymous = await post(server.url, "/api/v1/conversations", { type: "direct", userId: bob.id });
      assert.equal(anonymous.status, 401);
    });

    test("refuses a socket without a valid token", async () => {
      for (const token of [undefined, "nope", `${alice.token}x`]) {
        await assert.rejects(connect(server.url, token), (err) => {
          assert.equal(err.data?.code, "unauthenticated");
          return true;
        });
      }
    });

    test("sends with ack, delivers message:new to others, dedups a retry", async () => {
      const a = await open(alice.token);
      const a2 = await open(alice.token, { transports: ["websocket"] });
      const b = await open(bob.token);
      const c = await open(carol.token);
      const clientMsgId = randomUUID();
      const payload = { conversationId: direct.id, clientMsgId, body: "hello bob" };

      const ack = await a.send("message:send", payload);
      assert.equal(ack.ok, true);
      const { message } = ack;
      assert.match(message.id, /^[0-9]+$/);
      assert.deepEqual(
        { conversationId: message.conversationId, seq: message.seq, senderId: message.senderId, clientMsgId: message.clientMsgId, body: message.body },
        { conversationId: direct.id, seq: 1, senderId: alice.id, clientMsgId, body: "hello bob" },
      );
      assert.ok(!Number.isNaN(Date.parse(message.createdAt)));
      assert.deepEqual(await b.waitFor("message:new"), message);
      assert.deepEqual(await a2.waitFor("message:new"), message, "the sender's other device gets it");

      const retry = await a.send("message:send", payload);
      assert.deepEqual(retry, { ok: true, message }, "a retry returns the original");
      const conflict = await a.send("message:send", { ...payload, body: "something else" });
      assert.equal(conflict.error.code, "conflict");

      const second = await a.send("message:send", { ...payload, clientMsgId: randomUUID(), body: "second" });
      assert.equal(second.message.seq, 2);
      await b.waitFor("message:new", (m) => m.seq === 2);
      await sleep(kSettleMs);
      assert.equal(a.events("message:new").length, 0, "the sending connection gets no echo");
      assert.deepEqual(b.events("message:new").map((m) => m.seq), [1, 2], "each delivered exactly once, in order");
      assert.equal(c.events("message:new").length, 0, "non-members get nothing");

      const outsider = await c.send("message:send", { ...payload, clientMsgId: randomUUID() });
      assert.equal(outsider.error.code, "not_found");
      const invalid = await a.send("message:send", { conversationId: direct.id, clientMsgId: "has space", body: "x" });
      assert.equal(invalid.error.code, "invalid_argument");
      assert.equal(invalid.error.fields[0].field, "clientMsgId");
    });

    test("moves receipt cursors forward only and tells the members", async () => {
      const [a, , b] = sockets;
      const delivered = await b.send("receipt:delivered", { conversationId: direct.id, seq: 2 });
      assert.deepEqual(delivered, { ok: true, conversationId: direct.id, deliveredSeq: 2, readSeq: 0 });
      const seen = await a.waitFor("receipt", (r) => r.type === "delivered");
      assert.deepEqual({ ...seen, at: undefined }, { conversationId: direct.id, userId: bob.id, type: "delivered", seq: 2, at: undefined });

      const read = await b.send("receipt:read", { conversationId: direct.id, seq: 1 });
      assert.deepEqual(read, { ok: true, conversationId: direct.id, deliveredSeq: 2, readSeq: 1 });
      await a.waitFor("receipt", (r) => r.type === "read" && r.seq === 1);

      const backwards = await b.send("receipt:delivered", { conversationId: direct.id, seq: 1 });
      assert.deepEqual(backwards, { ok: true, conversationId: direct.id, deliveredSeq: 2, readSeq: 1 });
      const past = await b.send("receipt:read", { conversationId: direct.id, seq: 3 });
      assert.equal(past.error.code, "invalid_argument");
      await sleep(kSettleMs);
      assert.equal(a.events("receipt").length, 2, "no receipt when no cursor moved");
    });

    test("creates a group and fans out to its members", async () => {
      const { status, body: group } = await post(
        server.url, "/api/v1/conversations", { type: "group", title: "Team", memberIds: [bob.id, carol.id] }, alice.token,
      );
      assert.equal(status, 201);
      assert.equal(group.title, "Team");
      assert.equal(group.members.length, 3);
      const [a, , b, c] = sockets;
      const ack = await a.send("message:send", { conversationId: group.id, clientMsgId: randomUUID(), body: "hi team" });
      assert.equal(ack.message.seq, 1);
      await b.waitFor("message:new", (m) => m.conversationId === group.id);
      await c.waitFor("message:new", (m) => m.conversationId === group.id);
    });

    describe("history", () => {
      const kCount = 55; // more than the default page of 50
      let group, sent;
      const history = (query, token = alice.token, id = group.id) => get(server.url, `/api/v1/conversations/${id}/messages${query}`, token);
      const seqs = (items) => items.map((m) => m.seq);
      const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

      test("fills a group with messages", async () => {
        ({ body: group } = await post(server.url, "/api/v1/conversations", { type: "group", title: "History", memberIds: [bob.id] }, alice.token));
        const [a] = sockets;
        sent = [];
        for (let i = 1; i <= kCount; i++) {
          const ack = await a.send("message:send", { conversationId: group.id, clientMsgId: randomUUID(), body: `history ${i}` });
          assert.equal(ack.message.seq, i);
          sent.push(ack.message);
        }
      });

      test("answers the latest page with the default limit, ascending, in the sent shape", async () => {
        const { status, type, body } = await history("");
        assert.equal(status, 200);
        assert.match(type, /^application\/json/);
        assert.deepEqual(Object.keys(body).sort(), ["items", "nextCursor"]);
        assert.deepEqual(body.items, sent.slice(kCount - 50), "the latest 50, as message:send acked them");
        assert.equal(body.nextCursor, "6", "a seq string: the oldest seq of the page");
        const member = await history("", bob.token);
        assert.deepEqual(member.body, body, "any member reads the same page");
        const exact = await history(`?limit=${kCount}`);
        assert.deepEqual([seqs(exact.body.items), exact.body.nextCursor], [range(1, kCount), null], "no cursor when nothing is left");
        const one = await history("?limit=1");
        assert.deepEqual([seqs(one.body.items), one.body.nextCursor], [[kCount], String(kCount)]);
        const max = await history("?limit=100");
        assert.deepEqual([max.status, max.body.items.length, max.body.nextCursor], [200, kCount, null]);
      });

      test("pages to older messages with before", async () => {
        const pages = [];
        let cursor = "";
        do {
          const { status, body } = await history(`?limit=20${cursor && `&before=${cursor}`}`);
          assert.equal(status, 200);
          pages.push([seqs(body.items), body.nextCursor]);
          cursor = body.nextCursor;
        } while (cursor !== null);
        assert.deepEqual(pages, [[range(36, 55), "36"], [range(16, 35), "16"], [range(1, 15), null]]);
        const inside = await history("?before=10&limit=3");
        assert.deepEqual([seqs(inside.body.items), inside.body.nextCursor], [[7, 8, 9], "7"]);
        const start = await history("?before=1");
        assert.deepEqual(start.body, { items: [], nextCursor: null });
        const beyond = await history("?before=9223372036854775807&limit=2");
        assert.deepEqual(seqs(beyond.body.items), [54, 55], "a bound past the end reads the latest");
      });

      test("pages to newer messages with after", async () => {
        const pages = [];
        let cursor = "0"; // after=0: from the start
        do {
          const { status, body } = await history(`?after=${cursor}&limit=20`);
          assert.equal(status, 200);
          pages.push([seqs(body.items), body.nextCursor]);
          cursor = body.nextCursor;
        } while (cursor !== null);
        assert.deepEqual(pages, [[range(1, 20), "20"], [range(21, 40), "40"], [range(41, 55), null]]);
        const def = await history("?after=3");
        assert.deepEqual([seqs(def.body.items), def.body.nextCursor], [range(4, 53), "53"], "default limit going newer too");
        const end = await history(`?after=${kCount}`);
        assert.deepEqual(end.body, { items: [], nextCursor: null });
        const last = await history("?after=1&after=50", alice.token);
        assert.deepEqual(seqs(last.body.items), range(51, 55), "a repeated key: the last value wins, as in TalkLine");
      });

      test("refuses bad limit, before and after with 400", async () => {
        const cases = [
          ["?limit=0", "limit"], ["?limit=101", "limit"], ["?limit=-1", "limit"], ["?limit=abc", "limit"],
          ["?limit=", "limit"], ["?limit=1.5", "limit"], ["?limit=%205", "limit"],
          ["?before=0", "before"], ["?before=abc", "before"], ["?before=", "before"], ["?before=-3", "before"],
          ["?before=9223372036854775808", "before"], ["?after=-1", "after"], ["?after=x", "after"], ["?after=00", "after"],
          ["?before=5&after=1", "before"],
        ];
        for (const [query, field] of cases) {
          const { status, type, body } = await history(query);
          assert.equal(status, 400, query);
          assert.match(type, /^application\/problem\+json/);
          assert.deepEqual([body.status, body.code, body.errors[0].field], [400, "invalid_argument", field], query);
        }
        const outsider = await history("?limit=0", carol.token);
        assert.equal(outsider.status, 400, "parameters are checked before membership, as in TalkLine");
      });

      test("answers 404 to a non-member, an unknown conversation and a malformed id; 401 without a token", async () => {
        for (const [token, id] of [[carol.token, group.id], [alice.token, "999999999"], [alice.token, "0"], [alice.token, "abc"]]) {
          const { status, type, body } = await history("", token, id);
          assert.equal(status, 404, `conversation ${id}`);
          assert.match(type, /^application\/problem\+json/);
          assert.deepEqual([body.status, body.code, body.title], [404, "not_found", "conversation not found"]);
        }
        const anonymous = await history("", null);
        assert.deepEqual([anonymous.status, anonymous.body.code], [401, "unauthenticated"]);
      });
    });

    if (mode === "sqlite") {
      test("keeps acked messages across a restart", async () => {
        const [a] = sockets;
        const clientMsgId = randomUUID();
        const payload = { conversationId: direct.id, clientMsgId, body: "before restart" };
        const { message } = await a.send("message:send", payload);
        for (const s of sockets.splice(0)) s.socket.close();
        await server.stop();

        server = await startServer(args);
        const login = await post(server.url, "/api/v1/auth/login", { username: alice.username, password });
        assert.equal(login.status, 200);
        const a2 = await open(login.body.accessToken);
        assert.deepEqual(await a2.send("message:send", payload), { ok: true, message }, "the retry finds the committed message");
        const next = await a2.send("message:send", { ...payload, clientMsgId: randomUUID(), body: "after restart" });
        assert.equal(next.message.seq, message.seq + 1);
        const { body } = await get(server.url, `/api/v1/conversations/${direct.id}/messages?limit=2`, login.body.accessToken);
        assert.deepEqual(body.items, [message, next.message], "history reads the committed rows");
      });
    }
  });
}

describe("two processes over one Redis (--mode redis --adapter redis)", { skip: !kHaveRedis && "no redis-server" }, () => {
  const sockets = [];
  let redis, nodeA, nodeB;
  before(async () => {
    redis = await startRedis();
    const args = ["--mode", "redis", "--redis", redis.url, "--adapter", "redis", "--secret", `selftest-${randomUUID()}`];
    [nodeA, nodeB] = await Promise.all([startServer(args), startServer(args)]);
  });
  after(async () => {
    for (const s of sockets) s.socket.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
  });
  const open = async (node, token) => {
    const s = await connect(node.url, token, { transports: ["websocket"] });
    sockets.push(s);
    return s;
  };

  const password = "correct horse battery";
  const suffix = randomUUID().slice(0, 8);
  let alice, bob, carol, direct;

  test("shares users and tokens: registered on one process, logged in on the other", async () => {
    const users = [];
    for (const name of ["alice", "bob", "carol"]) {
      const { status, body } = await post(nodeA.url, "/api/v1/auth/register", { username: `${name}_${suffix}`, password });
      assert.equal(status, 201);
      users.push({ id: body.user.id, token: body.accessToken, username: body.user.username });
    }
    [alice, bob, carol] = users;
    const login = await post(nodeB.url, "/api/v1/auth/login", { username: bob.username, password });
    assert.deepEqual([login.status, login.body.user.id], [200, bob.id]);
    const taken = await post(nodeB.url, "/api/v1/auth/register", { username: alice.username, password });
    assert.equal(taken.status, 409, "a name taken on the other process");
    const existing = await post(nodeB.url, "/api/v1/conversations", { type: "direct", userId: alice.id }, bob.token);
    assert.equal(existing.status, 201, "a token from process A is valid on process B");
    direct = existing.body;
    const again = await post(nodeA.url, "/api/v1/conversations", { type: "direct", userId: bob.id }, alice.token);
    assert.deepEqual([again.status, again.body.id], [200, direct.id], "one direct conversation per pair, whichever process is asked");
  });

  test("delivers across processes exactly once, in seq order, and dedups a retry sent through the other process", async () => {
    const a = await open(nodeA, alice.token);
    const aOnB = await open(nodeB, alice.token);
    const b = await open(nodeB, bob.token);
    const c = await open(nodeA, carol.token);
    const sent = [];
    for (let i = 0; i < 10; i++) {
      // Both users send, each through its own process, so seqs interleave between processes.
      const [from, text] = i % 2 === 0 ? [a, `from alice ${i}`] : [b, `from bob ${i}`];
      const ack = await from.send("message:send", { conversationId: direct.id, clientMsgId: randomUUID(), body: text });
      assert.equal(ack.ok, true);
      sent.push(ack.message);
    }
    assert.deepEqual(sent.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "one seq counter for both processes");
    const fromAlice = sent.filter((m) => m.senderId === alice.id);
    const fromBob = sent.filter((m) => m.senderId === bob.id);
    await b.waitFor("message:new", (m) => m.seq === fromAlice.at(-1).seq);
    await a.waitFor("message:new", (m) => m.seq === fromBob.at(-1).seq);
    await aOnB.waitFor("message:new", (m) => m.seq === 10);
    await sleep(kSettleMs);
    assert.deepEqual(b.events("message:new"), fromAlice, "bob (process B) gets alice's messages from process A, once each, in order");
    assert.deepEqual(a.events("message:new"), fromBob, "alice (process A) gets bob's, and no echo of her own");
    // A device that hears from both processes gets each message once, each sender's in order,
    // but no order between the two: one arrives locally, the other through Redis pub/sub.
    const both = aOnB.events("message:new");
    assert.deepEqual(both.map((m) => m.seq).sort((x, y) => x - y), sent.map((m) => m.seq), "alice's other device gets both sides");
    assert.deepEqual(both.filter((m) => m.senderId === alice.id), fromAlice);
    assert.deepEqual(both.filter((m) => m.senderId === bob.id), fromBob);
    assert.equal(c.events("message:new").length, 0, "non-members get nothing");

    const original = fromAlice[0];
    const retry = await aOnB.send("message:send", { conversationId: direct.id, clientMsgId: original.clientMsgId, body: original.body });
    assert.deepEqual(retry, { ok: true, message: original }, "the retry finds the message committed through the other process");
    const outsider = await c.send("message:send", { conversationId: direct.id, clientMsgId: randomUUID(), body: "hi" });
    assert.equal(outsider.error.code, "not_found");
    await sleep(kSettleMs);
    assert.equal(b.events("message:new").length, fromAlice.length, "a retry delivers nothing again");

    const { body: page } = await get(nodeB.url, `/api/v1/conversations/${direct.id}/messages?limit=4`, bob.token);
    assert.deepEqual([page.items, page.nextCursor], [sent.slice(6), "7"], "history from either process");
  });

  test("moves cursors and fans receipts out across processes", async () => {
    // Alice's cursors stand at 9, her last send; bob's message 10 is unread.
    const [a, , b] = sockets;
    const read = await a.send("receipt:read", { conversationId: direct.id, seq: 10 });
    assert.deepEqual(read, { ok: true, conversationId: direct.id, deliveredSeq: 10, readSeq: 10 });
    const seen = await b.waitFor("receipt", (r) => r.type === "read");
    assert.deepEqual([seen.userId, seen.seq], [alice.id, 10], "bob, on the other process, hears of it");
    const backwards = await a.send("receipt:delivered", { conversationId: direct.id, seq: 3 });
    assert.deepEqual(backwards, { ok: true, conversationId: direct.id, deliveredSeq: 10, readSeq: 10 });
    const past = await a.send("receipt:read", { conversationId: direct.id, seq: 11 });
    assert.equal(past.error.code, "invalid_argument");
  });

  test("fans a group message out to members on both processes", async () => {
    const { status, body: group } = await post(
      nodeB.url, "/api/v1/conversations", { type: "group", title: "Both", memberIds: [bob.id, carol.id] }, alice.token,
    );
    assert.equal(status, 201);
    const [a, aOnB, b, c] = sockets;
    const ack = await a.send("message:send", { conversationId: group.id, clientMsgId: randomUUID(), body: "hi both" });
    assert.equal(ack.message.seq, 1);
    for (const s of [aOnB, b, c]) assert.deepEqual(await s.waitFor("message:new", (m) => m.conversationId === group.id), ack.message);
  });
});

test("refuses --adapter redis over a store private to one process", () => {
  const run = spawnSync(process.execPath, [kServer, "--port", "0", "--mode", "memory", "--adapter", "redis", "--secret", "s"], { encoding: "utf8" });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--adapter redis needs --mode redis/);
});
