// Mentions and reply previews as socket.io-client sees them: a live message:new carries
// `mentions` (ids of the members its @usernames name) and, for a reply, `replyPreview`;
// message:updated of an edit carries the mentions of the new body; and the offline
// webhook names the offline members a message mentions in `mentionedUserIds`.

import assert from "node:assert/strict";
import http from "node:http";
import { after, describe, test } from "node:test";

import { edit } from "./feed_helpers.mjs";
import { eventually, uniqueSuffix, useChatServer } from "./helpers.mjs";

/** Every webhook body received, in arrival order. */
const received = [];
const receiver = http.createServer((req, res) => {
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    try {
      received.push(JSON.parse(raw));
    } catch {
      received.push({ raw });
    }
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
after(() => new Promise((resolve) => receiver.close(resolve)));

const PREVIEW_CHARS = 8;
const ctx = useChatServer({
  TALKLINE_WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hooks/offline`,
  TALKLINE_REPLY_PREVIEW_CHARS: String(PREVIEW_CHARS),
});

async function sendReply(client, conversationId, body, replyTo) {
  const answer = await client.ack("message:send", { conversationId, clientMsgId: `r-${uniqueSuffix(12)}`, body, replyTo });
  assert.equal(answer?.ok, true, `message:send refused: ${JSON.stringify(answer)}`);
  return answer.message;
}

describe("mentions and reply previews live", () => {
  test("message:new carries the mentioned members, and the ack the same", async () => {
    const [alice, bob, carol] = await ctx.users(3, "mle");
    const group = await ctx.group(alice, [bob, carol]);
    const a = await ctx.connect(alice);
    const b = await ctx.connect(bob);
    const sent = await a.send(group.id, `@${bob.username} and @${carol.username.toUpperCase()}: look`);
    const expected = [bob.user.id, carol.user.id].sort();
    assert.deepEqual([...sent.mentions].sort(), expected);
    const live = await b.waitEvent("message:new", (m) => m.id === sent.id);
    assert.deepEqual([...live.mentions].sort(), expected);
    const plain = await a.send(group.id, "nobody");
    assert.deepEqual((await b.waitEvent("message:new", (m) => m.id === plain.id)).mentions, []);
  });

  test("message:new of a reply carries the preview, cut to the configured characters", async () => {
    const [alice, bob] = await ctx.users(2, "mlr");
    const conversation = await ctx.direct(alice, bob);
    const a = await ctx.connect(alice);
    const b = await ctx.connect(bob);
    const target = await a.send(conversation.id, "ça va très bien 😀");
    const reply = await sendReply(b, conversation.id, "good", target.id);
    const expected = { id: target.id, seq: target.seq, senderId: alice.user.id, body: "ça va tr", truncated: true,
                       deleted: false };
    assert.deepEqual(reply.replyPreview, expected);
    const live = await a.waitEvent("message:new", (m) => m.id === reply.id);
    assert.deepEqual(live.replyPreview, expected);
    assert.equal(live.replyTo, target.id);
  });

  test("message:updated of an edit carries the mentions of the new body", async () => {
    const [alice, bob] = await ctx.users(2, "mlu");
    const group = await ctx.group(alice, [bob]);
    const a = await ctx.connect(alice);
    const b = await ctx.connect(bob);
    const sent = await a.send(group.id, "hello");
    await b.waitEvent("message:new", (m) => m.id === sent.id);
    await edit(a, group.id, sent.id, `hello @${bob.username}`);
    const updated = await b.waitEvent("message:updated", (c) => c.message.id === sent.id);
    assert.deepEqual(updated.message.mentions, [bob.user.id]);
    const listed = await ctx.listed(bob, group.id);
    assert.equal(listed.mentionCount, 1);
  });
});

describe("catch-up", () => {
  test("a member who was away gets mentions and the preview in catch-up's message:new and in sync", async () => {
    const [alice, bob] = await ctx.users(2, "mlc");
    const group = await ctx.group(alice, [bob]);
    const a = await ctx.connect(alice);
    const target = await a.send(group.id, "short");
    const reply = await sendReply(a, group.id, `@${bob.username} see above`, target.id);

    const b = await ctx.connect(bob);
    const caught = await b.waitEvent("message:new", (m) => m.id === reply.id);
    assert.deepEqual(caught.mentions, [bob.user.id]);
    assert.deepEqual(caught.replyPreview, { id: target.id, seq: target.seq, senderId: alice.user.id, body: "short",
                                            truncated: false, deleted: false });
    const synced = await b.ack("sync", { cursors: { [group.id]: 0 } });
    assert.equal(synced.ok, true, JSON.stringify(synced));
    const again = synced.messages.find((m) => m.id === reply.id);
    assert.deepEqual(again.mentions, [bob.user.id]);
    assert.deepEqual(again.replyPreview, caught.replyPreview);
  });
});

describe("the offline webhook and mentions", () => {
  test("names the offline members the message mentions", async () => {
    const [alice, bob, carol] = await ctx.users(3, "mwh");
    const group = await ctx.group(alice, [bob, carol]);
    const a = await ctx.connect(alice);
    const message = await a.send(group.id, `ping @${carol.username}`);
    const request = await eventually(() => received.find((r) => r.message?.id === message.id),
                                     "the webhook for the message");
    assert.deepEqual([...request.userIds].sort(), [bob.user.id, carol.user.id].sort());
    assert.deepEqual(request.mentionedUserIds, [carol.user.id]);
    assert.deepEqual(request.message.mentions, [carol.user.id]);

    const plain = await a.send(group.id, "no ping");
    const second = await eventually(() => received.find((r) => r.message?.id === plain.id), "the second webhook");
    assert.deepEqual(second.mentionedUserIds, []);
  });
});
