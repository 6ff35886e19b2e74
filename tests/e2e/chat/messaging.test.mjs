// Sending and delivery over Socket.IO: 1:1 and group fan-out, HTTP sends reaching
// sockets, idempotent retries, and the error acks of bad sends.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  SETTLE_MS,
  TRANSPORTS,
  assertErrorAck,
  assertSeqRun,
  sleep,
  useChatServer,
} from "./helpers.mjs";

const ctx = useChatServer();

for (const { name, options } of TRANSPORTS) {
  describe(`messaging (${name})`, () => {
    test("1:1: the peer and the sender's other device get each message once; the sending socket gets no echo", async () => {
      const [alice, bob] = await ctx.users(2, "dm");
      const conversation = await ctx.direct(alice, bob);
      const a1 = await ctx.connect(alice, options, "alice-1");
      const a2 = await ctx.connect(alice, options, "alice-2");
      const b = await ctx.connect(bob, options, "bob");

      const n = 8;
      const acked = [];
      for (let i = 1; i <= n; i += 1) acked.push(await a1.send(conversation.id, `hello ${i}`));

      assertSeqRun(
        acked.map((m) => m.seq),
        1,
        n,
        "ack seqs",
      );
      for (const [i, message] of acked.entries()) {
        assert.equal(message.conversationId, conversation.id);
        assert.equal(message.senderId, alice.user.id);
        assert.equal(message.body, `hello ${i + 1}`);
        assert.match(message.id, /^[0-9]+$/);
        assert.equal(typeof message.createdAt, "string");
      }

      const atBob = await b.waitMessages(conversation.id, n);
      const atA2 = await a2.waitMessages(conversation.id, n);
      await sleep(SETTLE_MS);
      for (const [label, got] of [
        ["bob", b.messages(conversation.id)],
        ["alice's second device", a2.messages(conversation.id)],
      ]) {
        assertSeqRun(
          got.map((m) => m.seq),
          1,
          n,
          `${label} message:new`,
        );
        assert.deepEqual(
          got.map((m) => m.id),
          acked.map((m) => m.id),
          `${label}: the same messages as acked`,
        );
      }
      assert.deepEqual(atBob[0], acked[0], "message:new carries the message object itself");
      assert.equal(atA2.length, n);
      assert.deepEqual(a1.messages(conversation.id), [], "the sending socket must not get its own messages back");
    });

    test("group of 5 users x 3 devices: every socket except the sender's gets every message once, in seq order", async () => {
      const users = await ctx.users(5, "grp");
      const conversation = await ctx.group(users[0], users.slice(1));
      const sockets = await Promise.all(
        users.flatMap((user, u) =>
          [0, 1, 2].map(async (d) => ({ user: u, device: d, client: await ctx.connect(user, options, `user${u}-dev${d}`) })),
        ),
      );

      // Everyone sends at the same time, each user from one of its devices.
      const perUser = 3;
      const senderOf = (u) => sockets.find((s) => s.user === u && s.device === u % 3);
      const acks = await Promise.all(
        users.map(async (_, u) => {
          const mine = [];
          for (let i = 0; i < perUser; i += 1) mine.push(await senderOf(u).client.send(conversation.id, `u${u} m${i}`));
          return mine;
        }),
      );
      const all = acks.flat();
      const total = users.length * perUser;
      assertSeqRun(
        all.map((m) => m.seq).sort((x, y) => x - y),
        1,
        total,
        "acked seqs across senders",
      );
      const sentBy = new Map(all.map((m) => [m.seq, m]));

      for (const s of sockets) {
        const isSender = s === senderOf(s.user);
        const expected = all
          .filter((m) => !(isSender && m.senderId === users[s.user].user.id))
          .map((m) => m.seq)
          .sort((x, y) => x - y);
        await s.client.waitMessages(conversation.id, expected.length);
      }
      await sleep(SETTLE_MS);
      for (const s of sockets) {
        const isSender = s === senderOf(s.user);
        const expected = all
          .filter((m) => !(isSender && m.senderId === users[s.user].user.id))
          .map((m) => m.seq)
          .sort((x, y) => x - y);
        const got = s.client.messages(conversation.id);
        assert.deepEqual(
          got.map((m) => m.seq),
          expected,
          `${s.client.label}: every message once, in seq order${isSender ? ", none of its own" : ""}`,
        );
        for (const m of got) assert.equal(m.id, sentBy.get(m.seq).id);
      }
    });

    test("a message sent over HTTP reaches every member socket, the sender's included", async () => {
      const [alice, bob] = await ctx.users(2, "http");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");

      const first = await ctx.httpSend(alice, conversation.id, "over http 1");
      const second = await ctx.httpSend(alice, conversation.id, "over http 2");
      assert.deepEqual([first.seq, second.seq], [1, 2]);

      for (const client of [a, b]) {
        const got = await client.waitMessages(conversation.id, 2);
        assert.deepEqual(got, [first, second], `${client.label}: message:new equals the HTTP answer`);
      }
      await sleep(SETTLE_MS);
      assert.equal(b.messages(conversation.id).length, 2, "no duplicates");
      assert.equal(a.messages(conversation.id).length, 2, "no duplicates");
    });

    test("a retry with the same clientMsgId answers the same message and is delivered only once", async () => {
      const [alice, bob] = await ctx.users(2, "retry");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");

      const clientMsgId = "retry-me-1";
      const first = await a.send(conversation.id, "once", clientMsgId);
      const again = await a.send(conversation.id, "once", clientMsgId);
      assert.deepEqual(again, first, "the retry answers the original message");
      // A retry from another device (a reconnect) and over HTTP: still the same message.
      const a2 = await ctx.connect(alice, options, "alice-2");
      const third = await a2.send(conversation.id, "once", clientMsgId);
      assert.equal(third.id, first.id);
      assert.equal(third.seq, first.seq);
      const viaHttp = await ctx.httpSend(alice, conversation.id, "once", clientMsgId);
      assert.equal(viaHttp.id, first.id);

      const next = await a.send(conversation.id, "after the retry");
      assert.equal(next.seq, first.seq + 1, "a retry does not use up a seq");

      await b.waitMessages(conversation.id, 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(
        b.messages(conversation.id).map((m) => m.seq),
        [1, 2],
        "one message:new for the original, none for the retries",
      );
      assert.deepEqual(
        a2.messages(conversation.id).map((m) => m.seq),
        [2],
        "alice's second device sees the next message only, not the retried one again",
      );
      const stored = await ctx.history(bob, conversation.id);
      assert.deepEqual(
        stored.map((m) => m.clientMsgId),
        [clientMsgId, next.clientMsgId],
      );
    });
  });
}

describe("refused sends", () => {
  test("a non-member sending, receipting or joining gets not_found and nothing is stored or delivered", async () => {
    const [alice, bob, mallory] = await ctx.users(3, "nm");
    const conversation = await ctx.direct(alice, bob);
    const b = await ctx.connect(bob, {}, "bob");
    const m = await ctx.connect(mallory, {}, "mallory");

    assertErrorAck(
      await m.ack("message:send", { conversationId: conversation.id, clientMsgId: "x1", body: "let me in" }),
      "not_found",
    );
    assertErrorAck(await m.ack("conversation:join", { conversationId: conversation.id }), "not_found");
    assertErrorAck(await m.ack("receipt:read", { conversationId: conversation.id, seq: 0 }), "not_found");
    assertErrorAck(await m.ack("sync", { cursors: { [conversation.id]: 0 } }), "not_found");
    assertErrorAck(
      await m.ack("message:send", { conversationId: "999999999999", clientMsgId: "x2", body: "nobody" }),
      "not_found",
    );
    await sleep(SETTLE_MS);
    assert.deepEqual(b.events("message:new"), []);
    assert.deepEqual(await ctx.history(alice, conversation.id), []);
  });

  test("malformed payloads get invalid_argument naming the field", async () => {
    const [alice, bob] = await ctx.users(2, "bad");
    const conversation = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const id = conversation.id;

    const cases = [
      ["message:send", "not an object", "payload"],
      ["message:send", { clientMsgId: "m1", body: "x" }, "conversationId"],
      ["message:send", { conversationId: true, clientMsgId: "m1", body: "x" }, "conversationId"],
      ["message:send", { conversationId: "abc", clientMsgId: "m1", body: "x" }, "conversationId"],
      ["message:send", { conversationId: id, body: "x" }, "clientMsgId"],
      ["message:send", { conversationId: id, clientMsgId: "m1" }, "body"],
      ["message:send", { conversationId: id, clientMsgId: "m1", body: 42 }, "body"],
      ["message:send", { conversationId: id, clientMsgId: "m1", body: "" }, "body"],
      ["message:send", { conversationId: id, clientMsgId: "m1", body: "x".repeat(4001) }, "body"],
      ["message:send", { conversationId: id, clientMsgId: "m1", body: "x", replyTo: "nope" }, "replyTo"],
      ["typing", { conversationId: id }, "typing"],
      ["typing", { conversationId: id, typing: "yes" }, "typing"],
      ["receipt:read", { conversationId: id }, "seq"],
      ["receipt:read", { conversationId: id, seq: -1 }, "seq"],
      ["receipt:delivered", { conversationId: id, seq: "3" }, "seq"],
      ["conversation:join", {}, "conversationId"],
      ["sync", { cursors: [1, 2] }, "cursors"],
      ["sync", { cursors: { [id]: -5 } }, "cursors"],
      ["sync", { cursors: { abc: 0 } }, "cursors"],
      ["no:such:event", {}, "event"],
    ];
    for (const [event, payload, field] of cases) {
      const answer = await a.ack(event, payload);
      const what = `${event} ${JSON.stringify(payload).slice(0, 80)}`;
      assert.equal(answer?.ok, false, `${what}: ${JSON.stringify(answer)}`);
      assert.equal(answer.error?.code, "invalid_argument", `${what}: ${JSON.stringify(answer)}`);
      assertErrorAck(answer, "invalid_argument", field);
    }
    // A receipt past the last message is refused as well.
    assertErrorAck(await a.ack("receipt:read", { conversationId: id, seq: 5 }), "invalid_argument", "seq");
    assert.deepEqual(await ctx.history(alice, id), [], "nothing was stored");
    assert.ok(a.connected, "bad payloads do not cost the connection");
  });
});

describe("sync with the default TALKLINE_SYNC_PAGE_SIZE", () => {
  test("a full page says hasMore when more messages follow", async () => {
    const [alice, bob] = await ctx.users(2, "sp");
    const { id } = await ctx.direct(alice, bob);
    const COUNT = 130;
    for (let i = 0; i < COUNT; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => ctx.httpSend(alice, id, `m${i + j}`)));
    }
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const first = await b.ack("sync", { cursors: { [id]: 0 } });
    assert.equal(first.ok, true);
    assert.ok(first.messages.length > 0 && first.messages.length < COUNT, `a page: ${first.messages.length}`);
    assertSeqRun(
      first.messages.map((m) => m.seq),
      1,
      first.messages.length,
      "first page",
    );
    assert.equal(
      first.hasMore,
      true,
      `sync answered ${first.messages.length} of ${COUNT} messages with hasMore:false; a client would stop here`,
    );
    const second = await b.ack("sync", { cursors: { [id]: first.messages.at(-1).seq } });
    assertSeqRun(
      second.messages.map((m) => m.seq),
      first.messages.length + 1,
      COUNT,
      "second page",
    );
    assert.equal(second.hasMore, false);
  });
});

