// Shared plumbing of the cluster tests: one cluster per test file (tests restart what
// they kill), users and conversations made over HTTP through nginx, continuous traffic
// from several Members, and the end-of-test check of the delivery invariants.

import assert from "node:assert/strict";
import { after, afterEach, before } from "node:test";

import { api, registerUser } from "../../integration/harness.mjs";
import { directConversation, groupConversation, history } from "../chat/helpers.mjs";
import { httpStatus, startCluster } from "./launch.mjs";
import { Member, newClientMsgId, sleep, waitUntil } from "./model.mjs";

/** Longest wait for the cluster to deliver everything once traffic stopped. */
export const CONVERGE_MS = 20_000;

/**
 * Starts a cluster before the file's tests and stops it after them; closes each test's
 * members after it. `options` (startCluster's, or a function resolving to them, called
 * in the before hook) — the returned context gets `cluster` and `http` once started.
 */
export function useCluster(options = {}) {
  const ctx = { members: new Set() };
  before(async () => {
    ctx.cluster = await startCluster(typeof options === "function" ? await options() : options);
    ctx.http = api(ctx.cluster.nginxUrl);
  });
  afterEach(() => {
    for (const member of ctx.members) member.close();
    ctx.members.clear();
  });
  after(async () => {
    for (const member of ctx.members) member.close();
    await ctx.cluster?.stop();
  });

  /** `n` fresh users, registered through nginx. */
  ctx.users = (n, prefix = "c") => Promise.all(Array.from({ length: n }, () => registerUser(ctx.http, prefix)));
  ctx.direct = (a, b) => directConversation(ctx.http, a, b);
  ctx.group = (owner, others) => groupConversation(ctx.http, owner, others);
  ctx.history = (user, conversationId) => history(ctx.http, user, conversationId);

  /** A started Member; closed after the test. */
  ctx.member = async (spec) => {
    const member = new Member({ reconnectUrl: ctx.cluster.nginxUrl, ...spec });
    ctx.members.add(member);
    await member.start();
    return member;
  };

  /** Every node, Redis and PostgreSQL up and every node ready; restarts nodes that are down. */
  ctx.ensureHealthy = async () => {
    const { cluster } = ctx;
    if (cluster.redis.paused) await cluster.resumeRedis();
    if (!cluster.postgres.running) await cluster.startPostgres();
    for (const node of cluster.nodes) if (!node.running) await cluster.restartNode(node.id);
    await waitUntil(
      async () => (await Promise.all(cluster.nodes.map((n) => httpStatus(`${n.url}/readyz`)))).every((s) => s === 200),
      30_000,
      () => `every node to answer /readyz 200\n${cluster.logs()}`,
    );
  };
  return ctx;
}

/**
 * Traffic: each sender sends to its conversations in turn, one message at a time (the next
 * after the ack, as a chat UI does), with `pauseMs` between sends so a sender stays under
 * the per-user rate limit, until `stop()`. `stop()` resolves once every sender's last
 * message is acked (each was retried as needed) or rejects after `drainMs`.
 */
export function startTraffic(senders, { pauseMs = 80, drainMs = 30_000 } = {}) {
  let stopping = false;
  const sent = [];
  const loops = senders.map(async ({ member, conversations }) => {
    for (let i = 0; !stopping; i += 1) {
      const conversationId = conversations[i % conversations.length];
      const clientMsgId = newClientMsgId(member.label);
      sent.push({ member, conversationId, clientMsgId });
      await member.send(conversationId, `${member.label} #${i}`, clientMsgId);
      await sleep(pauseMs);
    }
  });
  return {
    sent,
    async stop() {
      stopping = true;
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => {
          const unacked = senders.flatMap(({ member }) =>
            [...member.pending.keys()].map((id) => `${member.label}:${id}`),
          );
          reject(new Error(`sends still unacked ${drainMs} ms after the traffic stopped: ${unacked.join(", ")}`));
        }, drainMs);
      });
      try {
        await Promise.race([Promise.all(loops), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return sent;
    },
  };
}

