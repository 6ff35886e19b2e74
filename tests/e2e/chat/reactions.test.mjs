// Reactions over Socket.IO: reaction:add / reaction:remove acks and errors, the live
// message:reaction event (every member's connections but the one that reacted), reaction
// changes in a conversation's feed next to new messages, edits and deletes, and what a
// member who was offline gets back: catch-up on connect and `sync {changes}`.
// Live events, catch-up and acks carry reactions as {emoji, count}, without `me`.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  HEART,
  PARTY,
  THUMBS,
  asEvent,
  assertSocketChange,
  changesOver,
  edit,
  feedOf,
  react,
  remove,
  shape,
  unreact,
  useFeedServer,
  waitFeed,
  withoutMe,
} from "./feed_helpers.mjs";
import { SETTLE_MS, TRANSPORTS, assertErrorAck, sleep, uniqueSuffix, useChatServer } from "./helpers.mjs";

const PAGE = 5;

const ctx = useFeedServer(PAGE);

/** The message:reaction payloads `client` received for `conversationId`. */
function reactionsOf(client, conversationId) {
  return client.events("message:reaction", (c) => c.conversationId === conversationId);
}

async function httpReact(user, conversationId, messageId, emoji) {
  const res = await ctx.client.post(`/api/v1/conversations/${conversationId}/messages/${messageId}/reactions`, {
    token: user.accessToken,
    body: { emoji },
  });
  assert.equal(res.status, 200, `POST reactions: ${res.status} ${res.text}`);
  return res.json;
}

async function httpUnreact(user, conversationId, messageId, emoji) {
  const res = await ctx.client.del(
    `/api/v1/conversations/${conversationId}/messages/${messageId}/reactions?emoji=${encodeURIComponent(emoji)}`,
    { token: user.accessToken },
  );
  assert.equal(res.status, 200, `DELETE reactions: ${res.status} ${res.text}`);
  return res.json;
}

/** Asserts a reaction change as a socket carries it: its fields, and reactions without `me`. */
function assertSocketReactionChange(change, { reactions, ...expected }) {
  assertSocketChange(change, expected);
  assert.deepEqual(change.message.reactions, reactions, `reactions, without me: ${JSON.stringify(change)}`);
}

