// Presence (first socket online, last socket offline) and connection authentication:
// refused handshakes, the Authorization header, and logout and suspension ending a
// session's sockets.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, connectRefused, connectSocket, sleep, useChatServer } from "./helpers.mjs";

const ADMIN = { username: "e2e_admin", password: "adminpass123" };
// A short re-check period, so a suspension that the announcement somehow missed is still
// found within the generous wait below.
const ctx = useChatServer({
  TALKLINE_ADMIN_USERNAME: ADMIN.username,
  TALKLINE_ADMIN_PASSWORD: ADMIN.password,
  TALKLINE_SOCKET_REVALIDATE_SECONDS: "1",
});
/** How long a suspended account's sockets may take to close: far more than they need. */
const SUSPENSION_WAIT_MS = 10_000;

for (const { name, options } of TRANSPORTS) {
  describe(`presence (${name})`, () => {
    test("online when the first socket connects, offline with lastSeenAt only when the last one closes", async () => {
      const [alice, bob, carol] = await ctx.users(3, "pr");
      await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const stranger = await ctx.connect(carol, options, "carol-shares-nothing");
      const isBob = (status) => (p) => p.userId === bob.user.id && p.status === status;

      const b1 = await ctx.connect(bob, options, "bob-1");
      const online = await a.waitEvent("presence", isBob("online"));
      assert.deepEqual(online, { userId: bob.user.id, status: "online", lastSeenAt: null });
      // Bob's new connection learns that alice is already online.
      const aliceOnline = await b1.waitEvent("presence", (p) => p.userId === alice.user.id);
      assert.deepEqual(aliceOnline, { userId: alice.user.id, status: "online", lastSeenAt: null });

      const b2 = await ctx.connect(bob, options, "bob-2");
      await b2.waitEvent("presence", (p) => p.userId === alice.user.id && p.status === "online");

      b1.close();
      await sleep(SETTLE_MS);
      assert.equal(a.events("presence", isBob("online")).length, 1, "a second device is not a new online");
      assert.deepEqual(a.events("presence", isBob("offline")), [], "offline while bob still has a socket open");

      const closedAt = Date.now();
      b2.close();
      const offline = await a.waitEvent("presence", isBob("offline"));
      assert.deepEqual(Object.keys(offline).sort(), ["lastSeenAt", "status", "userId"]);
      assert.equal(typeof offline.lastSeenAt, "string");
      const seen = Date.parse(offline.lastSeenAt);
      assert.ok(!Number.isNaN(seen), `lastSeenAt must be a time: ${offline.lastSeenAt}`);
      assert.ok(Math.abs(seen - closedAt) < 5000, `lastSeenAt ${offline.lastSeenAt} is not about now`);

      await sleep(SETTLE_MS);
      assert.deepEqual(
        stranger.events("presence", (p) => p.userId === bob.user.id),
        [],
        "presence goes only to users sharing a conversation",
      );
    });

    test("the user object's lastSeenAt is the offline event's time; null for a user never connected", async () => {
      const [alice, bob, carol] = await ctx.users(3, "ls");
      await ctx.direct(alice, bob);
      const isAlice = (status) => (p) => p.userId === alice.user.id && p.status === status;
      const lastSeenOf = async (user) => {
        const res = await ctx.client.get(`/api/v1/users/${user.user.id}`, { token: bob.accessToken });
        assert.equal(res.status, 200, res.text);
        return res.json.lastSeenAt;
      };
      assert.equal(await lastSeenOf(alice), null, "before alice ever connected");

      const b = await ctx.connect(bob, options, "bob");
      const a1 = await ctx.connect(alice, options, "alice-1");
      await b.waitEvent("presence", isAlice("online"));
      a1.close();
      const [offline] = await b.waitEvents("presence", 1, isAlice("offline"));
      // Recorded before it is announced, so no polling: whoever hears "offline" reads the same time.
      assert.equal(await lastSeenOf(alice), offline.lastSeenAt);

      // Back online, the object keeps the previous offline time; presence says she is online.
      const a2 = await ctx.connect(alice, options, "alice-2");
      await b.waitEvents("presence", 2, isAlice("online"));
      assert.equal(await lastSeenOf(alice), offline.lastSeenAt);
      a2.close();
      const [, later] = await b.waitEvents("presence", 2, isAlice("offline"));
      assert.ok(Date.parse(later.lastSeenAt) > Date.parse(offline.lastSeenAt), "a later offline moves it forward");
      assert.equal(await lastSeenOf(alice), later.lastSeenAt);

      assert.equal(await lastSeenOf(carol), null, "carol never connected");
    });
  });

  describe(`authentication (${name})`, () => {
    test("a missing or bad token is refused with connect_error code unauthenticated", async () => {
      const [alice] = await ctx.users(1, "au");
      for (const [what, token] of [
        ["no token", undefined],
        ["empty token", ""],
        ["garbage", "not-a-jwt"],
        ["a refresh token", alice.refreshToken],
        ["a tampered token", alice.accessToken.slice(0, -4) + (alice.accessToken.endsWith("AAAA") ? "BBBB" : "AAAA")],
      ]) {
        const error = await connectRefused(ctx.baseUrl, token, options);
        assert.equal(typeof error.message, "string", what);
        assert.ok(error.message.length > 0, what);
        assert.equal(error.data?.code, "unauthenticated", `${what}: ${JSON.stringify(error.data)} ${error.message}`);
      }
    });

    test("the token may come in the Authorization header instead", async () => {
      const [alice, bob] = await ctx.users(2, "hdr");
      const conversation = await ctx.direct(alice, bob);
      const a = await connectSocket(
        ctx.baseUrl,
        undefined,
        { ...options, extraHeaders: { Authorization: `Bearer ${alice.accessToken}` } },
        "alice-header",
      );
      const message = await a.send(conversation.id, "sent by a header-authenticated socket");
      assert.equal(message.senderId, alice.user.id);
    });

    test("logout ends that session's sockets with session:ended; another session stays connected", async () => {
      const [alice] = await ctx.users(1, "lo");
      const second = await ctx.login(alice);
      const s1a = await ctx.connect(alice, options, "session1-a");
      const s1b = await ctx.connect(alice, options, "session1-b");
      const s2 = await ctx.connect(second, options, "session2");

      const res = await ctx.client.post("/api/v1/auth/logout", { token: alice.accessToken });
      assert.equal(res.status, 204, res.text);

      for (const client of [s1a, s1b]) {
        const ended = await client.waitEvent("session:ended");
        assert.deepEqual(ended, { reason: "session ended" });
        assert.equal(await client.waitDisconnect(), "io server disconnect", `${client.label}: disconnect reason`);
        assert.equal(client.connected, false);
      }
      await sleep(SETTLE_MS);
      assert.equal(s2.connected, true, "the other session's socket stays connected");
      assert.deepEqual(s2.events("session:ended"), []);
      const answer = await s2.ack("sync", {});
      assert.equal(answer?.ok, true, `the other session still works: ${JSON.stringify(answer)}`);

      const error = await connectRefused(ctx.baseUrl, alice.accessToken, options);
      assert.equal(error.data?.code, "unauthenticated", "the ended session's access token no longer connects");
    });

    test("suspending an account closes every socket of it with session:ended; reinstated, it connects again", async () => {
      const [alice, bob] = await ctx.users(2, "sus");
      const second = await ctx.login(alice);
      const a1 = await ctx.connect(alice, options, "alice-session1");
      const a2 = await ctx.connect(second, options, "alice-session2");
      const b = await ctx.connect(bob, options, "bob");
      const admin = await ctx.login(ADMIN);
      const suspension = `/api/v1/admin/users/${alice.user.id}/suspension`;

      const res = await ctx.client.put(suspension, { token: admin.accessToken });
      assert.equal(res.status, 200, res.text);
      for (const client of [a1, a2]) {
        const ended = await client.waitEvent("session:ended", () => true, SUSPENSION_WAIT_MS);
        // Announced at once as "session ended"; the re-check would say "session has ended".
        assert.ok(["session ended", "session has ended"].includes(ended.reason), JSON.stringify(ended));
        assert.equal(await client.waitDisconnect(SUSPENSION_WAIT_MS), "io server disconnect", client.label);
      }
      assert.equal(b.connected, true, "other accounts' sockets stay connected");
      const error = await connectRefused(ctx.baseUrl, second.accessToken, options);
      assert.equal(error.data?.code, "unauthenticated", "the suspended account's tokens no longer connect");
      const login = await ctx.client.post("/api/v1/auth/login", {
        body: { username: alice.username, password: alice.password },
      });
      assert.equal(login.status, 403, login.text);

      const lifted = await ctx.client.del(suspension, { token: admin.accessToken });
      assert.equal(lifted.status, 200, lifted.text);
      const back = await ctx.connect(await ctx.login(alice), options, "alice-reinstated");
      const answer = await back.ack("sync", {});
      assert.equal(answer?.ok, true, `the reinstated account works: ${JSON.stringify(answer)}`);
    });
  });
}

test("polling clients upgrade to websocket and keep working", async () => {
  const [alice, bob] = await ctx.users(2, "upg");
  const conversation = await ctx.direct(alice, bob);
  const a = await ctx.connect(alice, {}, "alice");
  const b = await ctx.connect(bob, {}, "bob");
  await a.waitUpgrade();
  await b.waitUpgrade();
  assert.equal(a.transport, "websocket");
  const sent = await a.send(conversation.id, "after the upgrade");
  const [got] = await b.waitMessages(conversation.id, 1);
  assert.deepEqual(got, sent);
});
