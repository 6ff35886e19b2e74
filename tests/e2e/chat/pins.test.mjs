// Pins over Socket.IO: pin:add / pin:remove acks and errors, the live message:pin event
// (every member's connections but the one that made the change), pin changes in a
// conversation's feed next to new messages, edits and deletes, and what a member who was
// offline gets back: catch-up on connect and `sync {changes}`.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  THUMBS,
  asEvent,
  assertSocketChange,
  changesOver,
  edit,
  feedOf,
  pin,
  pinsOver,
  remove,
  shape,
  unpin,
  useFeedServer,
  waitFeed,
  withoutMe,
} from "./feed_helpers.mjs";
import { SETTLE_MS, TRANSPORTS, assertErrorAck, sleep, uniqueSuffix, useChatServer } from "./helpers.mjs";

const PAGE = 4;

const ctx = useFeedServer(PAGE);

const FORBIDDEN = "only a group owner or admin can pin a message";

/** The message:pin payloads `client` received for `conversationId`. */
function pinsOf(client, conversationId) {
  return client.events("message:pin", (c) => c.conversationId === conversationId);
}

async function httpPin(user, conversationId, messageId, method = "put") {
  const res = await ctx.client[method](`/api/v1/conversations/${conversationId}/pins/${messageId}`, {
    token: user.accessToken,
  });
  assert.equal(res.status, 200, `${method.toUpperCase()} pins: ${res.status} ${res.text}`);
  return res.json;
}

/** Asserts a pin change as a socket carries it: a pin change has no emoji. */
function assertSocketPinChange(change, expected) {
  assertSocketChange(change, { ...expected, emoji: null });
}

