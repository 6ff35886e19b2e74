// Catch-up of a long absence at the largest message size: a member who missed 3,000
// messages of TALKLINE_MESSAGE_MAX_CHARS characters each (≈48 MB of emoji, many times the
// 1 MiB send bound of a connection) receives every one of them exactly once, in seq order,
// on one connection that is never dropped — over long-polling, polling with the WebSocket
// upgrade, and WebSocket only; with and without acknowledging each message with receipts,
// as a real client does. Catch-up must be paced to what the connection takes: it must never
// overflow the connection it is filling ("send buffer overflow"), which would make
// socket.io-client reconnect and catch up again, duplicates and all.
//
// bob's client reconnects by itself as socket.io-client does by default, so a dropped
// connection shows up as 'disconnect' events, reconnects and duplicate message:new.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, assertErrorAck, assertSeqRun, eventually, sleep, uniqueSuffix, useChatServer } from "./helpers.mjs";

const MESSAGES = 3000;
// TALKLINE_MESSAGE_MAX_CHARS, left at its default (src/config/config.hpp), counted in code
// points (util::utf8_length); the first test checks that it is the maximum.
const MAX_CHARS = 4000;
// message:send calls in flight at once: the sender keeps well inside its own send bound
// (each ack carries the whole message back).
const SEND_WINDOW = 32;
// Generous: no timing is asserted. The wait ends early once everything arrived, once
// nothing has arrived for STALL_MS, or once bob was dropped GIVE_UP_AFTER_DISCONNECTS times
// (the case has failed by then; waiting longer would only repeat it).
const CATCH_UP_WAIT_MS = 120_000;
const STALL_MS = 30_000;
const GIVE_UP_AFTER_DISCONNECTS = 20;
// How long a finished catch-up is watched for late duplicates.
const AFTER_MS = Math.max(SETTLE_MS, 1000);

const ctx = useChatServer({
  TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
  TALKLINE_MESSAGE_BURST_PER_USER: "100000",
  // Catch-up is under test, not the disk.
  TALKLINE_SQLITE_SYNCHRONOUS: "normal",
  // realtime.disconnected (debug) names the server's reason for closing a connection:
  // only read to explain a failure.
  TALKLINE_LOG_LEVEL: "debug",
});

const BODIES = {
  // 4-byte UTF-8, one code point, two UTF-16 units: ~16 KB a message on the wire.
  emoji: (n) => `${String(n).padStart(6, "0")} ${"\u{1F600}".repeat(MAX_CHARS - 7)}`,
  ascii: (n) => `${String(n).padStart(6, "0")} ${"0123456789abcdef".repeat(MAX_CHARS).slice(0, MAX_CHARS - 7)}`,
};

const POLLING_ONLY = { name: "polling only", options: { transports: ["polling"] } };

/** Code points, as the server counts a body's length. */
const codePoints = (text) => [...text].length;

/**
 * alice sends MESSAGES messages to `id`, SEND_WINDOW at a time; resolves with the acked
 * messages by seq (index 0 unused).
 */
async function sendBacklog(a, id, body) {
  const tag = uniqueSuffix(8);
  const acked = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      next += 1;
      const n = next;
      if (n > MESSAGES) return;
      const text = body(n);
      const answer = await a.ack("message:send", { conversationId: id, clientMsgId: `bl-${tag}-${n}`, body: text }, 60_000);
      assert.equal(answer?.ok, true, `message:send #${n} refused: ${JSON.stringify(answer)?.slice(0, 300)}`);
      assert.equal(answer.message.body, text, `message:send #${n}: the ack carries the body sent`);
      acked.push(answer.message);
    }
  };
  await Promise.all(Array.from({ length: SEND_WINDOW }, worker));
  acked.sort((x, y) => x.seq - y.seq);
  assertSeqRun(
    acked.map((m) => m.seq),
    1,
    MESSAGES,
    "acked seqs",
  );
  return [undefined, ...acked];
}

/** Records bob's connection history from now on: disconnects with their reasons, reconnects. */
function watchConnection(b, id, started) {
  const seen = { disconnects: [], reconnects: 0, attempts: 0, connectErrors: [] };
  b.socket.on("disconnect", (reason, details) => {
    const why = details?.description?.message ?? details?.description ?? details?.message;
    seen.disconnects.push({
      reason: why ? `${reason} (${why})` : reason,
      received: b.messages(id).length,
      atMs: Date.now() - started,
    });
  });
  b.socket.on("connect", () => {
    seen.reconnects += 1;
  });
  b.socket.on("connect_error", (error) => seen.connectErrors.push(error.message));
  b.socket.io.on("reconnect_attempt", () => {
    seen.attempts += 1;
  });
  return seen;
}

