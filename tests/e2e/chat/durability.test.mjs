// Crash safety: every message:send that was acknowledged survives a kill -9 of the
// server, and a restarted server continues the conversation without gaps.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, assertSeqRun, sleep, useChatServer } from "./helpers.mjs";

const N = 50;

// Default durability settings (TALKLINE_SQLITE_SYNCHRONOUS=full): an ack means committed.
const ctx = useChatServer({
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
  TALKLINE_MESSAGE_BURST_PER_USER: "100000",
});

for (const { name, options } of TRANSPORTS) {
  describe(`crash safety (${name})`, () => {
    test(`${N} acknowledged sends survive kill -9 and a restart, seq 1..${N} without gaps`, async () => {
      if (!ctx.server.running()) await ctx.server.restart();
      const [alice, bob] = await ctx.users(2, "crash");
      const conversation = await ctx.direct(alice, bob);
      const id = conversation.id;
      const a = await ctx.connect(alice, options, "alice");

      const acked = [];
      for (let i = 1; i <= N; i += 1) acked.push(await a.send(id, `durable ${i}`, `durable-${i}`));
      await ctx.server.kill9();
      a.close();
      assertSeqRun(
        acked.map((m) => m.seq),
        1,
        N,
        "acked seqs",
      );

      await ctx.server.restart();
      const stored = await ctx.history(bob, id);
      assertSeqRun(
        stored.map((m) => m.seq),
        1,
        N,
        "history after the restart",
      );
      assert.deepEqual(stored, acked, "history holds exactly the acknowledged messages");

      // Reconnected clients: bob catches up on all of them, alice continues at N+1,
      // and a retry of an acknowledged send still answers the original.
      const b = await ctx.connect(bob, options, "bob");
      const caughtUp = await b.waitMessages(id, N);
      assert.deepEqual(caughtUp, acked);
      const a2 = await ctx.connect(alice, options, "alice-again");
      const retried = await a2.send(id, `durable ${N}`, `durable-${N}`);
      assert.deepEqual(retried, acked.at(-1));
      const next = await a2.send(id, "after the crash");
      assert.equal(next.seq, N + 1);
      await b.waitMessages(id, N + 1);
      await sleep(SETTLE_MS);
      assertSeqRun(
        b.messages(id).map((m) => m.seq),
        1,
        N + 1,
        "bob's message:new after the restart",
      );
    });
  });
}
