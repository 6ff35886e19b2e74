// The offline notifier end to end: the real binary with TALKLINE_WEBHOOK_URL pointing at
// a small Node HTTP server in this file. A message to someone with no live connection
// reaches the webhook with their id and the message; members online get nothing; a
// failing webhook is retried with the same event id.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";

import { api, freePort, makeTempDir, registerUser, startServer } from "../../integration/harness.mjs";
import { SETTLE_MS, connectSocket, directConversation, eventually, sleep, useChatServer } from "./helpers.mjs";

// ---- the receiving end --------------------------------------------------------------

/** Every webhook request: {eventIdHeader, contentType, body}. */
const received = [];
/** Message bodies whose next webhook(s) are answered with 503 instead of 2xx. */
const failures = new Map();

const receiver = http.createServer((req, res) => {
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch {
      // recorded as null: the assertions below then fail with the raw text
    }
    received.push({ path: req.url, method: req.method, eventIdHeader: req.headers["x-talkline-event-id"],
                    contentType: req.headers["content-type"], body, raw });
    const text = body?.message?.body;
    const left = failures.get(text) ?? 0;
    if (left > 0) {
      failures.set(text, left - 1);
      res.writeHead(503).end("try later");
      return;
    }
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
after(() => new Promise((resolve) => receiver.close(resolve)));

const ctx = useChatServer({
  TALKLINE_WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hooks/offline`,
  TALKLINE_WEBHOOK_BACKOFF_MIN_MS: "50",
  TALKLINE_WEBHOOK_BACKOFF_MAX_MS: "200",
});

/** The webhook requests about message `id`, in arrival order. */
function about(id) {
  return received.filter((r) => r.body?.message?.id === id);
}

// Allows the job's poll and the log's writer a moment before "nothing came" is concluded.
const QUIET_MS = Math.max(SETTLE_MS, 1500);

/** A throwaway redis-server on a free port; resolves once it accepts connections. */
async function startRedis() {
  const port = await freePort();
  const dir = makeTempDir("talkline-redis-");
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                      "--dir", dir], { stdio: "ignore" });
  await eventually(
    () =>
      new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      }),
    "redis-server to accept connections",
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      proc.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- tests --------------------------------------------------------------------------

describe("offline notifications through the webhook", () => {
  test("a message to an offline member reaches the webhook with their id and the message", async () => {
    const [alice, bob] = await ctx.users(2, "wh");
    const conversation = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice);
    const message = await a.send(conversation.id, "are you there?");

    const [request] = await eventually(() => (about(message.id).length > 0 ? about(message.id) : null),
                                       "the webhook for the message");
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/hooks/offline");
    assert.match(request.contentType, /^application\/json/);
    assert.equal(request.body.type, "message.offline");
    assert.deepEqual(request.body.userIds, [bob.user.id], "only bob: alice sent it");
    assert.ok(request.eventIdHeader, "X-TalkLine-Event-Id is set");
    assert.equal(request.body.eventId, request.eventIdHeader);
    assert.equal(request.body.message.id, message.id);
    assert.equal(request.body.message.conversationId, conversation.id);
    assert.equal(request.body.message.senderId, alice.user.id);
    assert.equal(request.body.message.seq, message.seq);
    assert.equal(request.body.message.body, "are you there?");
    assert.equal(request.body.message.createdAt, message.createdAt);

    await sleep(QUIET_MS);
    assert.equal(about(message.id).length, 1, "a 2xx answer ends it: no second webhook");
  });

  test("a member who is online gets no notification", async () => {
    const [alice, bob, carol] = await ctx.users(3, "wh");
    const direct = await ctx.direct(alice, bob);
    const group = await ctx.group(alice, [bob, carol]);
    const a = await ctx.connect(alice);
    const b = await ctx.connect(bob);

    const toBob = await a.send(direct.id, "you are online");
    await b.waitEvent("message:new", (m) => m.id === toBob.id);
    // In the group only carol is offline: the webhook names her and nobody else.
    const toGroup = await ctx.httpSend(alice, group.id, "group news");
    const [request] = await eventually(() => (about(toGroup.id).length > 0 ? about(toGroup.id) : null),
                                       "the webhook for the group message");
    assert.deepEqual(request.body.userIds, [carol.user.id]);

    await sleep(QUIET_MS);
    assert.deepEqual(about(toBob.id), [], "bob was online: nothing to notify");
    assert.equal(about(toGroup.id).length, 1);
  });

  test("a failing webhook is retried with the same event id until it accepts", async () => {
    const [alice, bob] = await ctx.users(2, "wh");
    const conversation = await ctx.direct(alice, bob);
    const text = `please retry ${Date.now()}`;
    failures.set(text, 2);  // the first two answers are 503
    const message = await ctx.httpSend(alice, conversation.id, text);

    const requests = await eventually(() => (about(message.id).length >= 3 ? about(message.id) : null),
                                      "three webhook attempts for the message");
    assert.equal(new Set(requests.map((r) => r.eventIdHeader)).size, 1, "one event id across the retries");
    assert.equal(requests[0].body.eventId, requests[2].body.eventId);
    assert.deepEqual(requests[2].body.userIds, [bob.user.id]);
    await sleep(QUIET_MS);
    assert.equal(about(message.id).length, 3, "the accepted third attempt was the last");
  });

  test("the node stops cleanly with the notifier running", async () => {
    const started = Date.now();
    await ctx.server.stop();
    assert.ok(Date.now() - started < 10_000, "stopping took too long");
  });
});

describe("offline notifications with the Redis event log (TALKLINE_BUS=redis://)", () => {
  let redis;
  let server;
  let client;
  before(async () => {
    redis = await startRedis();
    server = await startServer({
      env: {
        TALKLINE_BUS: redis.url,
        TALKLINE_WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hooks/redis`,
        TALKLINE_WEBHOOK_BACKOFF_MIN_MS: "50",
        TALKLINE_WEBHOOK_BACKOFF_MAX_MS: "200",
      },
    });
    client = api(server.baseUrl);
  });
  after(async () => {
    await server?.dispose();
    redis?.stop();
  });

  test("an offline member is notified through the stream, an online one is not", async () => {
    const [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => registerUser(client, "whr")));
    const toBob = await directConversation(client, alice, bob);
    const toCarol = await directConversation(client, alice, carol);
    const a = await connectSocket(server.baseUrl, alice.accessToken, {}, "alice");
    const c = await connectSocket(server.baseUrl, carol.accessToken, {}, "carol");
    try {
      const forBob = await a.send(toBob.id, "bob is offline");
      const forCarol = await a.send(toCarol.id, "carol is online");
      const [request] = await eventually(() => (about(forBob.id).length > 0 ? about(forBob.id) : null),
                                         "the webhook for bob");
      assert.equal(request.path, "/hooks/redis");
      assert.deepEqual(request.body.userIds, [bob.user.id]);
      assert.equal(request.body.message.body, "bob is offline");
      assert.match(request.eventIdHeader, /^[0-9]+-[0-9]+$/, "the stream id of the entry");
      await c.waitEvent("message:new", (m) => m.id === forCarol.id);
      await sleep(QUIET_MS);
      assert.deepEqual(about(forCarol.id), [], "carol was online");
      assert.equal(about(forBob.id).length, 1);
    } finally {
      a.close();
      c.close();
    }
  });

  test("the node stops cleanly with the notifier running", async () => {
    const started = Date.now();
    await server.stop();
    assert.ok(Date.now() - started < 10_000, "stopping took too long");
  });
});
