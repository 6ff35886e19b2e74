// Offline catch-up and `sync`: a member who was away receives everything it missed, in
// seq order, paged through a small TALKLINE_SYNC_PAGE_SIZE so paging is exercised.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, WAIT_MS, assertSeqRun, sleep, uniqueSuffix, useChatServer } from "./helpers.mjs";

const PAGE = 50;
const MISSED = 250;

const ctx = useChatServer({
  TALKLINE_SYNC_PAGE_SIZE: String(PAGE),
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
  TALKLINE_MESSAGE_BURST_PER_USER: "100000",
  // Catch-up speed is what is under test, not the disk.
  TALKLINE_SQLITE_SYNCHRONOUS: "normal",
});

/** Short description of where a seq run goes wrong: gaps, repeats and reorderings. */
function describeRun(seqs) {
  const problems = [];
  for (let i = 1; i < seqs.length && problems.length < 10; i += 1) {
    if (seqs[i] !== seqs[i - 1] + 1) problems.push(`${seqs[i - 1]}->${seqs[i]} at #${i}`);
  }
  return `${seqs.length} received; breaks: ${problems.join(", ") || "none"}`;
}

/** Sends `count` messages from `client` without waiting between them; resolves with the acks in order. */
async function sendMany(client, conversationId, count, prefix) {
  const acks = await Promise.all(
    Array.from({ length: count }, (_, i) => client.send(conversationId, `${prefix} ${i + 1}`, `${prefix}-${uniqueSuffix(10)}`)),
  );
  return acks;
}

/** A new pair of users in a direct conversation, alice connected over WebSocket. */
async function pairWithAliceOnline(prefix) {
  const [alice, bob] = await ctx.users(2, prefix);
  const { id } = await ctx.direct(alice, bob);
  const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
  return { bob, id, a };
}

for (const { name, options } of TRANSPORTS) {
  describe(`catch-up (${name})`, () => {
    test(`a member offline for ${MISSED} messages receives all of them in seq order on connect, and live ones after`, async () => {
      const [alice, bob] = await ctx.users(2, "cu");
      const conversation = await ctx.direct(alice, bob);
      const id = conversation.id;
      const a = await ctx.connect(alice, options, "alice");
      const sent = await sendMany(a, id, MISSED, "offline");
      assertSeqRun(
        sent.map((m) => m.seq),
        1,
        MISSED,
        "acked seqs",
      );

      // Bob connects while alice keeps sending: live messages race the catch-up pages.
      const connecting = ctx.connect(bob, options, "bob");
      const live = sendMany(a, id, 10, "live");
      const b = await connecting;
      await live;
      const total = MISSED + 10;
      const got = await b.waitMessages(id, total, WAIT_MS * 2);
      await sleep(SETTLE_MS);
      const seqs = b.messages(id).map((m) => m.seq);
      assertSeqRun(seqs, 1, total, `bob's message:new (${describeRun(seqs)})`);
      assert.deepEqual(
        got.slice(0, MISSED).map((m) => m.id),
        sent.map((m) => m.id),
      );
      assert.deepEqual(got[0], sent[0], "catch-up pushes the same message objects");

      // Nothing new past bob's last seq; sync answers empty.
      const nothing = await b.ack("sync", { cursors: { [id]: total } });
      assert.deepEqual(nothing, { ok: true, messages: [], hasMore: false });

      // From the start: pages of PAGE, hasMore until the last one.
      const pages = [];
      let cursor = 0;
      for (let i = 0; i < 20; i += 1) {
        const page = await b.ack("sync", { cursors: { [id]: cursor } });
        assert.equal(page?.ok, true, JSON.stringify(page));
        pages.push(page);
        assert.ok(page.messages.length <= PAGE, `a page holds at most ${PAGE}: got ${page.messages.length}`);
        if (!page.hasMore) break;
        assert.equal(page.messages.length, PAGE, "a page with more after it is full");
        cursor = page.messages.at(-1).seq;
      }
      assert.equal(pages.at(-1).hasMore, false, "paging ends");
      assert.equal(pages.length, Math.ceil(total / PAGE));
      assert.ok(
        pages.slice(0, -1).every((p) => p.hasMore),
        "every page but the last says hasMore",
      );
      const synced = pages.flatMap((p) => p.messages);
      assertSeqRun(
        synced.map((m) => m.seq),
        1,
        total,
        "sync from 0",
      );
      assert.deepEqual(synced, got, "sync answers the same messages as message:new");
    });

    test("a reconnect resumes after the delivered cursor; once everything is acked nothing is pushed again", async () => {
      const [alice, bob] = await ctx.users(2, "rc");
      const conversation = await ctx.direct(alice, bob);
      const id = conversation.id;
      const a = await ctx.connect(alice, options, "alice");
      await sendMany(a, id, 130, "r");

      // First connection: gets 1..130, acknowledges delivery up to 70 only.
      const first = await ctx.connect(bob, options, "bob-first");
      await first.waitMessages(id, 130);
      const acked = await first.ack("receipt:delivered", { conversationId: id, seq: 70 });
      assert.deepEqual(acked, { ok: true, conversationId: id, deliveredSeq: 70, readSeq: 0, deliveredChangeSeq: 70 });
      first.close();
      // A sync without cursors starts at the delivered cursor as well.
      const syncing = await ctx.connect(bob, options, "bob-sync");
      const page = await syncing.ack("sync", {});
      assert.equal(page.ok, true);
      assertSeqRun(
        page.messages.map((m) => m.seq),
        71,
        70 + PAGE,
        "sync without cursors",
      );
      assert.equal(page.hasMore, true);
      syncing.close();

      const second = await ctx.connect(bob, options, "bob-second");
      await second.waitMessages(id, 60);
      await sleep(SETTLE_MS);
      assertSeqRun(
        second.messages(id).map((m) => m.seq),
        71,
        130,
        "catch-up after the delivered cursor",
      );
      await second.ack("receipt:delivered", { conversationId: id, seq: 130 });
      second.close();

      // Everything acknowledged: a new connection gets nothing old, only what is new.
      const third = await ctx.connect(bob, options, "bob-third");
      const fresh = await a.send(id, "new after the ack");
      const [arrived] = await third.waitMessages(id, 1);
      assert.equal(arrived.seq, fresh.seq);
      await sleep(SETTLE_MS);
      assert.deepEqual(
        third.messages(id).map((m) => m.seq),
        [131],
      );
      // sync without cursors starts at the delivered cursor (130): only 131.
      const rest = await third.ack("sync", {});
      assert.deepEqual(
        rest.messages.map((m) => m.seq),
        [131],
      );
      assert.equal(rest.hasMore, false);
    });
  });
}

