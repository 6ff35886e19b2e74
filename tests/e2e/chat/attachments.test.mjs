// Attachments over Socket.IO: a message:send with attachmentIds is acked with the
// attachments, the other members get message:new carrying them and download the file;
// refused attachments get an error ack and send nothing.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import { describe, test } from "node:test";

import { SETTLE_MS, TRANSPORTS, assertErrorAck, sleep, uniqueSuffix, useChatServer } from "./helpers.mjs";

const ctx = useChatServer();

function rawRequest(method, urlPath, token, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = { authorization: `Bearer ${token}`, ...headers };
    if (body) outgoing["content-length"] = String(body.length);
    const req = http.request(new URL(urlPath, ctx.baseUrl), { method, headers: outgoing, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function upload(user, content, type, name) {
  const res = await rawRequest("POST", `/api/v1/uploads?name=${encodeURIComponent(name)}`, user.accessToken, content, {
    "content-type": type,
  });
  assert.equal(res.status, 201, res.bytes.toString());
  return JSON.parse(res.bytes.toString());
}

const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");

for (const { name, options } of TRANSPORTS) {
  describe(`attachments (${name})`, () => {
    test("a message sent with an attachment reaches the other member, who downloads the file", async () => {
      const [alice, bob] = await ctx.users(2, "at");
      const group = await ctx.group(alice, [bob]);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const content = Buffer.from(`minutes of the meeting ${uniqueSuffix()}\n`.repeat(50));
      const file = await upload(alice, content, "text/plain", "minutes.txt");

      const answer = await a.ack("message:send", {
        conversationId: group.id,
        clientMsgId: `c-${uniqueSuffix(12)}`,
        attachmentIds: [file.id],
      });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(answer.message.body, "");
      assert.equal(answer.message.kind, "file");
      assert.equal(answer.message.attachments[0].id, file.id);

      const [delivered] = await b.waitMessages(group.id, 1);
      assert.equal(delivered.id, answer.message.id);
      assert.equal(delivered.kind, "file");
      assert.deepEqual(delivered.attachments, answer.message.attachments);
      const attachment = delivered.attachments[0];
      assert.equal(attachment.name, "minutes.txt");
      assert.equal(attachment.size, content.length);

      const got = await rawRequest("GET", attachment.url, bob.accessToken);
      assert.equal(got.status, 200);
      assert.equal(sha256(got.bytes), attachment.sha256);
      assert.deepEqual(got.bytes, content);
    });

    test("attachments that are not the sender's, or too many, are refused and nothing is sent", async () => {
      const [alice, bob] = await ctx.users(2, "ar");
      const group = await ctx.group(alice, [bob]);
      const a = await ctx.connect(alice, options, "alice");
      const b = await ctx.connect(bob, options, "bob");
      const theirs = await upload(bob, Buffer.from("bob's"), "text/plain", "b.txt");
      const send = (payload) =>
        a.ack("message:send", { conversationId: group.id, clientMsgId: `c-${uniqueSuffix(12)}`, ...payload });
      assertErrorAck(await send({ body: "x", attachmentIds: [theirs.id] }), "invalid_argument");
      assertErrorAck(await send({ body: "x", attachmentIds: "nope" }), "invalid_argument");
      const many = [];
      for (let i = 0; i < 11; i += 1) many.push((await upload(alice, Buffer.from(`f${i}`), "text/plain", "f.txt")).id);
      assertErrorAck(await send({ body: "x", attachmentIds: many }), "invalid_argument");
      assertErrorAck(await send({ attachmentIds: [] }), "invalid_argument");
      await sleep(SETTLE_MS);
      assert.equal(b.messages(group.id).length, 0);
    });
  });
}
