// Edits and deletes over Socket.IO: message:edit / message:delete acks and errors, the
// live message:updated / message:deleted events, the order of a conversation's feed on
// one connection (message:new, message:updated and message:deleted by changeSeq), and
// what a member who was offline gets back: catch-up on connect and `sync {changes}`.
// A small TALKLINE_SYNC_PAGE_SIZE makes both page.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  EVENT_OF_TYPE,
  asEvent,
  changesOver,
  edit,
  feedOf,
  messageOf,
  range,
  remove,
  shape,
  useFeedServer,
  waitFeed,
} from "./feed_helpers.mjs";
import {
  SETTLE_MS,
  TRANSPORTS,
  WAIT_MS,
  assertErrorAck,
  sleep,
  uniqueSuffix,
  useChatServer,
} from "./helpers.mjs";

const PAGE = 5;

const ctx = useFeedServer(PAGE);

async function httpEdit(user, conversationId, messageId, body) {
  const res = await ctx.client.patch(`/api/v1/conversations/${conversationId}/messages/${messageId}`, {
    token: user.accessToken,
    body: { body },
  });
  assert.equal(res.status, 200, `PATCH: ${res.status} ${res.text}`);
  return res.json;
}

async function httpDelete(user, conversationId, messageId) {
  const res = await ctx.client.del(`/api/v1/conversations/${conversationId}/messages/${messageId}`, {
    token: user.accessToken,
  });
  assert.equal(res.status, 200, `DELETE: ${res.status} ${res.text}`);
  return res.json;
}

