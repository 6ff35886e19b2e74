// A client that stops reading must not hold up anyone else: its queue is bounded by
// TALKLINE_SOCKET_SEND_BUFFER_BYTES and it is disconnected when that overflows, while
// the sender's acks and a fast reader's deliveries go on untouched.

import assert from "node:assert/strict";
import { test } from "node:test";

import { RawSocketIoClient, WAIT_MS, assertSeqRun, useChatServer } from "./helpers.mjs";

const SEND_BUFFER = 65536;
// 3900 code points of a 4-byte UTF-8 character: ~15.6 KB a message on the wire, so a
// few hundred messages get past the several MB that loopback TCP buffers before the
// server's own queue for the paused client even starts to grow.
const BODY_CHARS = 3900;
const BODY_CHAR = "\u{1F600}";
// Bounds the test if the server never drops the slow client. Before the server's queue
// grows at all, the kernel buffers what the paused client has not read: up to tcp_wmem's
// and tcp_rmem's maxima (4 + 32 MiB on Debian 12's defaults, autotuned upwards while the
// client still read), so the bound must lie past ~36 MiB (2,400 of these messages).
const MAX_MESSAGES = 4000;
const SEND_BUDGET_MS = 30000;

const ctx = useChatServer({
  TALKLINE_SOCKET_SEND_BUFFER_BYTES: String(SEND_BUFFER),
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
  TALKLINE_MESSAGE_BURST_PER_USER: "100000",
  TALKLINE_SQLITE_SYNCHRONOUS: "normal",
});

test("a client that stops reading is disconnected on overflow; the sender and a fast reader are unaffected", async () => {
  const [alice, carol, slowpoke] = await ctx.users(3, "slow");
  const conversation = await ctx.group(alice, [carol, slowpoke]);
  const id = conversation.id;
  const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
  const fast = await ctx.connect(carol, { transports: ["websocket"] }, "carol-fast");

  const slow = await RawSocketIoClient.open(ctx.baseUrl, slowpoke.accessToken);
  // Carol hears that slowpoke is online: the raw handshake made a real chat connection.
  await fast.waitEvent("presence", (p) => p.userId === slowpoke.user.id && p.status === "online");
  slow.pause();

  const isSlowOffline = (p) => p.userId === slowpoke.user.id && p.status === "offline";
  const acks = [];
  const started = Date.now();
  // Send large messages, each after the previous ack (a burst of many at once would
  // overflow a 64 KiB queue of even a fast reader), until the server reports
  // slowpoke gone: its last socket closed, so carol gets presence offline.
  while (fast.events("presence", isSlowOffline).length === 0) {
    assert.ok(
      acks.length < MAX_MESSAGES && Date.now() - started < SEND_BUDGET_MS,
      `the paused client was not disconnected after ${acks.length} messages ` +
        `(${Math.round((acks.length * BODY_CHARS * 4) / 1024)} KiB) in ${Date.now() - started} ms`,
    );
    const n = acks.length + 1;
    const answer = await a.ack("message:send", {
      conversationId: id,
      clientMsgId: `big-${n}`,
      body: `${String(n).padStart(6, "0")} ${BODY_CHAR.repeat(BODY_CHARS - 7)}`,
    });
    assert.equal(answer?.ok, true, `the sender's acks must all succeed: ${JSON.stringify(answer)?.slice(0, 200)}`);
    acks.push(answer.message);
  }
  const total = acks.length;
  assertSeqRun(
    acks.map((m) => m.seq),
    1,
    total,
    "acked seqs",
  );

  // The fast reader gets every message, in order.
  const got = await fast.waitMessages(id, total, WAIT_MS);
  assertSeqRun(
    got.map((m) => m.seq),
    1,
    total,
    "carol's message:new",
  );
  assert.equal([...got.at(-1).body].length, BODY_CHARS);
  assert.deepEqual(
    got.map((m) => m.id),
    acks.map((m) => m.id),
  );

  // The paused client: once it reads again it finds its connection ended, short of
  // the full conversation.
  slow.resume();
  await slow.until(() => slow.closed, "the slow client's connection to end", WAIT_MS);
  assert.ok(
    slow.messageNew.length < total,
    `the dropped client received ${slow.messageNew.length} of ${total} messages`,
  );
  assert.ok(a.connected && fast.connected, "the sender and the fast reader stay connected");
});
