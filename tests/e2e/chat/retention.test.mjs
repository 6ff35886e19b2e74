// Retention over Socket.IO: the sweep's expiries reach online members live as
// message:deleted (a `deleted` change with actorId null and reason "expired", in changeSeq
// order with the other changes), and a member offline during the sweep gets them on
// reconnect (catch-up) and from `sync {changes}`. The server keeps messages for 0.00005
// days (4.32 s) and sweeps every second.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { asEvent, assertSocketChange, changesOver, feedOf, shape, waitFeed, withoutMe } from "./feed_helpers.mjs";
import { SETTLE_MS, sleep, useChatServer } from "./helpers.mjs";

const RETENTION_MS = 4320;
const EXPIRY_WAIT_MS = RETENTION_MS + 10_000;

const ctx = useChatServer({ TALKLINE_RETENTION_DAYS: "0.00005", TALKLINE_RETENTION_SWEEP_SECONDS: "1" });

describe("retention", () => {
  test("an online member sees each expiry live as message:deleted with reason expired, in changeSeq order", async () => {
    const [alice, bob] = await ctx.users(2, "re");
    const group = await ctx.group(alice, [bob]);
    const id = group.id;
    const a = await ctx.connect(alice, {}, "alice");
    const b = await ctx.connect(bob, {}, "bob");
    const m1 = await a.send(id, "short-lived one");
    const m2 = await a.send(id, "short-lived two");
    await waitFeed(b, id, 2);

    const feed = await waitFeed(b, id, 4, EXPIRY_WAIT_MS);
    assert.deepEqual(shape(feed), [
      ["message:new", 1],
      ["message:new", 2],
      ["message:deleted", 3],
      ["message:deleted", 4],
    ]);
    for (const [entry, message] of [[feed[2], m1], [feed[3], m2]]) {
      assertSocketChange(entry.payload, {
        conversationId: id,
        changeSeq: entry.changeSeq,
        type: "deleted",
        actorId: null,
        messageId: message.id,
        emoji: null,
        reason: "expired",
      });
      assert.equal(entry.payload.message.body, "");
      assert.equal(entry.payload.message.seq, message.seq);
      assert.ok(entry.payload.message.deletedAt);
    }
    // The sender's socket hears it too (it got acks, not message:new, for its sends):
    // nobody made this change from a connection.
    await waitFeed(a, id, 2);
    assert.deepEqual(shape(feedOf(a, id)), [["message:deleted", 3], ["message:deleted", 4]]);
    assert.deepEqual(feedOf(b, id).slice(2), withoutMe(await changesOver(ctx.client, bob, id, 2)).map(asEvent));
  });

  test("a member offline during the sweep gets the expiries on reconnect and from sync {changes}", async () => {
    const [alice, bob] = await ctx.users(2, "rf");
    const group = await ctx.group(alice, [bob]);
    const id = group.id;
    const a = await ctx.connect(alice, {}, "alice");
    const online = await ctx.connect(bob, {}, "bob-online");
    const m1 = await a.send(id, "gone while away");
    await waitFeed(online, id, 1);
    const acked = await online.ack("receipt:delivered", { conversationId: id, seq: 1 });
    assert.equal(acked.ok, true, JSON.stringify(acked));
    online.close();

    // Alice sees the expiry (her own send was acked, not echoed); bob is away meanwhile.
    await waitFeed(a, id, 1, EXPIRY_WAIT_MS);
    await sleep(SETTLE_MS);

    const back = await ctx.connect(bob, {}, "bob-back");
    await waitFeed(back, id, 1);
    await sleep(SETTLE_MS);
    assert.deepEqual(shape(feedOf(back, id)), [["message:deleted", 2]]);
    const entry = feedOf(back, id)[0].payload;
    assertSocketChange(entry, {
      conversationId: id,
      changeSeq: 2,
      type: "deleted",
      actorId: null,
      messageId: m1.id,
      emoji: null,
      reason: "expired",
    });
    assert.equal(entry.message.body, "");

    const synced = await back.ack("sync", { changes: { [id]: 1 } });
    assert.equal(synced.ok, true, JSON.stringify(synced));
    assert.equal(synced.hasMore, false);
    assert.deepEqual(withoutMe(synced.changes).map(asEvent), feedOf(back, id));
    const history = await ctx.history(bob, id);
    assert.deepEqual(history.map((m) => [m.seq, m.body]), [[1, ""]]);
  });
});