for (const { name, options } of TRANSPORTS) {
  describe(`edit and delete (${name})`, () => {
    test("message:edit acks the change; the other members and the editor's other device get message:updated, the editing socket does not", async () => {
      const [alice, bob] = await ctx.users(2, "ed");
      const { id } = await ctx.direct(alice, bob);
      const a1 = await ctx.connect(alice, options, "alice-1");
      const a2 = await ctx.connect(alice, options, "alice-2");
      const b = await ctx.connect(bob, options, "bob");

      const sent = await a1.send(id, "helo");
      assert.equal(sent.changeSeq, 1);
      assert.equal(sent.deletedAt, null);
      const answer = await a1.ack("message:edit", { conversationId: id, messageId: sent.id, body: "hello" });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      const change = answer.change;
      assert.deepEqual(Object.keys(answer).sort(), ["change", "ok"]);
      assert.equal(change.conversationId, id);
      assert.equal(change.changeSeq, 2);
      assert.equal(change.type, "edited");
      assert.equal(change.actorId, alice.user.id);
      assert.equal(change.message.id, sent.id);
      assert.equal(change.message.seq, sent.seq);
      assert.equal(change.message.changeSeq, 1);
      assert.equal(change.message.body, "hello");
      assert.equal(change.message.editedAt, change.at);
      assert.equal(change.message.deletedAt, null);

      for (const client of [b, a2]) {
        const feed = await waitFeed(client, id, 2);
        assert.deepEqual(shape(feed), [
          ["message:new", 1],
          ["message:updated", 2],
        ]);
        assert.deepEqual(feed[0].payload, sent, `${client.label}: message:new carries the message`);
        assert.deepEqual(feed[1].payload, change, `${client.label}: message:updated carries the change of the ack`);
      }
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(a1, id), [], "the editing socket gets the ack only");
      assert.equal(feedOf(b, id).length, 2, "no duplicates");
      assert.equal(feedOf(a2, id).length, 2, "no duplicates");
    });

    test("message:delete acks the tombstone; the others get message:deleted once, the deleting socket does not", async () => {
      const [alice, bob, carol] = await ctx.users(3, "del");
      const group = await ctx.group(alice, [bob, carol]);
      const id = group.id;
      const a = await ctx.connect(alice, options, "alice");
      const b1 = await ctx.connect(bob, options, "bob-1");
      const b2 = await ctx.connect(bob, options, "bob-2");
      const c = await ctx.connect(carol, options, "carol");

      const sent = await b1.send(id, "from bob");
      const edited = await edit(b1, id, sent.id, "from bob, edited");
      // The group's owner deletes bob's message.
      const answer = await a.ack("message:delete", { conversationId: id, messageId: sent.id });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      const change = answer.change;
      assert.equal(change.type, "deleted");
      assert.equal(change.changeSeq, 3);
      assert.equal(change.actorId, alice.user.id);
      assert.equal(change.message.senderId, bob.user.id);
      assert.equal(change.message.body, "");
      assert.equal(change.message.deletedAt, change.at);
      assert.equal(change.message.editedAt, edited.message.editedAt, "a delete leaves editedAt as it was");

      for (const client of [b1, b2, c]) await client.waitEvent("message:deleted", (x) => x.conversationId === id);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(b2, id)), [
        ["message:new", 1],
        ["message:updated", 2],
        ["message:deleted", 3],
      ]);
      assert.deepEqual(shape(feedOf(c, id)), shape(feedOf(b2, id)));
      assert.deepEqual(shape(feedOf(b1, id)), [["message:deleted", 3]], "bob's sending socket: only the owner's delete");
      assert.deepEqual(shape(feedOf(a, id)), [
        ["message:new", 1],
        ["message:updated", 2],
      ]);
      assert.deepEqual(feedOf(c, id)[2].payload, change);

      // Deleting it again answers the first deletion and announces nothing.
      const again = await remove(b1, id, sent.id);
      assert.deepEqual(again, change);
      await sleep(SETTLE_MS);
      assert.equal(feedOf(c, id).length, 3, "a repeated delete is not announced");
      const stored = await ctx.history(carol, id);
      assert.deepEqual(stored, [change.message]);
    });

    test("edits and deletes made over HTTP reach every member socket, the actor's included", async () => {
      const [alice, bob] = await ctx.users(2, "http");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const sent = await ctx.httpSend(alice, id, "typo");
      const edited = await httpEdit(alice, id, sent.id, "fixed");
      const deleted = await httpDelete(alice, id, sent.id);
      for (const client of [a, b]) {
        const feed = await waitFeed(client, id, 3);
        assert.deepEqual(feed, [
          { event: "message:new", changeSeq: 1, payload: sent },
          { event: "message:updated", changeSeq: 2, payload: edited },
          { event: "message:deleted", changeSeq: 3, payload: deleted },
        ]);
      }
      await sleep(SETTLE_MS);
      assert.equal(feedOf(a, id).length, 3);
      assert.equal(feedOf(b, id).length, 3);
    });

    test("a retried edit or delete (same clientChangeId) answers the first change and is announced once", async () => {
      const [alice, bob] = await ctx.users(2, "rt");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const one = await a.send(id, "one");
      const two = await a.send(id, "two");
      const editKey = `e-${uniqueSuffix(10)}`;
      const first = await edit(a, id, one.id, "one!", editKey);
      assert.deepEqual(await edit(a, id, one.id, "one!", editKey), first);
      // From another device of the same user, the key is the same key.
      const a2 = await ctx.connect(alice, options, "alice-2");
      assert.deepEqual(await edit(a2, id, one.id, "one!", editKey), first);
      const deleteKey = `d-${uniqueSuffix(10)}`;
      const gone = await remove(a, id, two.id, deleteKey);
      assert.deepEqual(await remove(a, id, two.id, deleteKey), gone);

      // The key of the edit, for another message or for a delete: conflict.
      assertErrorAck(
        await a.ack("message:edit", { conversationId: id, messageId: two.id, body: "x", clientChangeId: editKey }),
        "conflict",
      );
      assertErrorAck(await a.ack("message:delete", { conversationId: id, messageId: one.id, clientChangeId: editKey }), "conflict");

      await waitFeed(b, id, 4);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(b, id)), [
        ["message:new", 1],
        ["message:new", 2],
        ["message:updated", 3],
        ["message:deleted", 4],
      ]);
      // Alice's second device, connected after the edit: the edit by catch-up (a user's
      // cursor follows their sends, not their changes), the delete live; the retries never.
      await waitFeed(a2, id, 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(
        shape(feedOf(a2, id)),
        [
          ["message:updated", 3],
          ["message:deleted", 4],
        ],
        "alice's second device gets each change once and no retry",
      );
    });

    test("refusals: not_found for a non-member and a foreign message, forbidden for another's message, conflict for a deleted one", async () => {
      const [alice, bob, mallory] = await ctx.users(3, "ref");
      const { id } = await ctx.direct(alice, bob);
      const other = await ctx.direct(alice, mallory);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const m = await ctx.connect(mallory, options, "mallory");
      const fromAlice = await a.send(id, "alice's");
      const fromBob = await b.send(id, "bob's");
      const foreign = await a.send(other.id, "elsewhere");

      const notMember = assertErrorAck(
        await m.ack("message:edit", { conversationId: id, messageId: fromAlice.id, body: "mine now" }),
        "not_found",
      );
      assert.equal(notMember.message, "conversation not found");
      assertErrorAck(await m.ack("message:delete", { conversationId: id, messageId: fromAlice.id }), "not_found");
      assertErrorAck(await m.ack("sync", { changes: { [id]: 0 } }), "not_found");
      assertErrorAck(
        await a.ack("message:edit", { conversationId: "999999999999", messageId: fromAlice.id, body: "x" }),
        "not_found",
      );
      const wrongConversation = assertErrorAck(
        await a.ack("message:edit", { conversationId: id, messageId: foreign.id, body: "x" }),
        "not_found",
      );
      assert.equal(wrongConversation.message, "message not found");
      assertErrorAck(await a.ack("message:delete", { conversationId: id, messageId: "999999999999" }), "not_found");

      assertErrorAck(await b.ack("message:edit", { conversationId: id, messageId: fromAlice.id, body: "bob says" }), "forbidden");
      assertErrorAck(await b.ack("message:delete", { conversationId: id, messageId: fromAlice.id }), "forbidden");
      // In a direct conversation its creator has no right over the other's messages.
      assertErrorAck(await a.ack("message:delete", { conversationId: id, messageId: fromBob.id }), "forbidden");

      await remove(a, id, fromAlice.id);
      assertErrorAck(await a.ack("message:edit", { conversationId: id, messageId: fromAlice.id, body: "undo" }), "conflict");

      await waitFeed(b, id, 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(b, id)), [
        ["message:new", 1],
        ["message:deleted", 3],
      ]);
      assert.deepEqual(
        (await ctx.history(bob, id)).map((msg) => [msg.body, msg.editedAt]),
        [
          ["", null],
          ["bob's", null],
        ],
      );
      assert.ok(a.connected && b.connected && m.connected, "refusals do not cost the connection");
    });
  });

  describe(`feed order on one connection (${name})`, () => {
    test("message:new, message:updated and message:deleted arrive in changeSeq order without gaps while three members change things at once", async () => {
      const [alice, bob, carol] = await ctx.users(3, "ord");
      const group = await ctx.group(alice, [bob, carol]);
      const id = group.id;
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const c = await ctx.connect(carol, options, "carol");

      const seedA = [];
      const seedB = [];
      for (let i = 0; i < 8; i += 1) {
        seedA.push(await a.send(id, `a${i}`));
        seedB.push(await b.send(id, `b${i}`));
      }
      // Everything at once: alice edits hers over the socket and sends more, bob deletes
      // his over the socket, carol edits nothing but watches, and HTTP edits race them.
      const acks = { a: [], b: [] };
      await Promise.all([
        (async () => {
          for (const m of seedA.slice(0, 6)) acks.a.push((await edit(a, id, m.id, `${m.body} edited`)).changeSeq);
        })(),
        (async () => {
          for (let i = 0; i < 6; i += 1) acks.a.push((await a.send(id, `a-more-${i}`)).changeSeq);
        })(),
        (async () => {
          for (const m of seedB.slice(0, 6)) acks.b.push((await remove(b, id, m.id)).changeSeq);
        })(),
        (async () => {
          for (const m of seedB.slice(6)) await httpEdit(bob, id, m.id, `${m.body} over http`);
          await httpDelete(alice, id, seedA[7].id);
        })(),
      ]);
      const total = 16 + 6 + 6 + 6 + 2 + 1; // seeds, alice's edits and sends, bob's deletes, HTTP
      const stored = await changesOver(ctx.client, carol, id);
      assert.deepEqual(
        stored.map((x) => x.changeSeq),
        range(1, total),
        "the feed is gap-free",
      );

      const feedC = await waitFeed(c, id, total, WAIT_MS * 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(
        feedOf(c, id).map((e) => e.changeSeq),
        range(1, total),
        "carol: every change once, in changeSeq order",
      );
      assert.deepEqual(
        feedC.map((e) => e.event),
        stored.map((x) => EVENT_OF_TYPE[x.type]),
        "carol: each change under the event of its type",
      );
      assert.deepEqual(
        feedC.map((e) => messageOf(e).id),
        stored.map((x) => x.message.id),
      );

      // The others: everything but what they made through their own socket, still in order.
      const ownA = [...seedA.map((m) => m.changeSeq), ...acks.a];
      const ownB = [...seedB.map((m) => m.changeSeq), ...acks.b];
      for (const [client, own] of [
        [a, ownA],
        [b, ownB],
      ]) {
        const expected = range(1, total).filter((s) => !own.includes(s));
        await waitFeed(client, id, expected.length);
        await sleep(SETTLE_MS);
        assert.deepEqual(
          feedOf(client, id).map((e) => e.changeSeq),
          expected,
          `${client.label}: the changes of the others, in order`,
        );
      }
    });
  });

  describe(`offline and back (${name})`, () => {
    test("a member offline during an edit, a delete and a new message gets all three on reconnect, then the same from sync {changes}", async () => {
      const [alice, bob] = await ctx.users(2, "off");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const m1 = await a.send(id, "one");
      const m2 = await a.send(id, "two");
      const m3 = await a.send(id, "three");

      const online = await ctx.connect(bob, options, "bob-online");
      await waitFeed(online, id, 3);
      const acked = await online.ack("receipt:delivered", { conversationId: id, seq: 3 });
      assert.equal(acked.ok, true, JSON.stringify(acked));
      online.close();

      const edited = await edit(a, id, m2.id, "two, edited while bob was away");
      const deleted = await remove(a, id, m1.id);
      const m4 = await a.send(id, "four, sent while bob was away");
      assert.deepEqual([edited.changeSeq, deleted.changeSeq, m4.changeSeq], [4, 5, 6]);

      const back = await ctx.connect(bob, options, "bob-back");
      const feed = await waitFeed(back, id, 3);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(back, id), [
        { event: "message:updated", changeSeq: 4, payload: edited },
        { event: "message:deleted", changeSeq: 5, payload: deleted },
        { event: "message:new", changeSeq: 6, payload: m4 },
      ]);
      assert.equal(feed.length, 3, "nothing before the delivered message is pushed again");

      // The same three from the last changeSeq bob had (3), by sync and by HTTP.
      const synced = await back.ack("sync", { changes: { [id]: 3 } });
      assert.equal(synced.ok, true, JSON.stringify(synced));
      assert.equal(synced.hasMore, false);
      assert.deepEqual(synced.changes.map(asEvent), feedOf(back, id));
      assert.deepEqual(synced.changes[2], {
        conversationId: id,
        changeSeq: 6,
        type: "created",
        actorId: alice.user.id,
        at: m4.createdAt,
        emoji: null,
        reason: null,
        message: m4,
      });
      assert.deepEqual(synced.changes, await changesOver(ctx.client, bob, id, 3));
      assert.deepEqual(await back.ack("sync", { changes: { [id]: 6 } }), { ok: true, changes: [], hasMore: false });
      assert.equal(m3.seq, 3);
    });

    test("catch-up resumes after the changeSeq of the delivered message, wherever edits fell in between", async () => {
      const [alice, bob] = await ctx.users(2, "resume");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const m1 = await a.send(id, "one"); // 1
      const m2 = await a.send(id, "two"); // 2
      await edit(a, id, m1.id, "one, edited"); // 3
      const m3 = await a.send(id, "three"); // 4
      await remove(a, id, m2.id); // 5
      assert.equal(m3.changeSeq, 4);
      const now = await changesOver(ctx.client, alice, id);

      // Never delivered: the whole feed, every entry with the message as it is now.
      const first = await ctx.connect(bob, options, "bob-1");
      await waitFeed(first, id, 5);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(first, id), now.map(asEvent));
      assert.equal(feedOf(first, id)[1].payload.body, "", "message:new of a deleted message is its tombstone");
      assert.equal(feedOf(first, id)[0].payload.body, "one, edited");
      await first.ack("receipt:delivered", { conversationId: id, seq: 2 });
      first.close();

      // Delivered up to seq 2 (changeSeq 2): the edit of m1 came after it.
      const second = await ctx.connect(bob, options, "bob-2");
      await waitFeed(second, id, 3);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(second, id), now.slice(2).map(asEvent));
      await second.ack("receipt:delivered", { conversationId: id, seq: 3 });
      second.close();

      // Delivered up to seq 3 (changeSeq 4): only the delete after it.
      const third = await ctx.connect(bob, options, "bob-3");
      await waitFeed(third, id, 1);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(third, id), now.slice(4).map(asEvent));

      // A new message live, delivered: the next connection gets nothing old.
      const m4 = await a.send(id, "four");
      const [live] = await third.waitMessages(id, 1);
      assert.deepEqual(live, m4);
      await third.ack("receipt:delivered", { conversationId: id, seq: 4 });
      third.close();
      const fourth = await ctx.connect(bob, options, "bob-4");
      const m5 = await a.send(id, "five");
      await fourth.waitMessages(id, 1);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(fourth, id), [{ event: "message:new", changeSeq: 7, payload: m5 }]);
    });

    test("a reader moving its read cursor past delivered also resumes from there", async () => {
      const [alice, bob] = await ctx.users(2, "read");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const m1 = await a.send(id, "one");
      await a.send(id, "two");
      await edit(a, id, m1.id, "one, edited"); // 3
      await a.send(id, "three"); // 4
      const edited = await edit(a, id, m1.id, "one, edited again"); // 5

      const first = await ctx.connect(bob, options, "bob-1");
      await waitFeed(first, id, 5);
      const read = await first.ack("receipt:read", { conversationId: id, seq: 3 });
      assert.equal(read.ok, true, JSON.stringify(read));
      assert.equal(read.deliveredSeq, 3, "reading moves delivered too");
      first.close();

      const second = await ctx.connect(bob, options, "bob-2");
      await waitFeed(second, id, 1);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(second, id), [{ event: "message:updated", changeSeq: 5, payload: edited }]);
    });

    test("a delivered receipt with changeSeq stops changes after the last message from coming back", async () => {
      const [alice, bob] = await ctx.users(2, "trail");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const m1 = await a.send(id, "one"); // 1
      const m2 = await a.send(id, "two"); // 2
      await edit(a, id, m1.id, "one, edited"); // 3
      await remove(a, id, m2.id); // 4

      const first = await ctx.connect(bob, options, "bob-1");
      await waitFeed(first, id, 4);
      // Bad cursors are refused and move nothing.
      assertErrorAck(
        await first.ack("receipt:delivered", { conversationId: id, seq: 2, changeSeq: 5 }),
        "invalid_argument",
        "changeSeq",
      );
      assertErrorAck(
        await first.ack("receipt:delivered", { conversationId: id, seq: 2, changeSeq: "4" }),
        "invalid_argument",
        "changeSeq",
      );
      // Without changeSeq (and so still at 2 after the refused ones) the edit and the delete
      // come back on the next connect ...
      assert.deepEqual(await first.ack("receipt:delivered", { conversationId: id, seq: 2 }), {
        ok: true,
        conversationId: id,
        deliveredSeq: 2,
        readSeq: 0,
        deliveredChangeSeq: 2,
      });
      first.close();
      const second = await ctx.connect(bob, options, "bob-2");
      await waitFeed(second, id, 2);
      assert.deepEqual(
        feedOf(second, id).map((e) => e.changeSeq),
        [3, 4],
      );
      // ... and with it, never again.
      assert.deepEqual(await second.ack("receipt:delivered", { conversationId: id, seq: 2, changeSeq: 4 }), {
        ok: true,
        conversationId: id,
        deliveredSeq: 2,
        readSeq: 0,
        deliveredChangeSeq: 4,
      });
      second.close();
      const third = await ctx.connect(bob, options, "bob-3");
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(third, id), []);
      // The next change arrives as usual.
      const m3 = await a.send(id, "three"); // 5
      await third.waitMessages(id, 1);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(third, id), [{ event: "message:new", changeSeq: 5, payload: m3 }]);
    });
  });
}

