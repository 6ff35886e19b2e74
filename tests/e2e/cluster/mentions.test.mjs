// Mentions and reply previews across nodes (PostgreSQL store, Redis bus): members are
// resolved in the commit of the send on whichever node took it, so the live message:new
// on the other node, that node's history and both nodes' mentionCount agree; a member
// mentioned by an edit made through the other node is counted there too.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { api } from "../../integration/harness.mjs";
import { edit } from "../chat/feed_helpers.mjs";
import { connectSocket } from "../chat/helpers.mjs";
import { WEBSOCKET, useSocketCluster } from "./feed_helpers.mjs";

const ctx = useSocketCluster(2);

async function listed(client, user, conversationId) {
  const res = await client.get("/api/v1/conversations?limit=100", { token: user.accessToken });
  assert.equal(res.status, 200, res.text);
  const found = res.json.items.find((c) => c.id === conversationId);
  assert.ok(found, "the conversation is listed");
  return found;
}

describe("mentions across nodes", () => {
  test("a mention sent through node 1 reaches node 2 live and counts on both nodes", async () => {
    const [alice, bob, carol] = await ctx.users(3, "xm");
    const group = await ctx.group(alice, [bob, carol]);
    const id = group.id;
    const [n1, n2] = ctx.cluster.nodeUrls;
    const a = await connectSocket(n1, alice.accessToken, WEBSOCKET, "alice@n1");
    const b = await connectSocket(n2, bob.accessToken, WEBSOCKET, "bob@n2");

    const target = await a.send(id, "a question for everyone");
    const answer = await a.ack("message:send", {
      conversationId: id, clientMsgId: `xm-${Date.now()}`, body: `@${bob.username} what do you think?`, replyTo: target.id,
    });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    const sent = answer.message;
    assert.deepEqual(sent.mentions, [bob.user.id]);
    const live = await b.waitEvent("message:new", (m) => m.id === sent.id);
    assert.deepEqual(live.mentions, [bob.user.id]);
    assert.equal(live.replyPreview.id, target.id);
    assert.equal(live.replyPreview.body, "a question for everyone");

    for (const node of [n1, n2]) {
      assert.equal((await listed(api(node), bob, id)).mentionCount, 1, `bob's count on ${node}`);
      assert.equal((await listed(api(node), carol, id)).mentionCount, 0, `carol's count on ${node}`);
    }

    // An edit through node 2 re-resolves: carol is mentioned now, bob no longer.
    const a2 = await connectSocket(n2, alice.accessToken, WEBSOCKET, "alice@n2");
    const changed = await edit(a2, id, sent.id, `@${carol.username} what do you think?`);
    assert.deepEqual(changed.message.mentions, [carol.user.id]);
    const updated = await b.waitEvent("message:updated", (c) => c.message.id === sent.id);
    assert.deepEqual(updated.message.mentions, [carol.user.id]);
    for (const node of [n1, n2]) {
      assert.equal((await listed(api(node), bob, id)).mentionCount, 0, `bob's count on ${node} after the edit`);
      assert.equal((await listed(api(node), carol, id)).mentionCount, 1, `carol's count on ${node} after the edit`);
    }
  });
});
