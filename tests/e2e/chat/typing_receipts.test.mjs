// Typing indicators (rooms, relay, throttle, expiry) and delivery/read receipts
// (forward-only cursors, `receipt` events, unread counts).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, WAIT_MS, assertErrorAck, sleep, useChatServer } from "./helpers.mjs";

const TYPING_EXPIRY_MS = 500;
const TYPING_THROTTLE_MS = 1000;

const ctx = useChatServer({
  TALKLINE_TYPING_EXPIRY_MS: String(TYPING_EXPIRY_MS),
  TALKLINE_TYPING_THROTTLE_MS: String(TYPING_THROTTLE_MS),
});

async function join(client, conversationId) {
  const answer = await client.ack("conversation:join", { conversationId });
  assert.equal(answer?.ok, true, `${client.label}: join: ${JSON.stringify(answer)}`);
  assert.equal(answer.conversation?.id, conversationId);
  return answer;
}

for (const { name, options } of TRANSPORTS) {
  describe(`typing (${name})`, () => {
    test("typing true and false reach the other member's joined sockets, never the typist's", async () => {
      const [alice, bob] = await ctx.users(2, "typ");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const a2 = await ctx.connect(alice, options, "alice-2");
      const b = await ctx.connect(bob, options, "bob");
      const bNotJoined = await ctx.connect(bob, options, "bob-not-joined");
      await join(a, conversation.id);
      await join(a2, conversation.id);
      const joined = await join(b, conversation.id);
      assert.equal(joined.conversation.type, "direct");

      const isTyping = (value) => (t) => t.conversationId === conversation.id && t.typing === value;
      assert.deepEqual(await a.ack("typing", { conversationId: conversation.id, typing: true }), { ok: true });
      const started = await b.waitEvent("typing", isTyping(true));
      assert.deepEqual(started, { conversationId: conversation.id, userId: alice.user.id, typing: true });

      assert.deepEqual(await a.ack("typing", { conversationId: conversation.id, typing: false }), { ok: true });
      const stopped = await b.waitEvent("typing", isTyping(false));
      assert.deepEqual(stopped, { conversationId: conversation.id, userId: alice.user.id, typing: false });

      await sleep(SETTLE_MS);
      assert.equal(b.events("typing").length, 2, "one relay per change");
      assert.deepEqual(a.events("typing"), [], "the typist does not hear itself");
      assert.deepEqual(a2.events("typing"), [], "nor do the typist's other devices");
      assert.deepEqual(bNotJoined.events("typing"), [], "a socket that did not join the conversation gets no typing");
    });

    test("typing true repeated within the throttle is relayed once", async () => {
      const [alice, bob] = await ctx.users(2, "thr");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      await join(b, conversation.id);

      for (let i = 0; i < 5; i += 1) {
        assert.equal((await a.ack("typing", { conversationId: conversation.id, typing: true }))?.ok, true);
      }
      await b.waitEvent("typing", (t) => t.typing === true);
      await sleep(SETTLE_MS);
      assert.equal(b.events("typing", (t) => t.typing === true).length, 1, "keystrokes within the throttle relay once");
    });

    test("a socket that left the conversation gets no typing; one still joined does", async () => {
      const [alice, bob] = await ctx.users(2, "lv");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const left = await ctx.connect(bob, options, "bob-left");
      const stayed = await ctx.connect(bob, options, "bob-stayed");
      await join(left, conversation.id);
      await join(stayed, conversation.id);
      assert.deepEqual(await left.ack("conversation:leave", { conversationId: conversation.id }), { ok: true });

      await a.ack("typing", { conversationId: conversation.id, typing: true });
      await stayed.waitEvent("typing", (t) => t.typing === true);
      await sleep(SETTLE_MS);
      assert.deepEqual(left.events("typing"), []);
    });

    test("a lone typing true is withdrawn with typing false after the expiry", async () => {
      const [alice, bob] = await ctx.users(2, "exp");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      await join(b, conversation.id);

      await a.ack("typing", { conversationId: conversation.id, typing: true });
      await b.waitEvent("typing", (t) => t.typing === true);
      const startedAt = Date.now();
      const withdrawn = await b.waitEvent("typing", (t) => t.typing === false, WAIT_MS);
      const after = Date.now() - startedAt;
      assert.deepEqual(withdrawn, { conversationId: conversation.id, userId: alice.user.id, typing: false });
      assert.ok(after >= TYPING_EXPIRY_MS - 150, `withdrawn after ${after} ms, before the ${TYPING_EXPIRY_MS} ms expiry`);
      await sleep(SETTLE_MS);
      assert.equal(b.events("typing").length, 2, "exactly one start and one withdrawal");
    });
  });

  describe(`receipts (${name})`, () => {
    test("delivered/read cursors move forward only and the other member gets receipt events", async () => {
      const [alice, bob] = await ctx.users(2, "rcp");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const b2 = await ctx.connect(bob, options, "bob-2");
      const id = conversation.id;

      for (let i = 1; i <= 5; i += 1) await a.send(id, `m${i}`);
      await b.waitMessages(id, 5);
      assert.equal((await ctx.listed(bob, id)).unreadCount, 5);

      // delivered 3: the cursor moves, alice hears of it.
      let answer = await b.ack("receipt:delivered", { conversationId: id, seq: 3 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 3, readSeq: 0, deliveredChangeSeq: 3 });
      const delivered = await a.waitEvent("receipt", (r) => r.type === "delivered");
      assert.equal(delivered.conversationId, id);
      assert.equal(delivered.userId, bob.user.id);
      assert.equal(delivered.seq, 3);
      assert.ok(!Number.isNaN(Date.parse(delivered.at)), `receipt.at must be a time: ${delivered.at}`);

      // a lower delivered seq changes nothing and tells no one.
      answer = await b.ack("receipt:delivered", { conversationId: id, seq: 1 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 3, readSeq: 0, deliveredChangeSeq: 3 });

      // read 2: read moves, delivered stays at 3.
      answer = await b.ack("receipt:read", { conversationId: id, seq: 2 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 3, readSeq: 2, deliveredChangeSeq: 3 });
      const read2 = await a.waitEvent("receipt", (r) => r.type === "read" && r.seq === 2);
      assert.equal(read2.userId, bob.user.id);
      assert.equal((await ctx.listed(bob, id)).unreadCount, 3);

      // read 5 moves both cursors to the end.
      answer = await b.ack("receipt:read", { conversationId: id, seq: 5 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 5, readSeq: 5, deliveredChangeSeq: 5 });
      await a.waitEvent("receipt", (r) => r.type === "read" && r.seq === 5);

      // lower or equal seqs: unchanged, no event.
      answer = await b.ack("receipt:read", { conversationId: id, seq: 1 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 5, readSeq: 5, deliveredChangeSeq: 5 });
      answer = await b.ack("receipt:delivered", { conversationId: id, seq: 4 });
      assert.deepEqual(answer, { ok: true, conversationId: id, deliveredSeq: 5, readSeq: 5, deliveredChangeSeq: 5 });

      await sleep(SETTLE_MS);
      assert.deepEqual(
        a.events("receipt").map((r) => [r.type, r.seq]),
        [
          ["delivered", 3],
          ["read", 2],
          ["read", 5],
        ],
        "alice gets one receipt per cursor move and none for moves backwards",
      );
      assert.deepEqual(
        b2.events("receipt").map((r) => [r.type, r.seq]),
        [
          ["delivered", 3],
          ["read", 2],
          ["read", 5],
        ],
        "bob's other device learns of the moves as well",
      );

      const listed = await ctx.listed(bob, id);
      assert.equal(listed.unreadCount, 0);
      const me = listed.members.find((m) => m.userId === bob.user.id);
      assert.deepEqual([me.deliveredSeq, me.readSeq], [5, 5]);
      assert.equal((await ctx.listed(alice, id)).unreadCount, 0, "the sender has read its own messages");
    });

    test("the mover's own socket gets its receipt too, once per move (docs/protocol.md)", async () => {
      const [alice, bob] = await ctx.users(2, "own");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      await a.send(conversation.id, "one");
      await b.waitMessages(conversation.id, 1);
      assert.equal((await b.ack("receipt:read", { conversationId: conversation.id, seq: 1 }))?.ok, true);
      await a.waitEvent("receipt", (r) => r.type === "read" && r.seq === 1);
      const own = await b.waitEvent("receipt", (r) => r.type === "read" && r.seq === 1);
      assert.equal(own.userId, bob.user.id);
      // Repeating the same read moves nothing: no second receipt anywhere.
      assert.equal((await b.ack("receipt:read", { conversationId: conversation.id, seq: 1 }))?.ok, true);
      await sleep(SETTLE_MS);
      assert.equal(b.events("receipt").length, 1);
      assert.equal(a.events("receipt").length, 1);
    });

    test("a receipt past the last message is refused and moves nothing", async () => {
      const [alice, bob] = await ctx.users(2, "past");
      const conversation = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      await a.send(conversation.id, "only one");
      assertErrorAck(await b.ack("receipt:read", { conversationId: conversation.id, seq: 2 }), "invalid_argument", "seq");
      await sleep(SETTLE_MS);
      assert.deepEqual(a.events("receipt"), []);
      assert.equal((await ctx.listed(bob, conversation.id)).unreadCount, 1);
    });
  });
}
