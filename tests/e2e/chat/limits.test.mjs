// Per-user limits of the gateway: the message:send token bucket and the number of
// open connections.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { TRANSPORTS, assertErrorAck, connectRefused, eventually, useChatServer } from "./helpers.mjs";

const ctx = useChatServer({
  TALKLINE_MESSAGE_BURST_PER_USER: "3",
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "1",
  TALKLINE_MAX_CONNECTIONS_PER_USER: "3",
});

for (const { name, options } of TRANSPORTS) {
  describe(`limits (${name})`, () => {
    test("the 4th quick send is refused with rate_limited and not stored", async () => {
      const [alice, bob] = await ctx.users(2, "rl");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");

      const answers = await Promise.all(
        [1, 2, 3, 4].map((i) =>
          a.ack("message:send", { conversationId: conversation.id, clientMsgId: `quick-${i}`, body: `quick ${i}` }),
        ),
      );
      for (const answer of answers.slice(0, 3)) assert.equal(answer?.ok, true, JSON.stringify(answer));
      const refused = assertErrorAck(answers[3], "rate_limited");
      assert.ok(Number.isInteger(refused.retryAfter) && refused.retryAfter >= 1, `retryAfter: ${JSON.stringify(refused)}`);

      // The bucket is per user, not per socket: another device is refused as well.
      const a2 = await ctx.connect(alice, options, "alice-2");
      assertErrorAck(
        await a2.ack("message:send", { conversationId: conversation.id, clientMsgId: "other-device", body: "x" }),
        "rate_limited",
      );

      const stored = await ctx.history(alice, conversation.id);
      assert.deepEqual(
        stored.map((m) => m.clientMsgId),
        ["quick-1", "quick-2", "quick-3"],
        "refused sends store nothing",
      );
      await b.waitMessages(conversation.id, 3);
      assert.deepEqual(
        b.messages(conversation.id).map((m) => m.seq),
        [1, 2, 3],
      );
    });

    test("connections past TALKLINE_MAX_CONNECTIONS_PER_USER are refused; closing one makes room", async () => {
      const [alice] = await ctx.users(1, "mx");
      const open = [];
      for (let i = 0; i < 3; i += 1) open.push(await ctx.connect(alice, options, `alice-${i}`));
      const error = await connectRefused(ctx.baseUrl, alice.accessToken, options);
      assert.equal(error.data?.code, "rate_limited", JSON.stringify(error.data));

      open[0].close();
      // The server frees the slot once it has processed the disconnect.
      const again = await eventually(
        () => ctx.connect(alice, options, "alice-again").catch(() => null),
        "a connection to be admitted after one closed",
      );
      assert.equal(again.connected, true);
    });
  });
}