for (const { name, options } of TRANSPORTS) {
  describe(`pins (${name})`, () => {
    test("pin:add and pin:remove ack the change; the others and the actor's other device get message:pin, the acting socket does not", async () => {
      const [alice, bob, carol] = await ctx.users(3, "pn");
      const group = await ctx.group(alice, [bob, carol]);
      const id = group.id;
      const a1 = await ctx.connect(alice, options, "alice-1");
      const a2 = await ctx.connect(alice, options, "alice-2");
      const b = await ctx.connect(bob, options, "bob");
      const c = await ctx.connect(carol, options, "carol");

      const sent = await b.send(id, "pin this");
      const answer = await a1.ack("pin:add", { conversationId: id, messageId: sent.id });
      assert.equal(answer?.ok, true, JSON.stringify(answer));
      assert.deepEqual(Object.keys(answer).sort(), ["change", "ok"]);
      const added = answer.change;
      assertSocketPinChange(added, {
        conversationId: id,
        changeSeq: 2,
        type: "pinned",
        actorId: alice.user.id,
        messageId: sent.id,
      });
      assert.equal(added.message.body, "pin this");
      assert.equal(added.message.seq, sent.seq);
      assert.equal(added.message.changeSeq, sent.changeSeq);
      assert.deepEqual(added.message.reactions, []);

      for (const client of [a2, b, c]) {
        const [live] = await client.waitEvents("message:pin", 1, (x) => x.conversationId === id);
        assert.deepEqual(live, added, `${client.label}: message:pin carries the change of the ack`);
      }

      // Unpinned from alice's other device: now alice-1 hears of it, alice-2 only by ack.
      const removed = await unpin(a2, id, sent.id);
      assertSocketPinChange(removed, {
        conversationId: id,
        changeSeq: 3,
        type: "unpinned",
        actorId: alice.user.id,
        messageId: sent.id,
      });
      for (const client of [a1, b, c]) {
        await client.waitEvents("message:pin", client === a1 ? 1 : 2, (x) => x.conversationId === id);
      }
      await sleep(SETTLE_MS);
      assert.deepEqual(pinsOf(a1, id), [removed], "alice-1: only the unpin it did not make");
      assert.deepEqual(pinsOf(a2, id), [added], "alice-2: only the pin it did not make");
      for (const client of [b, c]) {
        assert.deepEqual(pinsOf(client, id), [added, removed], `${client.label}: both, once each, in order`);
        assert.deepEqual(shape(feedOf(client, id)).slice(-2), [
          ["message:pin", 2],
          ["message:pin", 3],
        ]);
      }
      assert.deepEqual(await pinsOver(ctx.client, bob, id), []);
    });

    test("either member of a direct conversation pins; pins made over HTTP reach every member socket, the actor's included", async () => {
      const [alice, bob] = await ctx.users(2, "pd");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const sent = await ctx.httpSend(alice, id, "over http");
      const overSocket = await pin(b, id, sent.id); // 2, by bob
      assert.equal(overSocket.actorId, bob.user.id);
      const off = await httpPin(alice, id, sent.id, "del"); // 3, by alice
      const on = await httpPin(bob, id, sent.id); // 4, by bob
      const expected = [
        { event: "message:new", changeSeq: 1, payload: sent },
        { event: "message:pin", changeSeq: 2, payload: overSocket },
        { event: "message:pin", changeSeq: 3, payload: withoutMe(off) },
        { event: "message:pin", changeSeq: 4, payload: withoutMe(on) },
      ];
      await waitFeed(a, id, 4);
      await waitFeed(b, id, 3);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(a, id), expected, "alice: everything");
      assert.deepEqual(
        feedOf(b, id),
        expected.filter((e) => e.changeSeq !== 2),
        "bob: all but the pin his socket made",
      );
      const [item] = await pinsOver(ctx.client, alice, id);
      assert.deepEqual([item.message.id, item.pinnedBy, item.pinnedAt], [sent.id, bob.user.id, on.at]);
    });

    test("a repeated pin or unpin, and a retry with the same clientChangeId, answer the earlier change and are not announced", async () => {
      const [alice, bob] = await ctx.users(2, "pr");
      const group = await ctx.group(alice, [bob]);
      const id = group.id;
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const sent = await b.send(id, "retry");
      const other = await b.send(id, "another");
      const key = `p-${uniqueSuffix(10)}`;
      const first = await pin(a, id, sent.id, key); // 3
      assert.deepEqual(await pin(a, id, sent.id, key), first);
      assert.deepEqual(await pin(a, id, sent.id), first, "already pinned: the change that pinned it");
      const a2 = await ctx.connect(alice, options, "alice-2");
      assert.deepEqual(await pin(a2, id, sent.id, key), first, "the key is the user's, on any device");
      const off = await unpin(a, id, sent.id); // 4
      assert.deepEqual(await unpin(a, id, sent.id), off);
      const late = await pin(a, id, sent.id, key);
      assert.equal(late.changeSeq, first.changeSeq, "a late retry answers the first change");
      assert.deepEqual(await pinsOver(ctx.client, alice, id), [], "and pins nothing");

      // The key for another message or kind: conflict.
      const conflict = assertErrorAck(
        await a.ack("pin:add", { conversationId: id, messageId: other.id, clientChangeId: key }),
        "conflict",
      );
      assert.equal(conflict.message, "clientChangeId was already used for a different change");
      assertErrorAck(await a.ack("pin:remove", { conversationId: id, messageId: sent.id, clientChangeId: key }), "conflict");
      assertErrorAck(
        await a.ack("reaction:add", { conversationId: id, messageId: sent.id, emoji: THUMBS, clientChangeId: key }),
        "conflict",
      );

      await waitFeed(b, id, 2);
      await a2.waitEvents("message:pin", 2, (x) => x.conversationId === id);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(b, id)), [
        ["message:pin", 3],
        ["message:pin", 4],
      ]);
      assert.deepEqual(pinsOf(b, id), [first, off]);
      // The second device, connected after the pin, had it from catch-up; the unpin came live.
      assert.deepEqual(pinsOf(a2, id), [first, off], "alice-2: each change once, in order");
      assert.equal((await ctx.listed(bob, id)).lastChangeSeq, 4);
    });

    test("refusals: forbidden for a plain group member, not_found for a non-member, a foreign message and a pin never made, conflict for a deleted message", async () => {
      const [alice, bob, mallory] = await ctx.users(3, "pf");
      const group = await ctx.group(alice, [bob]);
      const id = group.id;
      const other = await ctx.direct(alice, mallory);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const m = await ctx.connect(mallory, options, "mallory");
      const sent = await b.send(id, "bob's");
      const foreign = await a.send(other.id, "elsewhere");

      for (const event of ["pin:add", "pin:remove"]) {
        const forbidden = assertErrorAck(await b.ack(event, { conversationId: id, messageId: sent.id }), "forbidden");
        assert.equal(forbidden.message, FORBIDDEN);
        const notMember = assertErrorAck(await m.ack(event, { conversationId: id, messageId: sent.id }), "not_found");
        assert.equal(notMember.message, "conversation not found");
        assertErrorAck(await a.ack(event, { conversationId: "999999999999", messageId: sent.id }), "not_found");
        const wrong = assertErrorAck(await a.ack(event, { conversationId: id, messageId: foreign.id }), "not_found");
        assert.equal(wrong.message, "message not found");
        assertErrorAck(await a.ack(event, { conversationId: id, messageId: "999999999999" }), "not_found");
      }
      const never = assertErrorAck(await a.ack("pin:remove", { conversationId: id, messageId: sent.id }), "not_found");
      assert.equal(never.message, "pin not found");

      await pin(a, id, sent.id); // 2
      await remove(b, id, sent.id); // 3: the sender's delete unpins it
      assert.deepEqual(await pinsOver(ctx.client, alice, id), []);
      for (const event of ["pin:add", "pin:remove"]) {
        const gone = assertErrorAck(await a.ack(event, { conversationId: id, messageId: sent.id }), "conflict");
        assert.equal(gone.message, "the message was deleted");
      }
      await waitFeed(a, id, 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(a, id)), [
        ["message:new", 1],
        ["message:deleted", 3],
      ]);
      assert.deepEqual(shape(feedOf(b, id)), [["message:pin", 2]], "the delete brings no message:pin");
      assert.ok(a.connected && b.connected && m.connected, "refusals do not cost the connection");
    });
  });

  describe(`offline and back (${name})`, () => {
    test("a member offline during a pin, an edit and an unpin gets them on reconnect, in changeSeq order, then the same from sync {changes}", async () => {
      const [alice, bob] = await ctx.users(2, "po");
      const group = await ctx.group(alice, [bob]);
      const id = group.id;
      const a = await ctx.connect(alice, options, "alice");
      const m1 = await a.send(id, "one");
      const m2 = await a.send(id, "two");

      const online = await ctx.connect(bob, options, "bob-online");
      await waitFeed(online, id, 2);
      const acked = await online.ack("receipt:delivered", { conversationId: id, seq: 2 });
      assert.equal(acked.ok, true, JSON.stringify(acked));
      online.close();

      const pinned1 = await pin(a, id, m1.id); // 3
      const pinned2 = await pin(a, id, m2.id); // 4
      const edited = await edit(a, id, m2.id, "two, edited while pinned"); // 5
      const unpinned1 = await unpin(a, id, m1.id); // 6
      assert.deepEqual(
        [pinned1, pinned2, edited, unpinned1].map((c) => c.changeSeq),
        [3, 4, 5, 6],
      );

      const back = await ctx.connect(bob, options, "bob-back");
      await waitFeed(back, id, 4);
      await sleep(SETTLE_MS);
      // Catch-up carries each change with the message as it is now.
      const now = withoutMe(await changesOver(ctx.client, bob, id, 2)).map(asEvent);
      assert.deepEqual(shape(feedOf(back, id)), [
        ["message:pin", 3],
        ["message:pin", 4],
        ["message:updated", 5],
        ["message:pin", 6],
      ]);
      assert.deepEqual(feedOf(back, id), now);
      assert.deepEqual(
        feedOf(back, id).map((e) => [e.payload.type, e.payload.message.id, e.payload.actorId]),
        [
          ["pinned", m1.id, alice.user.id],
          ["pinned", m2.id, alice.user.id],
          ["edited", m2.id, alice.user.id],
          ["unpinned", m1.id, alice.user.id],
        ],
      );
      assert.equal(feedOf(back, id)[1].payload.message.body, "two, edited while pinned");

      const synced = await back.ack("sync", { changes: { [id]: 2 } });
      assert.equal(synced.ok, true, JSON.stringify(synced));
      assert.equal(synced.hasMore, false);
      assert.deepEqual(withoutMe(synced.changes).map(asEvent), feedOf(back, id));
      assert.deepEqual(await back.ack("sync", { changes: { [id]: 6 } }), { ok: true, changes: [], hasMore: false });
      assert.deepEqual(
        (await pinsOver(ctx.client, bob, id)).map((p) => p.message.id),
        [m2.id],
      );
    });

    test("catch-up and sync {changes} page through pins mixed with messages and deletes, gap-free", async () => {
      const [alice, bob] = await ctx.users(2, "pp");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const sent = [];
      for (let i = 0; i < 3; i += 1) sent.push(await a.send(id, `m${i}`)); // 1..3
      await pin(a, id, sent[0].id); // 4
      await pin(a, id, sent[1].id); // 5
      await unpin(a, id, sent[0].id); // 6
      await pin(a, id, sent[2].id); // 7
      await remove(a, id, sent[2].id); // 8
      await a.send(id, "m3"); // 9
      await pin(a, id, sent[0].id); // 10
      const total = 10;
      const now = await changesOver(ctx.client, bob, id);
      assert.deepEqual(
        now.map((c) => c.changeSeq),
        Array.from({ length: total }, (_, i) => i + 1),
      );

      const b = await ctx.connect(bob, options, "bob");
      await waitFeed(b, id, total);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(b, id), withoutMe(now).map(asEvent), "catch-up: every change once, in order, as it is now");

      const p1 = await b.ack("sync", { changes: { [id]: 0 } });
      assert.equal(p1.ok, true, JSON.stringify(p1));
      assert.equal(p1.changes.length, PAGE);
      assert.equal(p1.hasMore, true);
      const p2 = await b.ack("sync", { changes: { [id]: p1.changes.at(-1).changeSeq } });
      assert.equal(p2.changes.length, PAGE);
      assert.equal(p2.hasMore, true);
      const p3 = await b.ack("sync", { changes: { [id]: p2.changes.at(-1).changeSeq } });
      assert.equal(p3.hasMore, false);
      assert.deepEqual(withoutMe([...p1.changes, ...p2.changes, ...p3.changes]), withoutMe(now));
      assert.deepEqual(
        (await pinsOver(ctx.client, bob, id)).map((p) => p.message.id),
        [sent[0].id, sent[1].id],
      );
    });
  });
}

