// Attachments across nodes: with a blob directory the nodes share, a file uploaded and
// attached through node 1 is downloaded through node 2 (PostgreSQL store, Redis bus).

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";

import { useCluster } from "./fixture.mjs";

const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), "talkline-blobs-"));
after(() => fs.rmSync(blobDir, { recursive: true, force: true }));
const ctx = useCluster({ nodes: 2, env: { TALKLINE_BLOB_DIR: blobDir } });

function raw(baseUrl, method, urlPath, token, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = { authorization: `Bearer ${token}`, ...headers };
    if (body) outgoing["content-length"] = String(body.length);
    const req = http.request(new URL(urlPath, baseUrl), { method, headers: outgoing, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("attachments across nodes", () => {
  test("a file uploaded and sent through node 1 is downloaded through node 2", async () => {
    const [alice, bob] = await ctx.users(2, "xa");
    const group = await ctx.group(alice, [bob]);
    const [n1, n2] = ctx.cluster.nodeUrls;
    const content = crypto.randomBytes(100_000);
    const uploaded = await raw(n1, "POST", "/api/v1/uploads?name=data.bin", alice.accessToken, content, {
      "content-type": "application/octet-stream",
    });
    assert.equal(uploaded.status, 201, uploaded.bytes.toString());
    const file = JSON.parse(uploaded.bytes.toString());
    const body = Buffer.from(JSON.stringify({ clientMsgId: "x-1", attachmentIds: [file.id] }));
    const sent = await raw(n1, "POST", `/api/v1/conversations/${group.id}/messages`, alice.accessToken, body, {
      "content-type": "application/json",
    });
    assert.equal(sent.status, 201, sent.bytes.toString());

    const got = await raw(n2, "GET", `/api/v1/attachments/${file.id}`, bob.accessToken);
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, content);
    const part = await raw(n2, "GET", `/api/v1/attachments/${file.id}`, bob.accessToken, undefined, {
      range: "bytes=10-19",
    });
    assert.equal(part.status, 206);
    assert.deepEqual(part.bytes, content.subarray(10, 20));
  });
});