for (const { name, options } of TRANSPORTS) {
  describe(`reactions (${name})`, () => {
    test("reaction:add and reaction:remove ack the change; the others and the actor's other device get message:reaction, the reacting socket does not", async () => {
      const [alice, bob, carol] = await ctx.users(3, "re");
      const group = await ctx.group(alice, [bob, carol]);
      const id = group.id;
      const a1 = await ctx.connect(alice, options, "alice-1");
      const a2 = await ctx.connect(alice, options, "alice-2");
      const b = await ctx.connect(bob, options, "bob");
      const c = await ctx.connect(carol, options, "carol");

      const sent = await b.send(id, "react to this");
      assert.deepEqual(sent.reactions, []);
      const answer = await a1.ack("reaction:add", { conversationId: id, messageId: sent.id, emoji: THUMBS });
      assert.equal(answer?.ok, true, JSON.stringify(answer));
      assert.deepEqual(Object.keys(answer).sort(), ["change", "ok"]);
      const added = answer.change;
      assertSocketReactionChange(added, {
        conversationId: id,
        changeSeq: 2,
        type: "reacted",
        actorId: alice.user.id,
        messageId: sent.id,
        emoji: THUMBS,
        reactions: [{ emoji: THUMBS, count: 1 }],
      });
      assert.equal(added.message.body, "react to this");
      assert.equal(added.message.seq, sent.seq);
      assert.equal(added.message.changeSeq, sent.changeSeq);
      assert.equal(added.message.editedAt, null);

      for (const client of [a2, b, c]) {
        const [live] = await client.waitEvents("message:reaction", 1, (x) => x.conversationId === id);
        assert.deepEqual(live, added, `${client.label}: message:reaction carries the change of the ack`);
      }

      // Removed from alice's other device: now alice-1 hears of it, alice-2 only by ack.
      const removed = await unreact(a2, id, sent.id, THUMBS);
      assertSocketReactionChange(removed, {
        conversationId: id,
        changeSeq: 3,
        type: "unreacted",
        actorId: alice.user.id,
        messageId: sent.id,
        emoji: THUMBS,
        reactions: [],
      });
      for (const client of [a1, b, c]) {
        await client.waitEvents("message:reaction", client === a1 ? 1 : 2, (x) => x.conversationId === id);
      }
      await sleep(SETTLE_MS);
      assert.deepEqual(reactionsOf(a1, id), [removed], "alice-1: only the removal it did not make");
      assert.deepEqual(reactionsOf(a2, id), [added], "alice-2: only the add it did not make");
      for (const client of [b, c]) {
        assert.deepEqual(reactionsOf(client, id), [added, removed], `${client.label}: both, once each, in order`);
        assert.deepEqual(shape(feedOf(client, id)).slice(-2), [
          ["message:reaction", 2],
          ["message:reaction", 3],
        ]);
      }
    });

    test("counts follow every member's reactions in the live events, without me", async () => {
      const [alice, bob, carol] = await ctx.users(3, "cnt");
      const group = await ctx.group(alice, [bob, carol]);
      const id = group.id;
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const c = await ctx.connect(carol, options, "carol");
      const sent = await a.send(id, "count");
      await react(a, id, sent.id, THUMBS); // 2
      await react(b, id, sent.id, THUMBS); // 3
      await react(b, id, sent.id, PARTY); // 4
      const last = await react(c, id, sent.id, THUMBS); // 5
      assert.deepEqual(last.message.reactions, [
        { emoji: THUMBS, count: 3 },
        { emoji: PARTY, count: 1 },
      ]);
      const seen = await c.waitEvents("message:reaction", 3, (x) => x.conversationId === id);
      assert.deepEqual(
        seen.map((x) => [x.changeSeq, x.actorId, x.emoji, x.message.reactions]),
        [
          [2, alice.user.id, THUMBS, [{ emoji: THUMBS, count: 1 }]],
          [3, bob.user.id, THUMBS, [{ emoji: THUMBS, count: 2 }]],
          [
            4,
            bob.user.id,
            PARTY,
            [
              { emoji: THUMBS, count: 2 },
              { emoji: PARTY, count: 1 },
            ],
          ],
        ],
      );
      await a.waitEvents("message:reaction", 3, (x) => x.conversationId === id);
      assert.deepEqual(reactionsOf(a, id).at(-1), last);
    });

    test("reactions made over HTTP reach every member socket, the actor's included", async () => {
      const [alice, bob] = await ctx.users(2, "http");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const sent = await ctx.httpSend(alice, id, "over http");
      const added = await httpReact(bob, id, sent.id, HEART);
      const removed = await httpUnreact(bob, id, sent.id, HEART);
      const expected = [
        { event: "message:new", changeSeq: 1, payload: sent },
        { event: "message:reaction", changeSeq: 2, payload: withoutMe(added) },
        { event: "message:reaction", changeSeq: 3, payload: withoutMe(removed) },
      ];
      for (const client of [a, b]) {
        const feed = await waitFeed(client, id, 3);
        assert.deepEqual(feed, expected, `${client.label}`);
      }
      await sleep(SETTLE_MS);
      assert.equal(feedOf(a, id).length, 3);
      assert.equal(feedOf(b, id).length, 3);
    });

    test("a repeated add or removal, and a retry with the same clientChangeId, answer the earlier change and are not announced", async () => {
      const [alice, bob] = await ctx.users(2, "rt");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const sent = await b.send(id, "retry");
      const key = `r-${uniqueSuffix(10)}`;
      const first = await react(a, id, sent.id, THUMBS, key); // 2
      assert.deepEqual(await react(a, id, sent.id, THUMBS, key), first);
      assert.deepEqual(await react(a, id, sent.id, THUMBS), first, "already there: the change that put it there");
      const a2 = await ctx.connect(alice, options, "alice-2");
      assert.deepEqual(await react(a2, id, sent.id, THUMBS, key), first, "the key is the user's, on any device");
      const off = await unreact(a, id, sent.id, THUMBS); // 3
      assert.deepEqual(await unreact(a, id, sent.id, THUMBS), off);
      const late = await react(a, id, sent.id, THUMBS, key);
      assert.equal(late.changeSeq, first.changeSeq, "a late retry answers the first change");
      assert.deepEqual(late.message.reactions, [], "and adds nothing");

      // The key for another emoji, message or kind: conflict.
      const conflict = assertErrorAck(
        await a.ack("reaction:add", { conversationId: id, messageId: sent.id, emoji: PARTY, clientChangeId: key }),
        "conflict",
      );
      assert.equal(conflict.message, "clientChangeId was already used for a different change");
      assertErrorAck(
        await a.ack("reaction:remove", { conversationId: id, messageId: sent.id, emoji: THUMBS, clientChangeId: key }),
        "conflict",
      );
      assertErrorAck(await a.ack("message:delete", { conversationId: id, messageId: sent.id, clientChangeId: key }), "conflict");

      await waitFeed(b, id, 2);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(b, id)), [
        ["message:reaction", 2],
        ["message:reaction", 3],
      ]);
      assert.deepEqual(reactionsOf(b, id), [first, off]);
      assert.equal((await ctx.listed(bob, id)).lastChangeSeq, 3);
    });

    test("refusals: not_found for a non-member, a foreign message and a reaction never added; conflict for a deleted message", async () => {
      const [alice, bob, mallory] = await ctx.users(3, "ref");
      const { id } = await ctx.direct(alice, bob);
      const other = await ctx.direct(alice, mallory);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const m = await ctx.connect(mallory, options, "mallory");
      const sent = await a.send(id, "alice's");
      const foreign = await a.send(other.id, "elsewhere");

      for (const event of ["reaction:add", "reaction:remove"]) {
        const notMember = assertErrorAck(
          await m.ack(event, { conversationId: id, messageId: sent.id, emoji: THUMBS }),
          "not_found",
        );
        assert.equal(notMember.message, "conversation not found");
        assertErrorAck(await a.ack(event, { conversationId: "999999999999", messageId: sent.id, emoji: THUMBS }), "not_found");
        const wrong = assertErrorAck(
          await a.ack(event, { conversationId: id, messageId: foreign.id, emoji: THUMBS }),
          "not_found",
        );
        assert.equal(wrong.message, "message not found");
        assertErrorAck(await a.ack(event, { conversationId: id, messageId: "999999999999", emoji: THUMBS }), "not_found");
      }
      const never = assertErrorAck(
        await b.ack("reaction:remove", { conversationId: id, messageId: sent.id, emoji: THUMBS }),
        "not_found",
      );
      assert.equal(never.message, "reaction not found");

      await react(b, id, sent.id, THUMBS); // 2
      await remove(a, id, sent.id); // 3
      for (const [event, emoji] of [
        ["reaction:add", PARTY],
        ["reaction:add", THUMBS],
        ["reaction:remove", THUMBS],
      ]) {
        const gone = assertErrorAck(await b.ack(event, { conversationId: id, messageId: sent.id, emoji }), "conflict");
        assert.equal(gone.message, "the message was deleted");
      }
      await waitFeed(a, id, 1);
      await sleep(SETTLE_MS);
      assert.deepEqual(shape(feedOf(a, id)), [["message:reaction", 2]]);
      assert.deepEqual(shape(feedOf(b, id)), [
        ["message:new", 1],
        ["message:deleted", 3],
      ]);
      const deleted = feedOf(b, id)[1].payload;
      assert.deepEqual(deleted.message.reactions, [], "a deleted message keeps no reactions");
      assert.deepEqual((await ctx.history(bob, id))[0].reactions, []);
      assert.ok(a.connected && b.connected && m.connected, "refusals do not cost the connection");
    });
  });

  describe(`offline and back (${name})`, () => {
    test("a member offline during an edit, a delete and a reaction gets all three on reconnect, in changeSeq order, then the same from sync {changes}", async () => {
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

      const edited = await edit(a, id, m2.id, "two, edited while bob was away"); // 4
      const deleted = await remove(a, id, m1.id); // 5
      const reacted = await react(a, id, m3.id, PARTY); // 6
      assert.deepEqual([edited.changeSeq, deleted.changeSeq, reacted.changeSeq], [4, 5, 6]);

      const back = await ctx.connect(bob, options, "bob-back");
      await waitFeed(back, id, 3);
      await sleep(SETTLE_MS);
      assert.deepEqual(feedOf(back, id), [
        { event: "message:updated", changeSeq: 4, payload: edited },
        { event: "message:deleted", changeSeq: 5, payload: deleted },
        { event: "message:reaction", changeSeq: 6, payload: reacted },
      ]);
      assert.deepEqual(reacted.message.reactions, [{ emoji: PARTY, count: 1 }], "catch-up carries no me");

      const synced = await back.ack("sync", { changes: { [id]: 3 } });
      assert.equal(synced.ok, true, JSON.stringify(synced));
      assert.equal(synced.hasMore, false);
      assert.deepEqual(withoutMe(synced.changes).map(asEvent), feedOf(back, id));
      const overHttp = await changesOver(ctx.client, bob, id, 3);
      assert.deepEqual(withoutMe(synced.changes), withoutMe(overHttp));
      assert.deepEqual(overHttp[2].message.reactions, [{ emoji: PARTY, count: 1, me: false }], "GET changes marks me");
      assert.deepEqual(await back.ack("sync", { changes: { [id]: 6 } }), { ok: true, changes: [], hasMore: false });
    });

    test("catch-up and sync {changes} page through reactions mixed with messages, gap-free", async () => {
      const [alice, bob] = await ctx.users(2, "page");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const sent = [];
      for (let i = 0; i < 3; i += 1) sent.push(await a.send(id, `m${i}`)); // 1..3
      for (const emoji of [THUMBS, PARTY, HEART]) await react(a, id, sent[0].id, emoji); // 4..6
      await unreact(a, id, sent[0].id, PARTY); // 7
      await react(a, id, sent[2].id, THUMBS); // 8
      await a.send(id, "m3"); // 9
      const total = 9;
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
      assert.equal(p2.hasMore, false);
      assert.deepEqual(withoutMe([...p1.changes, ...p2.changes]), withoutMe(now));
    });
  });
}