describe("malformed pin:add and pin:remove", () => {
  test("get invalid_argument naming the field, and change nothing", async () => {
    const [alice, bob] = await ctx.users(2, "pm");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const sent = await a.send(id, "untouched");
    const messageId = sent.id;
    const cases = [];
    for (const event of ["pin:add", "pin:remove"]) {
      cases.push(
        [event, "not an object", "payload"],
        [event, [id, messageId], "payload"],
        [event, 42, "payload"],
        [event, null, "payload"],
        [event, { messageId }, "conversationId"],
        [event, { conversationId: "abc", messageId }, "conversationId"],
        [event, { conversationId: true, messageId }, "conversationId"],
        [event, { conversationId: id }, "messageId"],
        [event, { conversationId: id, messageId: "0" }, "messageId"],
        [event, { conversationId: id, messageId: "x1" }, "messageId"],
        [event, { conversationId: id, messageId: null }, "messageId"],
        [event, { conversationId: id, messageId, clientChangeId: 7 }, "clientChangeId"],
        [event, { conversationId: id, messageId, clientChangeId: true }, "clientChangeId"],
        [event, { conversationId: id, messageId, clientChangeId: "" }, "clientChangeId"],
        [event, { conversationId: id, messageId, clientChangeId: "k".repeat(65) }, "clientChangeId"],
        [event, { conversationId: id, messageId, clientChangeId: "two words" }, "clientChangeId"],
        [event, { conversationId: id, messageId, clientChangeId: "caf\u00e9" }, "clientChangeId"],
      );
    }
    for (const [event, payload, field] of cases) {
      assertErrorAck(await a.ack(event, payload), "invalid_argument", field);
    }
    await sleep(SETTLE_MS);
    assert.deepEqual(feedOf(b, id).map((e) => e.event), ["message:new"], "nothing was announced");
    assert.deepEqual(await pinsOver(ctx.client, alice, id), []);
    assert.equal((await ctx.listed(alice, id)).lastChangeSeq, 1);
    assert.ok(a.connected, "bad payloads do not cost the connection");
    // The longest key, and a null key (no key), are fine.
    await pin(a, id, messageId, "k".repeat(64));
    const answer = await a.ack("pin:remove", { conversationId: id, messageId, clientChangeId: null });
    assert.equal(answer.ok, true, JSON.stringify(answer));
  });
});

