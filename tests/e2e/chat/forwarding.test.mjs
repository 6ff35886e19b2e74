// Long-polling without sticky sessions: two nodes on one Redis, and every request of an
// Engine.IO session after the handshake sent to the node that does NOT hold it. The
// other node must forward it (polling GET/POST and the WebSocket upgrade) so the client
// sees one ordinary session. Each node has its own SQLite store here: only the owner
// ever reads a store, which is the point.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { after, before, test } from "node:test";
import WebSocket from "ws";

import { api, freePort, makeTempDir, registerUser, request, startServer } from "../../integration/harness.mjs";
import { sleep, withTimeout, WAIT_MS } from "./helpers.mjs";

const SECRET = "forwarding-test-secret-0123456789abcdef";

function redisBinary() {
  const candidates = [process.env.TALKLINE_REDIS_SERVER, "/usr/bin/redis-server", "/usr/local/bin/redis-server"];
  const found = candidates.find((candidate) => candidate && fs.existsSync(candidate));
  if (!found) throw new Error("redis-server not found (scripts/install-deps.sh --test installs it)");
  return found;
}

async function startRedis() {
  const port = await freePort();
  const dir = makeTempDir("talkline-redis-");
  const child = spawn(redisBinary(), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answered = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
    });
    if (answered) break;
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let redis;
let owner;
let other;

before(async () => {
  redis = await startRedis();
  const env = { TALKLINE_BUS: redis.url, TALKLINE_JWT_SECRET: SECRET };
  owner = await startServer({ env });
  other = await startServer({ env });
});

after(async () => {
  await other?.dispose();
  await owner?.dispose();
  redis?.stop();
});

const EIO = "/socket.io/?EIO=4&transport=polling";
// Engine.IO's polling requests are the real-time transport of docs/protocol.md, not a route
// of docs/openapi.json, so the harness does not check their answers against it.
const ENGINE_IO = { offContract: true };

async function handshake(node) {
  const res = await request(node.baseUrl, "GET", EIO, ENGINE_IO);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text[0], "0", res.text);
  return JSON.parse(res.text.slice(1)).sid;
}

// Engine.IO polling payloads separate packets with the record separator.
const packets = (text) => text.split("\x1e");

test("polling requests and the upgrade of a session reach its node through another node", async () => {
  const user = await registerUser(api(owner.baseUrl), "fwd");
  const sid = await handshake(owner);

  // The CONNECT goes to the node without the session.
  const connect = await request(other.baseUrl, "POST", `${EIO}&sid=${sid}`, {
    ...ENGINE_IO,
    rawBody: `40${JSON.stringify({ token: user.accessToken })}`,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
  assert.equal(connect.status, 200, connect.text);
  assert.equal(connect.text, "ok");

  const poll = await request(other.baseUrl, "GET", `${EIO}&sid=${sid}`, ENGINE_IO);
  assert.equal(poll.status, 200, poll.text);
  const connected = packets(poll.text).find((p) => p.startsWith("40"));
  assert.ok(connected, `expected the CONNECT answer, got ${poll.text}`);
  assert.ok(JSON.parse(connected.slice(2)).sid, connected);

  // The upgrade, too, arrives at the other node and is tunnelled to the owner.
  const port = new URL(other.baseUrl).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  const frames = [];
  let notify = () => {};
  ws.on("message", (data) => {
    frames.push(data.toString());
    notify();
  });
  const next = (predicate, what) =>
    withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const index = frames.findIndex(predicate);
          if (index >= 0) resolve(frames.splice(index, 1)[0]);
        };
        notify = check;
        check();
      }),
      WAIT_MS,
      what,
    );
  await withTimeout(new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject)), WAIT_MS, "open");
  ws.send("2probe");
  assert.equal(await next((f) => f === "3probe", "3probe"), "3probe");
  ws.send("5");
  // An acknowledged event over the upgraded transport proves the session lives on.
  ws.send(`421${JSON.stringify(["sync", { cursors: {} }])}`);
  const ack = await next((f) => f.startsWith("431"), "the sync ack");
  assert.equal(JSON.parse(ack.slice(3))[0].ok, true, ack);
  ws.close();
});

test("a session of an unknown node is refused like any unknown session", async () => {
  const sid = await handshake(owner);
  // Node numbers are the first two characters; "__" names 4095, which nobody leases.
  const foreign = `__${sid.slice(2)}`;
  const res = await request(other.baseUrl, "GET", `${EIO}&sid=${foreign}`, ENGINE_IO);
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.json, { code: 1, message: "Session ID unknown" });
});

test("a session whose node died is refused, so the client starts over", async () => {
  const doomed = await startServer({ env: { TALKLINE_BUS: redis.url, TALKLINE_JWT_SECRET: SECRET } });
  const sid = await handshake(doomed);
  await doomed.kill9();
  const res = await request(other.baseUrl, "GET", `${EIO}&sid=${sid}`, ENGINE_IO);
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json?.code, 1, res.text);
  await doomed.dispose();
});