describe("emoji order", () => {
  test("follows the order in which the emoji were first used, also for reactions made in quick succession", async () => {
    const [alice, bob] = await ctx.users(2, "qo");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const sent = await a.send(id, "quick");
    // Descending byte order, so an order by bytes shows.
    const emoji = ["z", "y", "x", "w", "v", "u", "t", "s", "r", "q", "p", "o"];
    const changes = [];
    for (const e of emoji) changes.push(await react(a, id, sent.id, e));
    assert.deepEqual(
      changes.map((c) => c.changeSeq),
      Array.from({ length: emoji.length }, (_, i) => i + 2),
    );
    const expected = emoji.map((e) => ({ emoji: e, count: 1 }));
    assert.deepEqual(changes.at(-1).message.reactions, expected, "the ack of the last reaction");
    const stored = (await ctx.history(alice, id))[0];
    assert.deepEqual(withoutMe(stored.reactions), expected, "history");
  });

  test("of reactions sent at once is their changeSeq order", async () => {
    const [alice, bob] = await ctx.users(2, "qc");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const sent = await a.send(id, "burst");
    const emoji = ["z", "y", "x", "w", "v", "u", "t", "s"];
    const changes = await Promise.all(emoji.map((e) => react(a, id, sent.id, e)));
    const byChangeSeq = [...changes].sort((x, y) => x.changeSeq - y.changeSeq).map((c) => ({ emoji: c.emoji, count: 1 }));
    const stored = (await ctx.history(alice, id))[0];
    assert.deepEqual(withoutMe(stored.reactions), byChangeSeq);
  });
});

