// Pins across nodes: a pin made through one node reaches members connected to the other
// as live message:pin, in changeSeq order with the conversation's other changes, and the
// other node's GET …/pins and GET …/changes have it (PostgreSQL store, Redis bus).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { api } from "../../integration/harness.mjs";
import { changesOver, feedOf, pin, pinsOver, unpin } from "../chat/feed_helpers.mjs";
import { connectSocket } from "../chat/helpers.mjs";
import { POLLING, SETTLE_MS, WEBSOCKET, assertFeed, messagesNow, useSocketCluster, waitFeed } from "./feed_helpers.mjs";
import { sleep } from "./model.mjs";

const ctx = useSocketCluster(2);

describe("pins across nodes", () => {
  test("a pin made on node 1 reaches members on node 2 live and is in node 2's GET …/pins and GET …/changes", async () => {
    const [alice, bob] = await ctx.users(2, "xp");
    const group = await ctx.group(alice, [bob]);
    const id = group.id;
    const [n1, n2] = ctx.cluster.nodeUrls;
    const a1 = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const a2 = await connectSocket(n2, alice.accessToken, POLLING, "alice@n2");
    const b = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");

    const first = await b.send(id, "pin across nodes"); // 1, on node 2
    const second = await b.send(id, "and this one"); // 2, on node 2
    const pinned1 = await pin(a1, id, first.id); // 3, on node 1
    const pinned2 = await pin(a1, id, second.id); // 4, on node 1
    const unpinned1 = await unpin(a1, id, first.id); // 5, on node 1
    assert.deepEqual(
      [first, second, pinned1, pinned2, unpinned1].map((x) => x.changeSeq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      [pinned1, pinned2, unpinned1].map((c) => [c.type, c.actorId, c.emoji, c.message.id]),
      [
        ["pinned", alice.user.id, null, first.id],
        ["pinned", alice.user.id, null, second.id],
        ["unpinned", alice.user.id, null, first.id],
      ],
    );

    const expected = [
      { event: "message:new", changeSeq: 1, payload: first },
      { event: "message:new", changeSeq: 2, payload: second },
      { event: "message:pin", changeSeq: 3, payload: pinned1 },
      { event: "message:pin", changeSeq: 4, payload: pinned2 },
      { event: "message:pin", changeSeq: 5, payload: unpinned1 },
    ];
    await waitFeed(a2, id, 5);
    await waitFeed(b, id, 3);
    await waitFeed(a1, id, 2);
    await sleep(SETTLE_MS);
    const now = messagesNow(expected);
    assertFeed(feedOf(a2, id), expected, now, "alice's device on node 2: every change once, in order");
    assertFeed(
      feedOf(b, id),
      expected.filter((e) => e.event === "message:pin"),
      now,
      "bob on node 2: alice's pins from node 1; his messages only as acks",
    );
    assertFeed(
      feedOf(a1, id),
      expected.filter((e) => e.event === "message:new"),
      now,
      "alice on node 1: bob's messages, not her own pins",
    );

    // Node 2 lists the pin made through node 1, for both members.
    for (const user of [bob, alice]) {
      const pins = await pinsOver(api(n2), user, id);
      assert.deepEqual(
        pins.map((p) => [p.message.id, p.pinnedBy, p.pinnedAt, p.message.body]),
        [[second.id, alice.user.id, pinned2.at, "and this one"]],
      );
    }
    assert.deepEqual(await pinsOver(api(n1), bob, id), await pinsOver(api(n2), bob, id));
    const forBob = await changesOver(api(n2), bob, id);
    assert.deepEqual(
      forBob.map((c) => [c.changeSeq, c.type, c.actorId, c.emoji]),
      [
        [1, "created", bob.user.id, null],
        [2, "created", bob.user.id, null],
        [3, "pinned", alice.user.id, null],
        [4, "pinned", alice.user.id, null],
        [5, "unpinned", alice.user.id, null],
      ],
    );
  });
});
