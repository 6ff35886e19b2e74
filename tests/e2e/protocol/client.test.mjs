// The real socket.io-client against protocol-echo --mode socketio: what a browser or
// Node application would do, with the default transports (polling, then the upgrade
// to WebSocket) and with WebSocket only.

import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, test } from "node:test";
import { io } from "socket.io-client";

import { WAIT_LIMIT, startEchoServer, withTimeout } from "./echo-server.mjs";

const server = await startEchoServer("socketio");

// Resolves with the arguments of the next `event` on `emitter`, within the wait limit.
function next(emitter, event) {
  return withTimeout(once(emitter, event), WAIT_LIMIT, `"${event}"`);
}

// A fresh client on `nsp` whose "auth" event (sent on connection) has been received.
async function connectClient(nsp, options) {
  const socket = io(`${server.url}${nsp}`, { forceNew: true, reconnection: false, ...options });
  try {
    const [auth] = await next(socket, "auth");
    assert.equal(socket.connected, true);
    return { socket, auth };
  } catch (error) {
    socket.disconnect();
    throw error;
  }
}

const transportSets = [
  ["default transports", {}],
  ["WebSocket only", { transports: ["websocket"] }],
];

for (const [name, options] of transportSets) {
  describe(`socket.io-client with ${name}`, () => {
    test("connects and receives auth with the handshake payload", async () => {
      const { socket, auth } = await connectClient("/", { ...options, auth: { token: "123" } });
      assert.deepEqual(auth, { token: "123" });
      assert.equal(typeof socket.id, "string");
      socket.disconnect();
    });

    test("emit message gets message-back with the same arguments", async () => {
      const { socket } = await connectClient("/", options);
      const back = next(socket, "message-back");
      socket.emit("message", 1, "2", { 3: [true] });
      assert.deepEqual(await back, [1, "2", { 3: [true] }]);
      socket.disconnect();
    });

    test("emitWithAck gets the same arguments back", async () => {
      const { socket } = await connectClient("/", options);
      const answer = await withTimeout(socket.emitWithAck("message-with-ack", { 3: [false] }), WAIT_LIMIT, "the ack");
      assert.deepEqual(answer, { 3: [false] });
      socket.disconnect();
    });

    test("a Buffer makes the round trip", async () => {
      const { socket } = await connectClient("/", options);
      const back = next(socket, "message-back");
      socket.emit("message", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5, 6]) });
      const [first, second] = await back;
      assert.deepEqual(Buffer.from(first), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(second.nested), Buffer.from([4, 5, 6]));
      socket.disconnect();
    });

    test("connects to the /custom namespace, with and without auth", async () => {
      const withAuth = await connectClient("/custom", { ...options, auth: { token: "abc" } });
      assert.deepEqual(withAuth.auth, { token: "abc" });
      withAuth.socket.disconnect();
      const withoutAuth = await connectClient("/custom", options);
      assert.deepEqual(withoutAuth.auth, {});
      withoutAuth.socket.disconnect();
    });

    test("an unknown namespace gives connect_error", async () => {
      const socket = io(`${server.url}/random`, { forceNew: true, reconnection: false, ...options });
      const [error] = await next(socket, "connect_error");
      assert.equal(error.message, "Invalid namespace");
      socket.disconnect();
    });
  });
}

test("with default transports the client upgrades to WebSocket", async () => {
  const socket = io(server.url, { forceNew: true, reconnection: false });
  const engine = socket.io.engine;
  assert.equal(engine.transport?.name ?? "polling", "polling");
  const [transport] = await next(engine, "upgrade");
  assert.equal(transport.name, "websocket");
  assert.equal(socket.io.engine.transport.name, "websocket");
  // Still works over the new transport.
  const back = next(socket, "message-back");
  socket.emit("message", "after upgrade");
  assert.deepEqual(await back, ["after upgrade"]);
  socket.disconnect();
});