/**
 * Acknowledges every message:new of `id` as a client that stores each message would:
 * receipt:delivered and receipt:read with its seq. Covers the ones already received.
 */
function acknowledgeEach(b, id) {
  const receipts = { sent: 0, answered: 0, failed: 0, failures: [], deliveredSeq: 0, readSeq: 0 };
  const acknowledge = (message) => {
    if (message?.conversationId !== id) return;
    for (const event of ["receipt:delivered", "receipt:read"]) {
      receipts.sent += 1;
      b.socket.emit(event, { conversationId: id, seq: message.seq }, (answer) => {
        receipts.answered += 1;
        if (answer?.ok !== true) {
          receipts.failed += 1;
          if (receipts.failures.length < 5) receipts.failures.push(`${event} ${message.seq}: ${JSON.stringify(answer)}`);
          return;
        }
        receipts.deliveredSeq = Math.max(receipts.deliveredSeq, answer.deliveredSeq);
        receipts.readSeq = Math.max(receipts.readSeq, answer.readSeq);
      });
    }
  };
  for (const message of b.messages(id)) acknowledge(message);
  b.socket.on("message:new", acknowledge);
  return receipts;
}

/** Waits until every seq arrived, or the catch-up evidently will not finish. */
async function waitForBacklog(b, id, seen) {
  const started = Date.now();
  let count = -1;
  let progressAt = started;
  for (;;) {
    const got = b.messages(id);
    if (new Set(got.map((m) => m.seq)).size >= MESSAGES) break;
    if (got.length !== count) {
      count = got.length;
      progressAt = Date.now();
    }
    const now = Date.now();
    if (now - started > CATCH_UP_WAIT_MS) return `gave up after ${CATCH_UP_WAIT_MS} ms`;
    if (now - progressAt > STALL_MS) return `nothing arrived for ${STALL_MS} ms`;
    if (seen.disconnects.length >= GIVE_UP_AFTER_DISCONNECTS) return `gave up after ${seen.disconnects.length} disconnects`;
    await sleep(100);
  }
  await sleep(AFTER_MS);
  return "all arrived";
}

/** Where a seq run goes wrong: the first breaks (gaps, repeats, restarts). */
function describeBreaks(seqs) {
  const breaks = [];
  let total = 0;
  for (let i = 1; i < seqs.length; i += 1) {
    if (seqs[i] === seqs[i - 1] + 1) continue;
    total += 1;
    if (breaks.length < 8) breaks.push(`${seqs[i - 1]}->${seqs[i]} at #${i}`);
  }
  return total === 0 ? "none" : `${total}: ${breaks.join(", ")}${total > breaks.length ? ", …" : ""}`;
}