describe("sync {changes}", () => {
  test("pages the feed with hasMore, one budget for all conversations", async () => {
    const [alice, bob] = await ctx.users(2, "sync");
    const one = await ctx.direct(alice, bob);
    const two = await ctx.group(alice, [bob]);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const sent = [];
    for (let i = 0; i < 4; i += 1) sent.push(await a.send(one.id, `m${i}`));
    await edit(a, one.id, sent[0].id, "m0 edited"); // 5
    await remove(a, one.id, sent[1].id); // 6
    await edit(a, one.id, sent[2].id, "m2 edited"); // 7
    for (let i = 0; i < 3; i += 1) await a.send(two.id, `g${i}`);

    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const feedOne = await changesOver(ctx.client, bob, one.id);
    const feedTwo = await changesOver(ctx.client, bob, two.id);
    assert.equal(feedOne.length, 7);
    assert.equal(feedTwo.length, 3);

    const p1 = await b.ack("sync", { changes: { [one.id]: 0 } });
    assert.equal(p1.ok, true, JSON.stringify(p1));
    assert.deepEqual(Object.keys(p1).sort(), ["changes", "hasMore", "ok"]);
    assert.deepEqual(p1.changes, feedOne.slice(0, PAGE));
    assert.equal(p1.hasMore, true, "a full page with more after it says hasMore");
    const p2 = await b.ack("sync", { changes: { [one.id]: p1.changes.at(-1).changeSeq } });
    assert.deepEqual(p2.changes, feedOne.slice(PAGE));
    assert.equal(p2.hasMore, false);

    // Several conversations share one page, in ascending conversation id.
    const [low, high] = BigInt(one.id) < BigInt(two.id) ? [feedOne, feedTwo] : [feedTwo, feedOne];
    const lowId = low[0].conversationId;
    const highId = high[0].conversationId;
    const both = await b.ack("sync", { changes: { [highId]: 0, [lowId]: 0 } });
    assert.deepEqual(both.changes, [...low, ...high].slice(0, PAGE));
    assert.equal(both.hasMore, true);
    // Resuming each where it got to: the rest of the low one, then the high one.
    const lowAt = Math.min(low.length, PAGE);
    const rest = await b.ack("sync", { changes: { [lowId]: lowAt, [highId]: 0 } });
    const remaining = [...low.slice(lowAt), ...high];
    assert.deepEqual(rest.changes, remaining.slice(0, PAGE));
    assert.equal(rest.hasMore, remaining.length > PAGE);

    // Past the end, and past the last change: nothing.
    assert.deepEqual(await b.ack("sync", { changes: { [one.id]: 7 } }), { ok: true, changes: [], hasMore: false });
    assert.deepEqual(await b.ack("sync", { changes: { [one.id]: 1000 } }), { ok: true, changes: [], hasMore: false });
    // The other forms of sync still answer messages.
    const messages = await b.ack("sync", { cursors: { [one.id]: 0 } });
    assert.equal(messages.ok, true);
    assert.deepEqual(
      messages.messages.map((m) => m.seq),
      [1, 2, 3, 4],
    );
    assert.equal(messages.messages[1].body, "", "history shows the tombstone");
  });

  test("invalid payloads get invalid_argument naming the field; a foreign conversation not_found", async () => {
    const [alice, bob, mallory] = await ctx.users(3, "sbad");
    const { id } = await ctx.direct(alice, bob);
    await ctx.httpSend(alice, id, "x");
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const cases = [
      ["not an object", "payload"],
      [{ changes: [1, 2] }, "changes"],
      [{ changes: "all" }, "changes"],
      [{ changes: 5 }, "changes"],
      [{ changes: { abc: 0 } }, "changes"],
      [{ changes: { 0: 0 } }, "changes"],
      [{ changes: { "-3": 0 } }, "changes"],
      [{ changes: { [id]: -1 } }, "changes"],
      [{ changes: { [id]: 1.5 } }, "changes"],
      [{ changes: { [id]: "1" } }, "changes"],
      [{ changes: { [id]: true } }, "changes"],
      [{ changes: { [id]: null } }, "changes"],
      [{ changes: { [id]: {} } }, "changes"],
    ];
    for (const [payload, field] of cases) {
      const answer = await b.ack("sync", payload);
      assertErrorAck(answer, "invalid_argument", field);
    }
    const m = await ctx.connect(mallory, { transports: ["websocket"] }, "mallory");
    assertErrorAck(await m.ack("sync", { changes: { [id]: 0 } }), "not_found");
    assertErrorAck(await b.ack("sync", { changes: { 999999999999: 0 } }), "not_found");
    assert.ok(b.connected, "bad payloads do not cost the connection");
    const fine = await b.ack("sync", { changes: { [id]: 0 } });
    assert.equal(fine.ok, true);
    assert.equal(fine.changes.length, 1);
  });
});

