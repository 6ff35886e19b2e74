// Issue 5, scenarios b-d: faults under traffic on one three-node cluster. Each test
// starts from a healthy cluster (restarting whatever an earlier one left down) and ends
// with the invariant check of fixture.mjs: every acked message stored once and seen
// exactly once by every member, in seq order, seq gap-free.
//
// Clients use WebSocket here; the polling transports through nginx are covered by
// chat.test.mjs.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import fs from "node:fs";

import {
  CLUSTER_FAMILIES,
  familyOf,
  metricNamesIn,
  parseMetrics,
  valueOf,
} from "../../integration/metric_families.mjs";
import { assertConverged, assertNoEcho, describeMembers, report, startTraffic, useCluster } from "./fixture.mjs";
import { newClientMsgId, sleep, waitUntil } from "./model.mjs";

const ctx = useCluster({ nodes: 3 });

const WEBSOCKET = { transports: ["websocket"] };

/** One node's /metrics, parsed. */
async function scrape(url) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  return parseMetrics(await res.text());
}

/**
 * Six users in one group, plus 1:1 conversations between users 0-2, 1-3 and 4-5; user
 * i connects to `urlOf(i)`. Everyone sends to the group and to their 1:1 in turn.
 */
async function sixMembers(prefix, urlOf) {
  const users = await ctx.users(6, prefix);
  const group = await ctx.group(users[0], users.slice(1));
  const pairs = [
    [0, 2],
    [1, 3],
    [4, 5],
  ];
  const directs = [];
  for (const [a, b] of pairs) directs.push({ conversation: await ctx.direct(users[a], users[b]), a, b });
  const directOf = (i) => directs.find((d) => d.a === i || d.b === i).conversation.id;
  const members = [];
  for (let i = 0; i < 6; i += 1) {
    const { url, label } = urlOf(i);
    members.push(
      await ctx.member({ user: users[i], url, label, options: WEBSOCKET, conversations: [group.id, directOf(i)] }),
    );
  }
  return {
    members,
    senders: members.map((member, i) => ({ member, conversations: [group.id, directOf(i)] })),
    conversations: [
      { id: group.id, members },
      ...directs.map((d) => ({ id: d.conversation.id, members: [members[d.a], members[d.b]] })),
    ],
  };
}