describe("malformed reaction:add and reaction:remove", () => {
  test("get invalid_argument naming the field, and change nothing", async () => {
    const [alice, bob] = await ctx.users(2, "mal");
    const { id } = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
    const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
    const sent = await a.send(id, "untouched");
    const messageId = sent.id;
    const cases = [];
    for (const event of ["reaction:add", "reaction:remove"]) {
      cases.push(
        [event, "not an object", "payload"],
        [event, [id, messageId, THUMBS], "payload"],
        [event, { messageId, emoji: THUMBS }, "conversationId"],
        [event, { conversationId: "abc", messageId, emoji: THUMBS }, "conversationId"],
        [event, { conversationId: id, emoji: THUMBS }, "messageId"],
        [event, { conversationId: id, messageId: "0", emoji: THUMBS }, "messageId"],
        [event, { conversationId: id, messageId }, "emoji"],
        [event, { conversationId: id, messageId, emoji: 42 }, "emoji"],
        [event, { conversationId: id, messageId, emoji: null }, "emoji"],
        [event, { conversationId: id, messageId, emoji: true }, "emoji"],
        [event, { conversationId: id, messageId, emoji: [THUMBS] }, "emoji"],
        [event, { conversationId: id, messageId, emoji: { e: THUMBS } }, "emoji"],
        [event, { conversationId: id, messageId, emoji: "" }, "emoji"],
        [event, { conversationId: id, messageId, emoji: "x".repeat(33) }, "emoji"],
        [event, { conversationId: id, messageId, emoji: "two words" }, "emoji"],
        [event, { conversationId: id, messageId, emoji: "tab\t" }, "emoji"],
        [event, { conversationId: id, messageId, emoji: "bell\u0007" }, "emoji"],
        [event, { conversationId: id, messageId, emoji: THUMBS, clientChangeId: 7 }, "clientChangeId"],
        [event, { conversationId: id, messageId, emoji: THUMBS, clientChangeId: "" }, "clientChangeId"],
        [event, { conversationId: id, messageId, emoji: THUMBS, clientChangeId: "k".repeat(65) }, "clientChangeId"],
        [event, { conversationId: id, messageId, emoji: THUMBS, clientChangeId: "two words" }, "clientChangeId"],
      );
    }
    for (const [event, payload, field] of cases) {
      assertErrorAck(await a.ack(event, payload), "invalid_argument", field);
    }
    await sleep(SETTLE_MS);
    assert.deepEqual(feedOf(b, id).map((e) => e.event), ["message:new"], "nothing was announced");
    assert.deepEqual((await ctx.history(alice, id))[0].reactions, []);
    assert.equal((await ctx.listed(alice, id)).lastChangeSeq, 1);
    assert.ok(a.connected, "bad payloads do not cost the connection");
    // The longest key, and a null key (no key), are fine.
    await react(a, id, messageId, THUMBS, "k".repeat(64));
    const answer = await a.ack("reaction:remove", { conversationId: id, messageId, emoji: THUMBS, clientChangeId: null });
    assert.equal(answer.ok, true, JSON.stringify(answer));
  });
});