describe("malformed message:edit and message:delete", () => {
  test("get invalid_argument naming the field, and change nothing", async () => {
    const [alice, bob] = await ctx.users(2, "mal");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const sent = await a.send(id, "untouched");
    const messageId = sent.id;
    const cases = [
      ["message:edit", "not an object", "payload"],
      ["message:edit", [id, messageId, "x"], "payload"],
      ["message:edit", { messageId, body: "x" }, "conversationId"],
      ["message:edit", { conversationId: "abc", messageId, body: "x" }, "conversationId"],
      ["message:edit", { conversationId: true, messageId, body: "x" }, "conversationId"],
      ["message:edit", { conversationId: id, body: "x" }, "messageId"],
      ["message:edit", { conversationId: id, messageId: "abc", body: "x" }, "messageId"],
      ["message:edit", { conversationId: id, messageId: -4, body: "x" }, "messageId"],
      ["message:edit", { conversationId: id, messageId }, "body"],
      ["message:edit", { conversationId: id, messageId, body: 42 }, "body"],
      ["message:edit", { conversationId: id, messageId, body: "" }, "body"],
      ["message:edit", { conversationId: id, messageId, body: "x".repeat(4001) }, "body"],
      ["message:edit", { conversationId: id, messageId, body: "bell\u0007" }, "body"],
      ["message:edit", { conversationId: id, messageId, body: "x", clientChangeId: 7 }, "clientChangeId"],
      ["message:edit", { conversationId: id, messageId, body: "x", clientChangeId: "k".repeat(65) }, "clientChangeId"],
      ["message:edit", { conversationId: id, messageId, body: "x", clientChangeId: "two words" }, "clientChangeId"],
      ["message:edit", { conversationId: id, messageId, body: "x", clientChangeId: "na\u00efve" }, "clientChangeId"],
      ["message:delete", "not an object", "payload"],
      ["message:delete", { messageId }, "conversationId"],
      ["message:delete", { conversationId: id }, "messageId"],
      ["message:delete", { conversationId: id, messageId: "0" }, "messageId"],
      ["message:delete", { conversationId: id, messageId, clientChangeId: ["k"] }, "clientChangeId"],
      ["message:delete", { conversationId: id, messageId, clientChangeId: "k".repeat(65) }, "clientChangeId"],
      ["message:delete", { conversationId: id, messageId, clientChangeId: "tab\tin" }, "clientChangeId"],
    ];
    for (const [event, payload, field] of cases) {
      assertErrorAck(await a.ack(event, payload), "invalid_argument", field);
    }
    await sleep(SETTLE_MS);
    assert.deepEqual(feedOf(b, id).map((e) => e.event), ["message:new"], "nothing was announced");
    assert.deepEqual(
      (await ctx.history(alice, id)).map((m) => [m.body, m.editedAt, m.deletedAt]),
      [["untouched", null, null]],
    );
    assert.equal((await ctx.listed(alice, id)).lastChangeSeq, 1);
    assert.ok(a.connected, "bad payloads do not cost the connection");
    // The longest key that is allowed, and a null key (no key), are fine.
    await edit(a, id, messageId, "edited", "k".repeat(64));
    const answer = await a.ack("message:delete", { conversationId: id, messageId, clientChangeId: null });
    assert.equal(answer.ok, true, JSON.stringify(answer));
  });

  test("an empty clientChangeId is refused like any key outside 1-64 characters", async () => {
    const [alice, bob] = await ctx.users(2, "ekey");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const sent = await a.send(id, "x");
    assertErrorAck(
      await a.ack("message:edit", { conversationId: id, messageId: sent.id, body: "y", clientChangeId: "" }),
      "invalid_argument",
      "clientChangeId",
    );
    assertErrorAck(
      await a.ack("message:delete", { conversationId: id, messageId: sent.id, clientChangeId: "" }),
      "invalid_argument",
      "clientChangeId",
    );
  });
});