/**
 * The invariants, per conversation, once traffic stopped:
 *  - the store's history (GET …/messages through nginx) has seq 1..n without gaps, and
 *    each (sender, clientMsgId) at most once: no retry made a second message;
 *  - every acked send is in it, with the id and seq of its ack, and nothing else is;
 *  - every member ends up with exactly that history (each seq once, same ids), by its
 *    own means (live events, sync on reconnect, sync on a gap): waited for, bounded;
 *  - no member saw a contract violation (see model.mjs).
 * Returns per-conversation counts for the test's log.
 */
export async function assertConverged(ctx, conversations) {
  const summary = [];
  for (const { id, members } of conversations) {
    const stored = await ctx.history(members[0].user, id);
    const seqs = stored.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: stored.length }, (_, i) => i + 1),
      `conversation ${id}: stored seqs must be 1..${stored.length} without gaps`,
    );
    const keys = new Set();
    for (const m of stored) {
      const key = `${m.senderId}/${m.clientMsgId}`;
      assert.ok(!keys.has(key), `conversation ${id}: clientMsgId ${m.clientMsgId} of ${m.senderId} stored twice`);
      keys.add(key);
    }
    const byId = new Map(stored.map((m) => [m.id, m]));
    let acked = 0;
    for (const member of members) {
      for (const [clientMsgId, { message }] of member.acked) {
        if (message.conversationId !== id) continue;
        acked += 1;
        const found = byId.get(message.id);
        assert.ok(found, `${member.label}: acked message ${clientMsgId} (seq ${message.seq}) is not in the store`);
        assert.equal(
          found.seq,
          message.seq,
          `${member.label}: acked ${clientMsgId} with seq ${message.seq}, stored as ${found.seq}`,
        );
      }
    }
    assert.equal(stored.length, acked, `conversation ${id}: ${stored.length} stored messages but ${acked} acked sends`);

    await waitUntil(
      () => members.every((m) => (m.cursor.get(id) ?? 0) >= stored.length),
      CONVERGE_MS,
      () =>
        `every member of ${id} to have seq 1..${stored.length}; ` +
        members
          .map((m) => {
            const have = new Set(m.messages(id).map((x) => x.seq));
            const missing = seqs.filter((s) => !have.has(s));
            return `${m.label} (connected ${m.connected}, ${m.connections.length} connections) misses ${missing.length}: ${missing.slice(0, 20).join(",")}`;
          })
          .join("; "),
    );
    for (const member of members) {
      const have = member.messages(id);
      assert.deepEqual(
        have.map((m) => m.id),
        stored.map((m) => m.id),
        `${member.label}: messages of ${id} must be exactly the stored ones, in seq order`,
      );
    }
    summary.push({ id, messages: stored.length });
  }
  const all = new Set(conversations.flatMap((c) => c.members));
  const problems = [...all].flatMap((m) => m.problems);
  assert.deepEqual(problems, [], "contract violations seen by the clients");
  return summary;
}

/**
 * docs/protocol.md: message:new reaches every connection of every member except the one
 * it was sent through. Tests call this last, so that it cannot hide their other checks.
 */
export function assertNoEcho(members) {
  const echoes = members.flatMap((m) => m.echoes);
  assert.deepEqual(
    echoes.slice(0, 5),
    [],
    `${echoes.length} message:new sent back to the connection that sent the message (first 5 shown)`,
  );
}

/** Writes `text` to the test's diagnostics, a line at a time (TAP escapes newlines). */
export function report(t, text) {
  for (const line of String(text).split("\n")) t.diagnostic(line);
}

/** One line per member for the test log: connections, redeliveries, gaps, syncs. */
export function describeMembers(members) {
  return members
    .map(
      (m) =>
        `${m.label}: ${m.connections.length} connection(s) [${m.connections.map((c) => `${c.url.replace("http://127.0.0.1:", ":")}/${c.transport ?? "-"}`).join(" ")}], ` +
        `${m.acked.size} acked, ${m.redelivered} redelivered, ${m.gapsDetected} gaps, ${m.syncedMessages} via sync, ` +
        `${m.refusals.length} refusals, ${m.echoes.length} echoes`,
    )
    .join("\n");
}