test("catch-up covers every conversation the member is in, each in seq order", async () => {
  const [alice, bob, carol] = await ctx.users(3, "mc");
  const one = await ctx.direct(alice, bob);
  const two = await ctx.group(carol, [alice, bob]);
  const a = await ctx.connect(alice, {}, "alice");
  const c = await ctx.connect(carol, {}, "carol");
  await Promise.all([sendMany(a, one.id, 60, "one"), sendMany(c, two.id, 60, "two")]);

  const b = await ctx.connect(bob, { transports: ["websocket"] }, "bob");
  await b.waitMessages(one.id, 60);
  await b.waitMessages(two.id, 60);
  await sleep(SETTLE_MS);
  assertSeqRun(
    b.messages(one.id).map((m) => m.seq),
    1,
    60,
    "direct",
  );
  assertSeqRun(
    b.messages(two.id).map((m) => m.seq),
    1,
    60,
    "group",
  );

  // sync over both, with a budget of one page in all.
  const page = await b.ack("sync", { cursors: { [one.id]: 0, [two.id]: 0 } });
  assert.equal(page.ok, true);
  assert.equal(page.messages.length, PAGE);
  assert.equal(page.hasMore, true);
});

test("connecting while messages are being sent never delivers one twice or out of order", async () => {
  // The catch-up pages and the live deliveries overlap while a connection starts;
  // each round connects during a burst of sends and checks the seams.
  const ROUNDS = 8;
  const problems = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const { bob, id, a } = await pairWithAliceOnline("race");
    await sendMany(a, id, 60, "before");
    const connecting = ctx.connect(bob, { transports: ["websocket"] }, `bob-round-${round}`);
    await sendMany(a, id, 20, "during");
    const b = await connecting;
    await b.waitMessages(id, 80);
    await sleep(100);
    const seqs = b.messages(id).map((m) => m.seq);
    if (seqs.length !== 80 || seqs.some((s, i) => s !== i + 1)) problems.push(`round ${round}: ${describeRun(seqs)}`);
    a.close();
    b.close();
  }
  assert.deepEqual(problems, [], "message:new seams between catch-up and live delivery");
});

test("a device that sends while it catches up gets its own sends as answers only, never as message:new too", async () => {
  // The catch-up pages read the store while the device's first sends commit: a page can
  // hold one of them before its answer reached the device.
  const ROUNDS = 6;
  const OWN = 10;
  const problems = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const { bob, id, a } = await pairWithAliceOnline("own");
    await sendMany(a, id, MISSED, "missed");
    const b = await ctx.connect(bob, round % 2 ? {} : { transports: ["websocket"] }, `bob-round-${round}`);
    const own = await sendMany(b, id, OWN, "own");
    // As long as the first test's catch-up of the same backlog may take.
    await b.waitMessages(id, MISSED, WAIT_MS * 2);
    await a.waitMessages(id, OWN, WAIT_MS * 2);
    await sleep(SETTLE_MS);
    const ownIds = new Set(own.map((m) => m.id));
    const echoed = b.messages(id).filter((m) => ownIds.has(m.id));
    if (echoed.length > 0) problems.push(`round ${round}: ${echoed.length} of bob's ${OWN} sends came back as message:new`);
    assertSeqRun(
      b.messages(id).map((m) => m.seq),
      1,
      MISSED,
      `round ${round}: bob's catch-up`,
    );
    assertSeqRun(
      own.map((m) => m.seq),
      MISSED + 1,
      MISSED + OWN,
      `round ${round}: bob's acks`,
    );
    a.close();
    b.close();
  }
  assert.deepEqual(problems, [], "own sends echoed during catch-up");
});