describe("conversation:updated", () => {
  test("create, rename, member add and remove reach the members' sockets (and the removed member)", async () => {
    const [owner, bob, carol] = await ctx.users(3, "cv");
    const o = await ctx.connect(owner, { transports: ["websocket"] }, "owner");
    const b = await ctx.connect(bob, {}, "bob");
    const c = await ctx.connect(carol, { transports: ["websocket"] }, "carol");

    const group = await ctx.group(owner, [bob]);
    for (const client of [o, b]) {
      const created = await client.waitEvent("conversation:updated", (cv) => cv.id === group.id);
      assert.equal(created.type, "group");
      assert.equal(created.title, group.title);
    }

    const renamed = await ctx.client.patch(`/api/v1/conversations/${group.id}`, {
      token: owner.accessToken,
      body: { title: "Renamed" },
    });
    assert.equal(renamed.status, 200, renamed.text);
    for (const client of [o, b]) {
      const update = await client.waitEvent("conversation:updated", (cv) => cv.id === group.id && cv.title === "Renamed");
      assert.ok(!("lastMessage" in update) && !("unreadCount" in update), "a conversation, not a summary");
    }

    const added = await ctx.client.post(`/api/v1/conversations/${group.id}/members`, {
      token: owner.accessToken,
      body: { userIds: [carol.user.id] },
    });
    assert.ok(added.status === 200 || added.status === 201, added.text);
    const hasCarol = (cv) => cv.id === group.id && cv.members.some((m) => m.userId === carol.user.id);
    await c.waitEvent("conversation:updated", hasCarol);
    await b.waitEvent("conversation:updated", hasCarol);

    // A direct conversation announces itself only when it is first created.
    const first = await ctx.direct(owner, carol);
    await c.waitEvent("conversation:updated", (cv) => cv.id === first.id);
    const again = await ctx.direct(owner, carol);
    assert.equal(again.id, first.id, "direct conversations are idempotent per pair");

    // The new member gets live messages from now on.
    const sent = await o.send(group.id, "welcome carol");
    const [got] = await c.waitMessages(group.id, 1);
    assert.deepEqual(got, sent);

    const removed = await ctx.client.del(`/api/v1/conversations/${group.id}/members/${bob.user.id}`, {
      token: owner.accessToken,
    });
    assert.ok(removed.status === 200 || removed.status === 204, removed.text);
    const withoutBob = (cv) => cv.id === group.id && !cv.members.some((m) => m.userId === bob.user.id);
    await b.waitEvent("conversation:updated", withoutBob);
    await c.waitEvent("conversation:updated", withoutBob);

    // Bob is out: no more messages for him, and he can no longer send.
    await o.send(group.id, "bob has left");
    await c.waitMessages(group.id, 2);
    await sleep(SETTLE_MS);
    assert.equal(b.messages(group.id).length, 1, "a removed member gets no new messages");
    assertErrorAck(
      await b.ack("message:send", { conversationId: group.id, clientMsgId: "bob-after", body: "x" }),
      "not_found",
    );
    assert.equal(
      c.events("conversation:updated", (cv) => cv.id === first.id).length,
      1,
      "re-creating a direct conversation sends no second conversation:updated",
    );
  });

  test("a PATCH that renames and sets retention at once announces one update, the final conversation", async () => {
    const [owner, bob] = await ctx.users(2, "cu");
    const o = await ctx.connect(owner, { transports: ["websocket"] }, "owner");
    const b = await ctx.connect(bob, {}, "bob");
    const group = await ctx.group(owner, [bob]);
    for (const client of [o, b]) await client.waitEvent("conversation:updated", (cv) => cv.id === group.id);

    const patched = await ctx.client.patch(`/api/v1/conversations/${group.id}`, {
      token: owner.accessToken,
      body: { title: "Both at once", retentionDays: 7 },
    });
    assert.equal(patched.status, 200, patched.text);
    for (const client of [o, b]) {
      const update = await client.waitEvent("conversation:updated", (cv) => cv.id === group.id && cv.title === "Both at once");
      assert.equal(update.retentionDays, 7, "the announcement carries both changes");
    }
    await sleep(SETTLE_MS);
    for (const client of [o, b]) {
      assert.equal(
        client.events("conversation:updated", (cv) => cv.id === group.id).length,
        2,
        "the creation, then one update",
      );
    }
  });
});