function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${value} ×${n}`).join(", ") || "none";
}

/** The reasons of `disconnects`, and when they came (ms into the catch-up / messages received by then). */
function describeDisconnects(disconnects) {
  if (disconnects.length === 0) return "";
  const when = disconnects.slice(0, 6).map((d) => `${d.atMs} ms/${d.received}`);
  if (disconnects.length > when.length) when.push("…");
  return ` (${tally(disconnects.map((d) => d.reason))}; at ${when.join(", ")})`;
}

/** Counts the server's closes for an overflow in its output since `from` (to explain a failure only). */
function serverOverflows(from) {
  const output = ctx.server.output.slice(from);
  const count = (text) => output.split(text).length - 1;
  return { sendBuffer: count("send buffer overflow"), catchUp: count("catch-up overflow") };
}

test(`a body of TALKLINE_MESSAGE_MAX_CHARS (${MAX_CHARS}) emoji is accepted, one more is refused`, async () => {
  const [alice, bob] = await ctx.users(2, "max");
  const { id } = await ctx.direct(alice, bob);
  const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
  for (const body of Object.values(BODIES)) assert.equal(codePoints(body(1)), MAX_CHARS);
  const sent = await a.send(id, BODIES.emoji(1));
  assert.equal(codePoints(sent.body), MAX_CHARS);
  assertErrorAck(
    await a.ack("message:send", { conversationId: id, clientMsgId: `over-${uniqueSuffix(8)}`, body: `${BODIES.emoji(2)}x` }),
    "invalid_argument",
    "body",
  );
});

// Every transport with the largest bodies, with and without receipts; ASCII bodies (a
// quarter of the bytes, four times the messages per MiB) on the two pure transports.
const CASES = [];
for (const transport of [POLLING_ONLY, ...TRANSPORTS]) {
  for (const receipts of [false, true]) CASES.push({ transport, receipts, kind: "emoji" });
}
for (const transport of [POLLING_ONLY, TRANSPORTS[1]]) CASES.push({ transport, receipts: true, kind: "ascii" });

for (const { transport, receipts, kind } of CASES) {
  describe(`catch-up of ${MESSAGES} messages of ${MAX_CHARS} ${kind} characters (${transport.name})`, () => {
    const how = receipts ? "acknowledging each with receipt:delivered and receipt:read" : "without receipts";
    test(`bob, offline meanwhile, receives each once in seq order on one connection, ${how}`, async (t) => {
      const [alice, bob] = await ctx.users(2, "bl");
      const { id } = await ctx.direct(alice, bob);
      const a = await ctx.connect(alice, { transports: ["websocket"] }, "alice");
      const sendStarted = Date.now();
      const sent = await sendBacklog(a, id, BODIES[kind]);
      const sendMs = Date.now() - sendStarted;
      a.close();

      const logFrom = ctx.server.output.length;
      const started = Date.now();
      // As socket.io-client is used: it reconnects by itself when the server drops it.
      const b = await ctx.connect(bob, { ...transport.options, reconnection: true }, "bob");
      const seen = watchConnection(b, id, started);
      const acks = receipts ? acknowledgeEach(b, id) : null;
      const ended = await waitForBacklog(b, id, seen);
      const catchUpMs = Date.now() - started;
      if (acks) {
        // Every receipt answered (on a dropped connection some never are: bounded, and
        // what is missing is reported below).
        await eventually(() => acks.answered === acks.sent, "receipt acks", seen.disconnects.length ? 5000 : 30_000).catch(() => {});
      }

      const got = b.messages(id);
      const seqs = got.map((m) => m.seq);
      const distinct = new Set(seqs).size;
      const wrongBodies = got.filter((m) => m.body !== sent[m.seq]?.body).map((m) => m.seq);
      const overflows = serverOverflows(logFrom);
      const summary =
        `${ended} after ${catchUpMs} ms (backlog sent in ${sendMs} ms): ` +
        `bob received ${got.length} message:new, ${distinct} distinct of ${MESSAGES} ` +
        `(${MESSAGES - distinct} missing, ${got.length - distinct} duplicates; ` +
        `breaks in the seq run: ${describeBreaks(seqs)}); ` +
        `${seen.disconnects.length} disconnects${describeDisconnects(seen.disconnects)}, ` +
        `${seen.reconnects} reconnects (${seen.attempts} attempts), connect errors: ${tally(seen.connectErrors)}, ` +
        `${b.connected ? `connected over ${b.transport}` : "not connected"} at the end; ` +
        `server closes: ${overflows.sendBuffer} "send buffer overflow", ${overflows.catchUp} "catch-up overflow"` +
        (acks
          ? `; receipts: ${acks.sent} sent, ${acks.answered} answered, ${acks.failed} refused` +
            `${acks.failures.length ? ` (${acks.failures.join("; ")})` : ""}, ` +
            `cursors delivered ${acks.deliveredSeq} read ${acks.readSeq}`
          : "");
      t.diagnostic(summary);

      assert.equal(seen.disconnects.length, 0, `bob's connection was dropped during catch-up: ${summary}`);
      assert.equal(seen.reconnects, 0, `bob reconnected during catch-up: ${summary}`);
      assert.equal(got.length - distinct, 0, `bob received duplicates: ${summary}`);
      assertSeqRun(seqs, 1, MESSAGES, `bob's message:new, each once in seq order: ${summary}`);
      assert.deepEqual(wrongBodies.slice(0, 10), [], `message:new bodies differ from the ones sent: ${summary}`);
      assert.ok(got.every((m) => m.id === sent[m.seq]?.id), `message:new ids differ from the acked ones: ${summary}`);
      assert.ok(b.connected, `bob is still connected: ${summary}`);
      if (acks) {
        assert.equal(acks.failed, 0, `receipt acks refused: ${summary}`);
        assert.equal(acks.answered, 2 * MESSAGES, `every receipt is answered: ${summary}`);
        assert.equal(acks.deliveredSeq, MESSAGES, `delivered cursor: ${summary}`);
        assert.equal(acks.readSeq, MESSAGES, `read cursor: ${summary}`);
      }
    });
  });
}
