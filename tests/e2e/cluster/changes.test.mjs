// Edits and deletes across nodes: a change made through one node reaches members
// connected to the others as live message:updated / message:deleted, in changeSeq
// order with the conversation's new messages (PostgreSQL store, Redis bus).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { EVENT_OF_TYPE, changesOver, edit, feedOf, range, remove } from "../chat/feed_helpers.mjs";
import { connectSocket } from "../chat/helpers.mjs";
import { POLLING, SETTLE_MS, WEBSOCKET, assertFeed, messagesNow, useSocketCluster, waitFeed } from "./feed_helpers.mjs";
import { sleep } from "./model.mjs";

const ctx = useSocketCluster(3);

describe("change feed across nodes", () => {
  test("an edit and a delete made on node 1 reach members on nodes 2 and 3 live, in changeSeq order with the messages", async () => {
    const [alice, bob, carol] = await ctx.users(3, "xf");
    const group = await ctx.group(alice, [bob, carol]);
    const id = group.id;
    const [n1, n2, n3] = ctx.cluster.nodeUrls;
    const a = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const b = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");
    const c = await connectSocket(n3, carol.accessToken, POLLING, "carol@n3");

    const m1 = await a.send(id, "one");
    const m2 = await b.send(id, "two");
    const edited = await edit(a, id, m1.id, "one, edited on node 1");
    const m3 = await a.send(id, "three");
    const deleted = await remove(a, id, m2.id); // the owner deletes bob's message
    const m4 = await b.send(id, "four");
    assert.deepEqual(
      [m1, m2, edited, m3, deleted, m4].map((x) => x.changeSeq),
      [1, 2, 3, 4, 5, 6],
    );

    const expected = [
      { event: "message:new", changeSeq: 1, payload: m1 },
      { event: "message:new", changeSeq: 2, payload: m2 },
      { event: "message:updated", changeSeq: 3, payload: edited },
      { event: "message:new", changeSeq: 4, payload: m3 },
      { event: "message:deleted", changeSeq: 5, payload: deleted },
      { event: "message:new", changeSeq: 6, payload: m4 },
    ];
    await waitFeed(c, id, 6);
    await waitFeed(b, id, 4);
    await waitFeed(a, id, 2);
    await sleep(SETTLE_MS);
    const now = messagesNow(expected);
    assertFeed(feedOf(c, id), expected, now, "carol on node 3: every change once, in order");
    assertFeed(
      feedOf(b, id),
      expected.filter((e) => [1, 3, 4, 5].includes(e.changeSeq)),
      now,
      "bob on node 2: alice's changes, his own only as acks",
    );
    assertFeed(
      feedOf(a, id),
      expected.filter((e) => [2, 6].includes(e.changeSeq)),
      now,
      "alice on node 1: bob's messages",
    );
    assert.equal(deleted.message.body, "");
    assert.equal(edited.message.body, "one, edited on node 1");
  });

  test("changes made at once through three nodes reach every member in one gap-free changeSeq order", async () => {
    const [alice, bob, carol, dave] = await ctx.users(4, "xc");
    const group = await ctx.group(alice, [bob, carol, dave]);
    const id = group.id;
    const [n1, n2, n3] = ctx.cluster.nodeUrls;
    const a = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const b = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");
    const c = await connectSocket(n3, carol.accessToken, WEBSOCKET, "carol@n3");
    const watchers = [
      await connectSocket(n1, dave.accessToken, WEBSOCKET, "dave@n1"),
      await connectSocket(n2, dave.accessToken, POLLING, "dave@n2"),
      await connectSocket(n3, dave.accessToken, WEBSOCKET, "dave@n3"),
    ];

    const seeds = { a: [], b: [], c: [] };
    for (let i = 0; i < 5; i += 1) {
      seeds.a.push(await a.send(id, `a${i}`));
      seeds.b.push(await b.send(id, `b${i}`));
      seeds.c.push(await c.send(id, `c${i}`));
    }
    const own = { a: seeds.a.map((m) => m.changeSeq), b: seeds.b.map((m) => m.changeSeq), c: seeds.c.map((m) => m.changeSeq) };
    // Alice edits hers on node 1, bob deletes his on node 2, carol sends on node 3, all at once.
    await Promise.all([
      (async () => {
        for (const m of seeds.a) own.a.push((await edit(a, id, m.id, `${m.body} edited`)).changeSeq);
      })(),
      (async () => {
        for (const m of seeds.b) own.b.push((await remove(b, id, m.id)).changeSeq);
      })(),
      (async () => {
        for (let i = 0; i < 5; i += 1) own.c.push((await c.send(id, `c-more-${i}`)).changeSeq);
      })(),
    ]);
    const total = 15 + 15;
    const stored = await changesOver(ctx.http, dave, id);
    assert.deepEqual(
      stored.map((x) => x.changeSeq),
      range(1, total),
      "the store's feed is gap-free across nodes",
    );

    for (const w of watchers) await waitFeed(w, id, total);
    for (const [client, mine] of [
      [a, own.a],
      [b, own.b],
      [c, own.c],
    ]) {
      await waitFeed(client, id, total - mine.length);
    }
    await sleep(SETTLE_MS);
    for (const w of watchers) {
      const feed = feedOf(w, id);
      assert.deepEqual(
        feed.map((e) => e.changeSeq),
        range(1, total),
        `${w.label}: every change once, in changeSeq order`,
      );
      assert.deepEqual(
        feed.map((e) => e.event),
        stored.map((x) => EVENT_OF_TYPE[x.type]),
        `${w.label}: each change under the event of its type`,
      );
    }
    for (const [client, mine] of [
      [a, own.a],
      [b, own.b],
      [c, own.c],
    ]) {
      assert.deepEqual(
        feedOf(client, id).map((e) => e.changeSeq),
        range(1, total).filter((s) => !mine.includes(s)),
        `${client.label}: the others' changes, in order`,
      );
    }
  });

  test("a member away while another node edits and deletes gets both on reconnecting to a third node", async () => {
    const [alice, bob] = await ctx.users(2, "xo");
    const { id } = await ctx.direct(alice, bob);
    const [n1, n2, n3] = ctx.cluster.nodeUrls;
    const a = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const m1 = await a.send(id, "one");
    const m2 = await a.send(id, "two");

    const away = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");
    await waitFeed(away, id, 2);
    assert.equal((await away.ack("receipt:delivered", { conversationId: id, seq: 2 })).ok, true);
    away.close();

    const edited = await edit(a, id, m1.id, "one, edited while bob was away");
    const deleted = await remove(a, id, m2.id);
    const m3 = await a.send(id, "three");

    const back = await connectSocket(n3, bob.accessToken, POLLING, "bob@n3");
    await waitFeed(back, id, 3);
    await sleep(SETTLE_MS);
    assert.deepEqual(feedOf(back, id), [
      { event: "message:updated", changeSeq: 3, payload: edited },
      { event: "message:deleted", changeSeq: 4, payload: deleted },
      { event: "message:new", changeSeq: 5, payload: m3 },
    ]);
    const synced = await back.ack("sync", { changes: { [id]: 2 } });
    assert.equal(synced.ok, true, JSON.stringify(synced));
    assert.deepEqual(
      synced.changes.map((x) => [x.changeSeq, x.type, x.message.id]),
      [
        [3, "edited", m1.id],
        [4, "deleted", m2.id],
        [5, "created", m3.id],
      ],
    );
  });
});
