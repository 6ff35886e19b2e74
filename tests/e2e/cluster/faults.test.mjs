// Issue 5, scenarios b-d: faults under traffic on one three-node cluster. Each test
// starts from a healthy cluster (restarting whatever an earlier one left down) and ends
// with the invariant check of fixture.mjs: every acked message stored once and seen
// exactly once by every member, in seq order, seq gap-free. The presence test at the end
// shares the cluster: it needs a node to die, not traffic.
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
import { connectSocket } from "../chat/helpers.mjs";
import { assertConverged, assertNoEcho, describeMembers, report, startTraffic, useCluster } from "./fixture.mjs";
import { TEST_VALUES } from "./launch.mjs";
import { newClientMsgId, sleep, waitUntil } from "./model.mjs";

const ctx = useCluster({ nodes: 3 });

const WEBSOCKET = { transports: ["websocket"] };

/** A member of `conversations` connected over WebSocket to `url`. */
const wsMember = (user, url, label, conversations) =>
  ctx.member({ user, url, options: WEBSOCKET, label, conversations });

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
    members.push(await wsMember(users[i], url, label, [group.id, directOf(i)]));
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
    const a = await wsMember(alice, cluster.node(1).url, "alice@node1", [group.id]);
    const b = await wsMember(bob, cluster.node(2).url, "bob@node2", [group.id]);
    const c = await wsMember(carol, cluster.nginxUrl, "carol@nginx", [group.id]);
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

describe("presence across a node crash", () => {
  test("kill -9 of a node: its users who stay away are announced offline with lastSeenAt, those who reconnect stay online", async (t) => {
    await ctx.ensureHealthy();
    const { cluster } = ctx;
    const ttlKey = "TALKLINE_PRESENCE_TTL_SECONDS";
    assert.ok(!cluster.skippedKeys.includes(ttlKey), `this talkline does not know ${ttlKey} (talkline --help)`);
    // Only the dead node's expired entries can announce "offline" here, and they expire
    // one TTL after its last heartbeat; the rest of the bound is slack for a loaded
    // machine, since what matters is that the announcement comes at all.
    const ttlMs = Number(TEST_VALUES[ttlKey]) * 1_000;
    const offlineBoundMs = ttlMs + 10_000;

    const [friend, gone, back] = await ctx.users(3, "crash");
    const group = await ctx.group(friend, [gone, back]);
    const f = await wsMember(friend, cluster.node(1).url, "friend@node1", [group.id]);
    // A Member reconnects by itself, so the user who must stay away is a bare socket
    // with socket.io-client's own reconnection off: once node 2 dies, nothing of theirs
    // is connected anywhere.
    const goneConnectedAt = Date.now();
    const g = await connectSocket(
      cluster.node(2).url,
      gone.accessToken,
      { ...WEBSOCKET, reconnection: false },
      "gone@node2",
    );
    t.after(() => g.close());
    const b = await wsMember(back, cluster.node(2).url, "back@node2", [group.id]);

    const statusesOf = (user) => f.presence.filter((p) => p.userId === user.user.id).map((p) => p.status);
    const presenceLog = () =>
      `friend's presence events: ${JSON.stringify(f.presence)}\n${describeMembers([f, b])}\n${cluster.logs(1500)}`;
    await waitUntil(
      () => statusesOf(gone).includes("online") && statusesOf(back).includes("online"),
      10_000,
      () => `friend on node 1 to see both users of node 2 online; ${presenceLog()}`,
    );
    // Friend's own connect greeting may repeat a live "online"; an "offline" would be wrong.
    assert.ok(statusesOf(gone).every((s) => s === "online"), `gone before the crash: ${statusesOf(gone)}`);

    await cluster.killNode(2);
    // Later tests need node 2 back, whether or not this one got to the end.
    try {
      const killedAt = Date.now();
      await waitUntil(
        () => b.connected && b.connections.length >= 2,
        15_000,
        () => `back to reconnect through nginx to a surviving node:\n${describeMembers([b])}`,
      );

      const offline = await waitUntil(
        () => f.presence.find((p) => p.userId === gone.user.id && p.status === "offline"),
        offlineBoundMs,
        () => `friend to hear that gone, whose only socket was on the killed node 2, is offline; ${presenceLog()}`,
      );
      const heardAfterMs = Date.now() - killedAt;
      assert.equal(g.connected, false, "gone's socket must have died with node 2 and stayed down");
      assert.deepEqual(Object.keys(offline).sort(), ["lastSeenAt", "status", "userId"]);
      assert.equal(typeof offline.lastSeenAt, "string", `offline event: ${JSON.stringify(offline)}`);
      const seen = Date.parse(offline.lastSeenAt);
      // After a crash lastSeenAt is the dead node's last heartbeat: between the connect
      // and the kill (a second's slack for the clocks' rounding).
      assert.ok(
        seen >= goneConnectedAt - 1_000 && seen <= killedAt + 1_000,
        `lastSeenAt ${offline.lastSeenAt} must lie between gone's connect ` +
          `(${new Date(goneConnectedAt).toISOString()}) and the kill (${new Date(killedAt).toISOString()})`,
      );
      // Recorded before it is announced, so one read must already find it.
      const profile = await ctx.http.get(`/api/v1/users/${gone.user.id}`, { token: friend.accessToken });
      assert.equal(profile.status, 200, profile.text);
      assert.notEqual(profile.json.lastSeenAt, null, `gone's user object after the offline event: ${profile.text}`);
      assert.equal(profile.json.lastSeenAt, offline.lastSeenAt, "the user object's lastSeenAt is the event's");

      // Back's entry for node 2 expires at most a heartbeat (TTL/3) after gone's, and the
      // survivors sweep every second, so one more TTL is time enough for a wrong
      // "offline" for back, or a second one for gone, to arrive. Absence cannot be
      // awaited.
      await sleep(ttlMs);
      assert.equal(
        statusesOf(gone).filter((s) => s === "offline").length,
        1,
        `a crashed node's user is announced offline once; ${presenceLog()}`,
      );
      // "Not for good": a user who came back after the TTL may be announced offline and
      // then online again, so only the last word counts.
      await waitUntil(
        () => statusesOf(back).at(-1) === "online",
        10_000,
        () => `friend's last presence status for back, who reconnected, to be online; ${presenceLog()}`,
      );
      // A new connection of the friend's is told who is online now: back must be among them.
      const probe = await wsMember(friend, cluster.nginxUrl, "friend-probe@nginx", [group.id]);
      await waitUntil(
        () => probe.presence.some((p) => p.userId === back.user.id && p.status === "online"),
        10_000,
        () => `a new connection of friend's to hear that back is online: ${JSON.stringify(probe.presence)}`,
      );

      report(
        t,
        `offline heard ${heardAfterMs} ms after the kill (TTL ${TEST_VALUES[ttlKey]} s, bound ${offlineBoundMs} ms); ` +
          `gone ${JSON.stringify(statusesOf(gone))}, back ${JSON.stringify(statusesOf(back))}\n${describeMembers([f, b, probe])}`,
      );
    } finally {
      await cluster.restartNode(2);
    }
  });
});
