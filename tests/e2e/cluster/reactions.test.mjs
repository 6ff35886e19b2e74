// Reactions across nodes: a reaction made through one node reaches members connected to
// the other as live message:reaction, in changeSeq order with the conversation's other
// changes, and the other node's GET …/changes has it (PostgreSQL store, Redis bus).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { api } from "../../integration/harness.mjs";
import { PARTY, THUMBS, changesOver, feedOf, react, unreact } from "../chat/feed_helpers.mjs";
import { connectSocket } from "../chat/helpers.mjs";
import { POLLING, SETTLE_MS, WEBSOCKET, assertFeed, messagesNow, useSocketCluster, waitFeed } from "./feed_helpers.mjs";
import { sleep } from "./model.mjs";

const ctx = useSocketCluster(2);

describe("reactions across nodes", () => {
  test("a reaction made on node 1 reaches members on node 2 live and is in node 2's GET …/changes", async () => {
    const [alice, bob] = await ctx.users(2, "xr");
    const group = await ctx.group(alice, [bob]);
    const id = group.id;
    const [n1, n2] = ctx.cluster.nodeUrls;
    const a1 = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const a2 = await connectSocket(n2, alice.accessToken, POLLING, "alice@n2");
    const b = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");

    const sent = await b.send(id, "react across nodes"); // 1, on node 2
    const added = await react(a1, id, sent.id, THUMBS); // 2, on node 1
    const second = await react(b, id, sent.id, THUMBS); // 3, on node 2
    const party = await react(a1, id, sent.id, PARTY); // 4, on node 1
    const removed = await unreact(a1, id, sent.id, THUMBS); // 5, on node 1
    assert.deepEqual(
      [sent, added, second, party, removed].map((x) => x.changeSeq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(removed.message.reactions, [
      { emoji: THUMBS, count: 1 },
      { emoji: PARTY, count: 1 },
    ]);

    const expected = [
      { event: "message:new", changeSeq: 1, payload: sent },
      { event: "message:reaction", changeSeq: 2, payload: added },
      { event: "message:reaction", changeSeq: 3, payload: second },
      { event: "message:reaction", changeSeq: 4, payload: party },
      { event: "message:reaction", changeSeq: 5, payload: removed },
    ];
    await waitFeed(a2, id, 5);
    await waitFeed(b, id, 3);
    await waitFeed(a1, id, 2);
    await sleep(SETTLE_MS);
    const now = messagesNow(expected);
    assertFeed(feedOf(a2, id), expected, now, "alice's device on node 2: every change once, in order");
    assertFeed(
      feedOf(b, id),
      expected.filter((e) => [2, 4, 5].includes(e.changeSeq)),
      now,
      "bob on node 2: alice's reactions from node 1; his message and reaction only as acks",
    );
    assertFeed(
      feedOf(a1, id),
      expected.filter((e) => [1, 3].includes(e.changeSeq)),
      now,
      "alice on node 1: bob's message and bob's reaction",
    );

    // Node 2 reads the reactions made through node 1, each member with their own marks.
    const forBob = await changesOver(api(n2), bob, id);
    assert.deepEqual(
      forBob.map((c) => [c.changeSeq, c.type, c.actorId, c.emoji]),
      [
        [1, "created", bob.user.id, null],
        [2, "reacted", alice.user.id, THUMBS],
        [3, "reacted", bob.user.id, THUMBS],
        [4, "reacted", alice.user.id, PARTY],
        [5, "unreacted", alice.user.id, THUMBS],
      ],
    );
    for (const entry of forBob) {
      assert.deepEqual(entry.message.reactions, [
        { emoji: THUMBS, count: 1, me: true },
        { emoji: PARTY, count: 1, me: false },
      ]);
    }
    const forAlice = await changesOver(api(n2), alice, id);
    assert.deepEqual(forAlice.at(-1).message.reactions, [
      { emoji: THUMBS, count: 1, me: false },
      { emoji: PARTY, count: 1, me: true },
    ]);
    assert.deepEqual(
      forAlice.map((c) => ({ ...c, message: null })),
      forBob.map((c) => ({ ...c, message: null })),
    );
  });
});