describe("the seam between catch-up and live changes", () => {
  test("connecting while messages are edited, deleted and sent never delivers a change twice, late or out of order", async () => {
    const ROUNDS = 6;
    const problems = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const [alice, bob] = await ctx.users(2, "seam");
      const { id } = await ctx.direct(alice, bob);
      const { options } = TRANSPORTS[round % TRANSPORTS.length];
      const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
      const sent = [];
      for (let i = 0; i < 30; i += 1) sent.push(await a.send(id, `before ${i}`));
      const connecting = ctx.connect(bob, options, `bob-round-${round}`);
      await Promise.all([
        (async () => {
          for (const m of sent.slice(0, 10)) await edit(a, id, m.id, `${m.body} edited`);
        })(),
        (async () => {
          for (const m of sent.slice(10, 20)) await remove(a, id, m.id);
        })(),
        (async () => {
          for (let i = 0; i < 10; i += 1) await a.send(id, `during ${i}`);
        })(),
      ]);
      const b = await connecting;
      const total = 60;
      await waitFeed(b, id, total, WAIT_MS * 2);
      await sleep(100);
      const seqs = feedOf(b, id).map((e) => e.changeSeq);
      if (seqs.length !== total || seqs.some((s, i) => s !== i + 1)) {
        problems.push(`round ${round}: ${seqs.length} received: ${seqs.join(",")}`);
      }
      a.close();
      b.close();
    }
    assert.deepEqual(problems, [], "feed seams between catch-up and live delivery");
  });
});

