// Issue 5, scenario e: the offline notifier. Every node gets TALKLINE_WEBHOOK_URL pointing
// at a receiver in this process; for each new message, the members who are offline are
// POSTed as {"type":"message.offline","eventId","userIds":[…],"message":{…}} with
// X-TalkLine-Event-Id. Delivery is at least once: the receiver refuses the first attempt
// of some events with 503, and every (message, offline member) pair must still arrive.

import assert from "node:assert/strict";
import http from "node:http";
import { after, describe, test } from "node:test";

import { parseMetrics, sumOf } from "../../integration/metric_families.mjs";
import { describeMembers, report, useCluster } from "./fixture.mjs";
import { waitUntil } from "./model.mjs";

const WEBSOCKET = { transports: ["websocket"] };

/** Records every POST; answers 503 to the first attempt of every third new event id. */
class WebhookReceiver {
  constructor() {
    this.deliveries = []; // {eventId, header, body, status}
    this.attempts = new Map(); // eventId -> attempts seen
    this.refused = new Set();
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (chunk) => chunks.push(chunk));
      req.on("end", () => {
        let body = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          // recorded as null, and the test fails on it
        }
        const header = req.headers["x-talkline-event-id"];
        const eventId = body?.eventId ?? header;
        const attempt = (this.attempts.get(eventId) ?? 0) + 1;
        this.attempts.set(eventId, attempt);
        const refuse = attempt === 1 && this.attempts.size % 3 === 0;
        if (refuse) this.refused.add(eventId);
        const status = refuse ? 503 : 204;
        this.deliveries.push({
          eventId,
          header,
          body,
          status,
          method: req.method,
          contentType: req.headers["content-type"],
        });
        res.writeHead(status).end();
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${this.server.address().port}/hooks/talkline`;
  }

  close() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(resolve));
  }

  /** Accepted deliveries naming `userId` for message `messageId`. */
  accepted(messageId, userId) {
    return this.deliveries.filter(
      (d) => d.status === 204 && d.body?.message?.id === messageId && d.body?.userIds?.includes(userId),
    );
  }
}

const receiver = new WebhookReceiver();
const ctx = useCluster(async () => ({
  nodes: 3,
  env: {
    TALKLINE_WEBHOOK_URL: await receiver.start(),
    // Retries within the test's patience (defaults: 1 s, doubling up to 60 s).
    TALKLINE_WEBHOOK_BACKOFF_MIN_MS: "100",
    TALKLINE_WEBHOOK_BACKOFF_MAX_MS: "1000",
  },
}));
after(() => receiver.close());

describe("offline notifications through the webhook", () => {
  test("every message for an offline member reaches the webhook at least once, across nodes and retries", async (t) => {
    const { cluster } = ctx;
    for (const key of ["TALKLINE_WEBHOOK_URL", "TALKLINE_WEBHOOK_BACKOFF_MIN_MS", "TALKLINE_WEBHOOK_BACKOFF_MAX_MS"]) {
      assert.ok(
        !cluster.skippedKeys.includes(key),
        `this talkline does not know ${key} (talkline --help): no offline notifier to test`,
      );
    }
    // Alice (node 1) and Carol (node 3) are online and send. Bob never connects. Dave
    // connects to node 2 and leaves before anything is sent.
    const [alice, bob, carol, dave] = await ctx.users(4, "hook");
    const group = await ctx.group(alice, [bob, carol, dave]);
    const withBob = await ctx.direct(alice, bob);
    const a = await ctx.member({ user: alice, url: cluster.node(1).url, options: WEBSOCKET, label: "alice@node1" });
    const c = await ctx.member({ user: carol, url: cluster.node(3).url, options: WEBSOCKET, label: "carol@node3" });
    const d = await ctx.member({ user: dave, url: cluster.node(2).url, options: WEBSOCKET, label: "dave@node2" });
    await waitUntil(
      () => a.presence.some((p) => p.userId === dave.user.id && p.status === "online"),
      10_000,
      () => `alice to see dave online: ${JSON.stringify(a.presence)}`,
    );
    d.close();
    ctx.members.delete(d);
    await waitUntil(
      () => a.presence.some((p) => p.userId === dave.user.id && p.status === "offline"),
      10_000,
      () => `alice to see dave go offline: ${JSON.stringify(a.presence)}`,
    );

    const expected = []; // {message, offline: [userIds]}
    for (let i = 0; i < 6; i += 1) {
      expected.push({ message: await a.send(group.id, `group from alice ${i}`), offline: [bob.user.id, dave.user.id] });
      expected.push({ message: await c.send(group.id, `group from carol ${i}`), offline: [bob.user.id, dave.user.id] });
      expected.push({ message: await a.send(withBob.id, `direct to bob ${i}`), offline: [bob.user.id] });
    }

    const missing = () =>
      expected.flatMap(({ message, offline }) =>
        offline
          .filter((user) => receiver.accepted(message.id, user).length === 0)
          .map((user) => `${message.conversationId}/${message.seq}→${user}`),
      );
    await waitUntil(
      () => missing().length === 0,
      30_000,
      () =>
        `the webhook to be told about every message for bob and dave; missing ${missing().length}: ${missing().slice(0, 10).join(", ")}; ` +
        `${receiver.deliveries.length} POSTs received\n${cluster.logs(1500)}`,
    );

    for (const delivery of receiver.deliveries) {
      assert.equal(delivery.method, "POST");
      assert.match(String(delivery.contentType), /^application\/json/);
      assert.equal(delivery.body?.type, "message.offline", JSON.stringify(delivery.body));
      assert.equal(delivery.header, delivery.body.eventId, "X-TalkLine-Event-Id must equal the body's eventId");
      assert.ok(!delivery.body.userIds.includes(delivery.body.message.senderId), "the sender is never notified");
    }
    for (const { message } of expected) {
      const told = receiver.deliveries.find((d) => d.body?.message?.id === message.id);
      assert.deepEqual(told.body.message, message, "the webhook carries the message as the sender's ack has it");
    }
    // The refused first attempts were retried with the same event id.
    assert.ok(receiver.refused.size > 0, "the receiver refused some first attempts");
    for (const eventId of receiver.refused) {
      assert.ok(
        receiver.deliveries.some((d) => d.eventId === eventId && d.status === 204),
        `event ${eventId} refused once was never retried`,
      );
    }
    // /metrics of the nodes together count every POST the receiver saw and every one it
    // refused (a node counts an attempt once its answer is read, hence the wait).
    let counted;
    await waitUntil(
      async () => {
        const scrapes = await Promise.all(
          cluster.nodeUrls.map(async (url) => parseMetrics(await (await fetch(`${url}/metrics`)).text())),
        );
        const total = (name) => scrapes.reduce((sum, scraped) => sum + sumOf(scraped, name), 0);
        counted = {
          attempts: total("talkline_webhook_attempts_total"),
          failures: total("talkline_webhook_failures_total"),
        };
        return counted.attempts >= receiver.deliveries.length && counted.failures >= receiver.refused.size;
      },
      10_000,
      () =>
        `webhook counters ${JSON.stringify(counted)} for ${receiver.deliveries.length} POSTs, ` +
        `${receiver.refused.size} refused`,
    );
    report(
      t,
      `${expected.length} messages, ${receiver.deliveries.length} POSTs, ${receiver.attempts.size} events, ` +
        `${receiver.refused.size} refused first attempts\n${describeMembers([a, c])}`,
    );
  });
});