describe("rate limit", () => {
  const limited = useChatServer({
    TALKLINE_MESSAGE_BURST_PER_USER: "3",
    TALKLINE_MESSAGES_PER_SECOND_PER_USER: "1",
  });

  test("reaction:add and reaction:remove draw on the message:send bucket", async () => {
    const [alice, bob] = await limited.users(2, "rl");
    const { id } = await limited.direct(alice, bob);
    const sent = await limited.httpSend(bob, id, "over http, outside the socket bucket");
    const a = await limited.connect(alice, { transports: ["websocket"] }, "alice");
    const answers = await Promise.all([
      a.ack("reaction:add", { conversationId: id, messageId: sent.id, emoji: THUMBS }),
      a.ack("message:send", { conversationId: id, clientMsgId: "rl-1", body: "s1" }),
      a.ack("reaction:remove", { conversationId: id, messageId: sent.id, emoji: THUMBS }),
      a.ack("reaction:add", { conversationId: id, messageId: sent.id, emoji: PARTY }),
    ]);
    for (const answer of answers.slice(0, 3)) assert.equal(answer?.ok, true, JSON.stringify(answer));
    const refused = assertErrorAck(answers[3], "rate_limited");
    assert.ok(Number.isInteger(refused.retryAfter) && refused.retryAfter >= 1, JSON.stringify(refused));
    const stored = await limited.history(alice, id);
    assert.deepEqual(
      stored.map((m) => [m.body, m.reactions]),
      [
        ["over http, outside the socket bucket", []],
        ["s1", []],
      ],
      "the refused reaction changed nothing",
    );
  });
});