describe("limits", () => {
  const limited = useChatServer({
    TALKLINE_MESSAGE_BURST_PER_USER: "3",
    TALKLINE_MESSAGES_PER_SECOND_PER_USER: "1",
    TALKLINE_PINS_PER_CONVERSATION: "1",
  });

  test("pin:add and pin:remove draw on the message:send bucket", async () => {
    const [alice, bob] = await limited.users(2, "prl");
    const { id } = await limited.direct(alice, bob);
    const sent = await limited.httpSend(bob, id, "over http, outside the socket bucket");
    const a = await limited.connect(alice, { transports: ["websocket"] }, "alice");
    const answers = await Promise.all([
      a.ack("pin:add", { conversationId: id, messageId: sent.id }),
      a.ack("message:send", { conversationId: id, clientMsgId: "prl-1", body: "s1" }),
      a.ack("pin:remove", { conversationId: id, messageId: sent.id }),
      a.ack("pin:add", { conversationId: id, messageId: sent.id }),
    ]);
    for (const answer of answers.slice(0, 3)) assert.equal(answer?.ok, true, JSON.stringify(answer));
    const refused = assertErrorAck(answers[3], "rate_limited");
    assert.ok(Number.isInteger(refused.retryAfter) && refused.retryAfter >= 1, JSON.stringify(refused));
    const res = await limited.client.get(`/api/v1/conversations/${id}/pins`, { token: alice.accessToken });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.items, [], "the refused pin changed nothing");
    assert.equal((await limited.listed(alice, id)).lastChangeSeq, 4);
  });

  test("pin:add past TALKLINE_PINS_PER_CONVERSATION is refused with conflict", async () => {
    const [alice, bob] = await limited.users(2, "pli");
    const { id } = await limited.direct(alice, bob);
    const one = await limited.httpSend(alice, id, "one");
    const two = await limited.httpSend(alice, id, "two");
    const b = await limited.connect(bob, { transports: ["websocket"] }, "bob");
    const answers = [];
    answers.push(await b.ack("pin:add", { conversationId: id, messageId: one.id }));
    answers.push(await b.ack("pin:add", { conversationId: id, messageId: two.id }));
    assert.equal(answers[0]?.ok, true, JSON.stringify(answers[0]));
    const full = assertErrorAck(answers[1], "conflict");
    assert.equal(full.message, "a conversation holds at most 1 pinned messages");
  });
});