describe("cluster faults under traffic", () => {
  test("kill -9 of a node: its clients reconnect through nginx and recover; nothing lost, duplicated or reordered", async (t) => {
    await ctx.ensureHealthy();
    const { cluster } = ctx;
    const victim = cluster.node(2);
    // Users 0 and 1 on the node that dies, 2 and 3 on the others, 4 and 5 wherever
    // nginx puts them.
    const placement = [
      victim.url,
      victim.url,
      cluster.node(1).url,
      cluster.node(3).url,
      cluster.nginxUrl,
      cluster.nginxUrl,
    ];
    const labels = ["victim-a", "victim-b", "node1", "node3", "nginx-a", "nginx-b"];
    const { members, senders, conversations } = await sixMembers("kill", (i) => ({
      url: placement[i],
      label: labels[i],
    }));

    const traffic = startTraffic(senders);
    await sleep(1_500);
    await cluster.killNode(2);
    // Node 2's clients notice the dead connection and come back through nginx, which
    // sends them to the surviving nodes (a refused connect moves on to the next server).
    await waitUntil(
      () => members.slice(0, 2).every((m) => m.connected && m.connections.length >= 2),
      15_000,
      () => `node 2's clients to reconnect through nginx:\n${describeMembers(members)}`,
    );
    await sleep(1_500); // traffic goes on with node 2 down
    await cluster.restartNode(2);
    await sleep(1_000);
    await traffic.stop();

    const summary = await assertConverged(ctx, conversations);
    for (const m of members.slice(0, 2)) {
      assert.equal(m.connections[0].url, victim.url);
      assert.ok(
        m.connections.slice(1).every((c) => c.url === cluster.nginxUrl),
        `${m.label} must reconnect through nginx: ${m.connections.map((c) => c.url).join(", ")}`,
      );
    }
    report(t, `${JSON.stringify(summary)}\n${describeMembers(members)}`);
    assertNoEcho(members);
  });

  test("Redis paused (SIGSTOP) for 5 s: sends are still acked meanwhile; nothing lost, duplicated or reordered", async (t) => {
    await ctx.ensureHealthy();
    const { cluster } = ctx;
    // Two users per node, connected directly: every delivery to another node needs Redis.
    const { members, senders, conversations } = await sixMembers("pause", (i) => ({
      url: cluster.node((i % 3) + 1).url,
      label: `node${(i % 3) + 1}-${i}`,
    }));

    const traffic = startTraffic(senders);
    await sleep(1_500);
    const pausedAt = Date.now();
    await cluster.pauseRedis();
    await sleep(5_000);
    await cluster.resumeRedis();
    const resumedAt = Date.now();
    await sleep(2_000);
    await traffic.stop();

    const summary = await assertConverged(ctx, conversations);
    const ackedDuringPause = members.map(
      (m) => [...m.acked.values()].filter(({ ackedAt }) => ackedAt >= pausedAt && ackedAt <= resumedAt).length,
    );
    assert.ok(
      ackedDuringPause.every((n) => n > 0),
      `every sender must get acks while Redis is paused (acks per sender: ${ackedDuringPause.join(", ")})`,
    );
    report(
      t,
      `acked during the pause: ${ackedDuringPause.join(", ")}\n${JSON.stringify(summary)}\n${describeMembers(members)}`,
    );
    assertNoEcho(members);
  });

  test("PostgreSQL stopped: sends are refused as unavailable, and a retry with the same clientMsgId after it returns makes one message", async (t) => {
    await ctx.ensureHealthy();
    const { cluster } = ctx;
    const [alice, bob, carol] = await ctx.users(3, "pg");
    const group = await ctx.group(alice, [bob, carol]);
    const a = await ctx.member({
      user: alice,
      url: cluster.node(1).url,
      options: WEBSOCKET,
      label: "alice@node1",
      conversations: [group.id],
    });
    const b = await ctx.member({
      user: bob,
      url: cluster.node(2).url,
      options: WEBSOCKET,
      label: "bob@node2",
      conversations: [group.id],
    });
    const c = await ctx.member({
      user: carol,
      url: cluster.nginxUrl,
      options: WEBSOCKET,
      label: "carol@nginx",
      conversations: [group.id],
    });
    for (let i = 1; i <= 3; i += 1) await a.send(group.id, `before the outage ${i}`);
    const healthy = await scrape(cluster.node(1).url);
    assert.equal(valueOf(healthy, "talkline_postgres_up"), 1, "postgres_up before the outage");
    assert.equal(valueOf(healthy, "talkline_redis_up"), 1, "redis_up on a healthy cluster");

    await cluster.stopPostgres();
    const fromAlice = {
      conversationId: group.id,
      clientMsgId: newClientMsgId("outage-a"),
      body: "sent while PostgreSQL is down",
    };
    const fromBob = {
      conversationId: group.id,
      clientMsgId: newClientMsgId("outage-b"),
      body: "also sent while it is down",
    };
    for (const [member, payload] of [
      [a, fromAlice],
      [b, fromBob],
    ]) {
      const answer = await member.sendOnce(payload, 15_000);
      assert.equal(
        answer?.ok,
        false,
        `${member.label}: a send with PostgreSQL down must not be acked ok: ${JSON.stringify(answer)}`,
      );
      assert.equal(answer.error?.code, "unavailable", `${member.label}: refusal code: ${JSON.stringify(answer)}`);
    }
    const overHttp = await ctx.http.post(`/api/v1/conversations/${group.id}/messages`, {
      token: carol.accessToken,
      body: { clientMsgId: newClientMsgId("outage-http"), body: "over HTTP while it is down" },
    });
    assert.equal(overHttp.status, 503, `HTTP send with PostgreSQL down: ${overHttp.status} ${overHttp.text}`);
    assert.equal(overHttp.json?.code, "unavailable", overHttp.text);
    const down = await scrape(cluster.node(1).url);
    assert.equal(valueOf(down, "talkline_postgres_up"), 0, "postgres_up while PostgreSQL is stopped");
    assert.ok(valueOf(down, "talkline_messages_refused_total", { reason: "unavailable" }) >= 1);

    await cluster.startPostgres();
    // The nodes reconnect to the store on their own; until then a retry may still be
    // refused as unavailable, which is what a client retries on.
    const retryUntilAcked = async (member, payload) => {
      let last;
      await waitUntil(
        async () => {
          last = await member.sendOnce(payload, 5_000).catch((error) => ({ timeout: error.message }));
          if (last?.ok === true) return true;
          assert.ok(
            last?.timeout || last?.error?.code === "unavailable",
            `${member.label}: retry refused: ${JSON.stringify(last)}`,
          );
          return false;
        },
        30_000,
        () => `${member.label}: the retry after PostgreSQL came back to be acked; last answer ${JSON.stringify(last)}`,
      );
      return last.message;
    };
    const stored = await retryUntilAcked(a, fromAlice);
    const storedBob = await retryUntilAcked(b, fromBob);
    // Once more with the same clientMsgId: the same message, nothing new.
    const again = await a.sendOnce(fromAlice);
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.deepEqual(again.message, stored, "a retry with the same clientMsgId answers the original message");

    const history = await ctx.history(alice, group.id);
    assert.equal(
      history.filter((m) => m.clientMsgId === fromAlice.clientMsgId).length,
      1,
      "alice's outage message stored once",
    );
    assert.equal(
      history.filter((m) => m.clientMsgId === fromBob.clientMsgId).length,
      1,
      "bob's outage message stored once",
    );
    assert.deepEqual(
      history.map((m) => m.seq),
      [1, 2, 3, 4, 5],
      `three before, two after the outage: ${JSON.stringify(history.map((m) => [m.seq, m.clientMsgId]))}`,
    );
    assert.deepEqual(new Set([stored.seq, storedBob.seq]), new Set([4, 5]));
    const back = await scrape(cluster.node(1).url);
    assert.equal(valueOf(back, "talkline_postgres_up"), 1, "postgres_up once PostgreSQL is back");
    assert.ok(valueOf(back, "talkline_postgres_reconnects_total") >= 1, "the return counts as a reconnect");
    // The families only a node on PostgreSQL and Redis serves, and every one the
    // dashboard and the alerts query (the others are checked by the metrics test).
    for (const [name, type] of Object.entries(CLUSTER_FAMILIES)) {
      assert.equal(back.types[name], type, `${name} should be a ${type}`);
    }
    for (const file of ["deploy/grafana/dashboards/talkline.json", "deploy/prometheus/alerts.yml"]) {
      const fromRepo = new URL(`../../../${file}`, import.meta.url);
      assert.ok(fs.existsSync(fromRepo), file);
      for (const name of metricNamesIn(fromRepo)) {
        assert.ok(familyOf(back.types, name), `${file} queries ${name}, which a cluster node's /metrics lacks`);
      }
    }
    const summary = await assertConverged(ctx, [{ id: group.id, members: [a, b, c] }]);
    report(t, `${JSON.stringify(summary)}\n${describeMembers([a, b, c])}`);
    assertNoEcho([a, b, c]);
  });
});