describe("a member added while connected", () => {
  test("gets the group's changes from where they joined, each once and in order, while sends, edits and deletes race the add", async () => {
    const [alice, carol, bob] = await ctx.users(3, "join");
    const group = await ctx.group(alice, [carol]);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const c = await ctx.connect(carol, { transports: ["websocket"] }, "carol");
    const before = [];
    for (let i = 0; i < 6; i += 1) before.push(await a.send(group.id, `before ${i}`));
    // Bob is connected before he is a member, so catch-up knows nothing of the group.
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const adding = ctx.client.post(`/api/v1/conversations/${group.id}/members`, {
      token: alice.accessToken,
      body: { userIds: [bob.user.id] },
    });
    await Promise.all([
      adding,
      (async () => {
        for (let i = 0; i < 10; i += 1) await c.send(group.id, `during ${i}`);
      })(),
      (async () => {
        for (const m of before.slice(0, 3)) await edit(a, group.id, m.id, `${m.body} edited`);
        await remove(a, group.id, before[3].id);
      })(),
    ]);
    assert.equal((await adding).status, 200);
    for (let i = 0; i < 5; i += 1) await a.send(group.id, `after ${i}`);

    const joinedAt = (await ctx.client.get(`/api/v1/conversations/${group.id}/changes?after=0&limit=100`, {
      token: bob.accessToken,
    })).json.items.at(-1).changeSeq;
    assert.equal(joinedAt, 6 + 10 + 4 + 5);
    await b.until(() => feedOf(b, group.id).some((e) => e.changeSeq === joinedAt), "the last change", WAIT_MS);
    await sleep(SETTLE_MS);
    const seqs = feedOf(b, group.id).map((e) => e.changeSeq);
    assert.ok(seqs.length > 0);
    assert.deepEqual(seqs, range(seqs[0], joinedAt), "contiguous, each once, in order, up to the last change");
    const member = (await ctx.client.get(`/api/v1/conversations/${group.id}`, { token: bob.accessToken })).json;
    assert.equal(member.lastChangeSeq, joinedAt);
  });
});

