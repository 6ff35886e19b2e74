// Issue 5, scenario a: 1:1 and group chat between users on different nodes of a
// three-node cluster (PostgreSQL store, Redis bus, nginx round-robin), over WebSocket, over
// long-polling and with the default polling-then-upgrade, directly on the nodes and
// through nginx. Each test ends with the full invariant check of fixture.mjs.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { assertConverged, assertNoEcho, describeMembers, report, startTraffic, useCluster } from "./fixture.mjs";
import { sleep, waitUntil } from "./model.mjs";

const ctx = useCluster({ nodes: 3 });

const WEBSOCKET = { transports: ["websocket"] };
const POLLING = { transports: ["polling"] };
const DEFAULT = {}; // polling first, then the upgrade to WebSocket

/** How long each test's senders keep sending. */
const TRAFFIC_MS = 2_500;

/**
 * Six users: a group of all of them and three 1:1 conversations (0-1, 2-3, 4-5); each
 * user sends to the group and to their 1:1 in turn. `place(i)` gives user i's url and
 * options. Returns after the invariant check.
 */
async function chatScenario(t, place) {
  const users = await ctx.users(6);
  const group = await ctx.group(users[0], users.slice(1));
  const directs = [];
  for (let i = 0; i < 6; i += 2) directs.push(await ctx.direct(users[i], users[i + 1]));
  const members = [];
  for (let i = 0; i < 6; i += 1) {
    const { url, options, label } = place(i);
    members.push(
      await ctx.member({
        user: users[i],
        url,
        options,
        label,
        conversations: [group.id, directs[Math.floor(i / 2)].id],
      }),
    );
  }
  const traffic = startTraffic(
    members.map((member, i) => ({ member, conversations: [group.id, directs[Math.floor(i / 2)].id] })),
    { pauseMs: 100 },
  );
  await sleep(TRAFFIC_MS);
  await traffic.stop();
  const summary = await assertConverged(ctx, [
    { id: group.id, members },
    ...directs.map((d, k) => ({ id: d.id, members: [members[2 * k], members[2 * k + 1]] })),
  ]);
  report(t, `${JSON.stringify(summary)}\n${describeMembers(members)}`);
  return members;
}

describe("cluster chat across nodes", () => {
  test("users connected straight to different nodes (websocket, polling, default) chat 1:1 and in a group", async (t) => {
    const urls = ctx.cluster.nodeUrls;
    const transports = [WEBSOCKET, POLLING, DEFAULT];
    const names = ["ws", "poll", "default"];
    // User i on node i % 3: every conversation spans nodes, and each transport is on
    // each node. A session on a node it was made on needs no forwarding.
    const members = await chatScenario(t, (i) => ({
      url: urls[i % 3],
      options: transports[Math.floor(i / 2) % 3],
      label: `n${(i % 3) + 1}-${names[Math.floor(i / 2) % 3]}-${i}`,
    }));
    for (const m of members) {
      assert.equal(
        m.connections.length,
        1,
        `${m.label} reconnected: ${JSON.stringify(m.connections.map((c) => c.reason))}`,
      );
    }
    assertNoEcho(members);
  });

  test("through nginx, WebSocket only", async (t) => {
    const members = await chatScenario(t, (i) => ({
      url: ctx.cluster.nginxUrl,
      options: WEBSOCKET,
      label: `nginx-ws-${i}`,
    }));
    for (const m of members) assert.equal(m.connections.length, 1, `${m.label} reconnected`);
    assertNoEcho(members);
  });

  test("through nginx, long-polling only (requests of one session reach different nodes)", async (t) => {
    const members = await chatScenario(t, (i) => ({
      url: ctx.cluster.nginxUrl,
      options: POLLING,
      label: `nginx-poll-${i}`,
    }));
    for (const m of members) {
      assert.equal(m.transport, "polling");
      assert.equal(
        m.connections.length,
        1,
        `${m.label} lost its polling session (round-robin sent a request to a node that does not own it?): ` +
          `${m.connections.map((c) => c.reason).join(" | ")}; connect errors: ${m.connectErrors.join(" | ")}`,
      );
    }
    assertNoEcho(members);
  });

  test("through nginx, default transports: polling, then the upgrade to WebSocket", async (t) => {
    const members = await chatScenario(t, (i) => ({
      url: ctx.cluster.nginxUrl,
      options: DEFAULT,
      label: `nginx-default-${i}`,
    }));
    // The upgrade request is a new HTTP request, so round-robin usually sends it to
    // another node than the one holding the polling session.
    await waitUntil(
      () => members.every((m) => m.transport === "websocket"),
      10_000,
      () => `every client to upgrade to websocket: ${members.map((m) => `${m.label}=${m.transport}`).join(", ")}`,
    );
    for (const m of members) {
      assert.equal(
        m.connections.length,
        1,
        `${m.label} reconnected: ${m.connections.map((c) => c.reason).join(" | ")}`,
      );
    }
    assertNoEcho(members);
  });
});