describe("rate limit", () => {
  const limited = useChatServer({
    TALKLINE_MESSAGE_BURST_PER_USER: "3",
    TALKLINE_MESSAGES_PER_SECOND_PER_USER: "1",
  });

  test("edits and deletes draw on the message:send bucket", async () => {
    const [alice, bob] = await limited.users(2, "rl");
    const { id } = await limited.direct(alice, bob);
    const sent = await limited.httpSend(alice, id, "over http, outside the socket bucket");
    const a = await limited.connect(alice, { transports: ["websocket"] }, "alice");
    const answers = await Promise.all([
      a.ack("message:edit", { conversationId: id, messageId: sent.id, body: "e1" }),
      a.ack("message:send", { conversationId: id, clientMsgId: "rl-1", body: "s1" }),
      a.ack("message:edit", { conversationId: id, messageId: sent.id, body: "e2" }),
      a.ack("message:delete", { conversationId: id, messageId: sent.id }),
    ]);
    for (const answer of answers.slice(0, 3)) assert.equal(answer?.ok, true, JSON.stringify(answer));
    const refused = assertErrorAck(answers[3], "rate_limited");
    assert.ok(Number.isInteger(refused.retryAfter) && refused.retryAfter >= 1, JSON.stringify(refused));
    const stored = await limited.history(alice, id);
    assert.deepEqual(
      stored.map((m) => [m.body, m.deletedAt]),
      [
        ["e2", null],
        ["s1", null],
      ],
      "the refused delete changed nothing",
    );
  });
});
