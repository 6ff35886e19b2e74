// Socket.IO v5 against protocol-echo --mode socketio, spoken by hand over a raw
// WebSocket (and once over long-polling). Follows the cases of the public
// socket.io-protocol test suite in Engine.IO v4 framing.
//
// The reference namespaces: "/" and "/custom" emit "auth" with the CONNECT payload;
// on "/" the event "message" is emitted back as "message-back" and
// "message-with-ack" is acknowledged with its own arguments.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  CONNECT_TIMEOUT,
  SEPARATOR,
  openPollingSession,
  openWebSocketSession,
  sleep,
  startEchoServer,
} from "./echo-server.mjs";

const server = await startEchoServer("socketio");

// Generous bound on "the server acted on its timer": its own delay plus scheduling slack.
const TIMER_SLACK = 1000;

const placeholders = '{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}';

// Checks a CONNECT answer for `prefix` ("40" or "40/custom,") and returns its sid.
function assertConnected(packet, prefix) {
  assert.equal(typeof packet, "string");
  assert.ok(packet.startsWith(prefix), packet);
  const payload = JSON.parse(packet.slice(prefix.length));
  assert.deepEqual(Object.keys(payload), ["sid"]);
  assert.equal(typeof payload.sid, "string");
  assert.ok(payload.sid.length > 0);
  return payload.sid;
}

// An Engine.IO session over WebSocket that has not joined any namespace yet.
function openConnection(options = {}) {
  return openWebSocketSession(server, { autoPong: true, ...options });
}

// An Engine.IO session over WebSocket joined to "/", its "auth" event already read.
async function connectedSocket(options = {}) {
  const socket = await openConnection(options);
  socket.send("40");
  assertConnected(await socket.next(), "40");
  assert.equal(await socket.next(), '42["auth",{}]');
  return socket;
}

describe("connect", () => {
  test("to the main namespace", async () => {
    const socket = await openConnection();
    socket.send("40");
    assertConnected(await socket.next(), "40");
    assert.equal(await socket.next(), '42["auth",{}]');
    socket.close();
  });

  test("to the main namespace with a payload", async () => {
    const socket = await openConnection();
    socket.send('40{"token":"123"}');
    assertConnected(await socket.next(), "40");
    assert.equal(await socket.next(), '42["auth",{"token":"123"}]');
    socket.close();
  });

  test("to a custom namespace", async () => {
    const socket = await openConnection();
    socket.send("40/custom,");
    assertConnected(await socket.next(), "40/custom,");
    assert.equal(await socket.next(), '42/custom,["auth",{}]');
    socket.close();
  });

  test("to a custom namespace with a payload", async () => {
    const socket = await openConnection();
    socket.send('40/custom,{"token":"abc"}');
    assertConnected(await socket.next(), "40/custom,");
    assert.equal(await socket.next(), '42/custom,["auth",{"token":"abc"}]');
    socket.close();
  });

  test("each namespace membership gets a sid of its own, unlike the Engine.IO sid", async () => {
    const socket = await openConnection();
    socket.send("40");
    const mainSid = assertConnected(await socket.next(), "40");
    await socket.next();
    socket.send("40/custom,");
    const customSid = assertConnected(await socket.next(), "40/custom,");
    assert.notEqual(mainSid, customSid);
    assert.notEqual(mainSid, socket.handshake.sid);
    socket.close();
  });

  test("to an unknown namespace is refused, and the connection stays usable", async () => {
    const socket = await openConnection();
    socket.send("40/random,");
    assert.equal(await socket.next(), '44/random,{"message":"Invalid namespace"}');
    socket.send("40/random");
    assert.equal(await socket.next(), '44/random,{"message":"Invalid namespace"}');
    socket.send("40");
    assertConnected(await socket.next(), "40");
    assert.equal(await socket.next(), '42["auth",{}]');
    socket.close();
  });

  // The spec: "If the server does not receive a CONNECT packet first, then it MUST
  // close the connection immediately", so well before connectTimeout.
  const notConnectFirst = [
    ["an event", '42["message","too early"]'],
    ["an event with an ack id", '421["message-with-ack","too early"]'],
    ["an ack", "430[]"],
    ["a DISCONNECT", "41"],
  ];
  for (const [name, packet] of notConnectFirst) {
    test(`${name} before any CONNECT closes the connection at once`, async () => {
      const socket = await openConnection();
      socket.send(packet);
      const { elapsed } = await socket.waitClosed();
      assert.ok(elapsed < CONNECT_TIMEOUT / 2, `closed after ${elapsed} ms: not at once`);
    });
  }

  test("an invalid handshake closes the connection", async () => {
    const socket = await openConnection();
    socket.send("4abc");
    await socket.waitClosed();
  });

  test("no CONNECT within connectTimeout closes the connection", async () => {
    const socket = await openConnection(); // answers pings, so only the connect timer can fire
    const { elapsed } = await socket.waitClosed(CONNECT_TIMEOUT + TIMER_SLACK);
    assert.ok(elapsed >= CONNECT_TIMEOUT - 200, `closed after ${elapsed} ms, before connectTimeout`);
  });

  test("a connected client outlives connectTimeout", async () => {
    const socket = await connectedSocket();
    await sleep(CONNECT_TIMEOUT + 200);
    socket.send('42["message","still here"]');
    assert.equal(await socket.next(), '42["message-back","still here"]');
    socket.close();
  });
});

describe("disconnect", () => {
  test("leaving the main namespace, the last one joined, closes the connection", async () => {
    const socket = await connectedSocket();
    socket.send("41");
    await socket.waitClosed();
  });

  test("leaving a custom namespace keeps the main one", async () => {
    const socket = await connectedSocket();
    socket.send("40/custom,");
    assertConnected(await socket.next(), "40/custom,");
    assert.equal(await socket.next(), '42/custom,["auth",{}]');
    socket.send("41/custom,");
    socket.send('42["message","message to main namespace"]');
    assert.equal(await socket.next(), '42["message-back","message to main namespace"]');
    socket.close();
  });
});

describe("events", () => {
  test("a plain-text event is emitted back", async () => {
    const socket = await connectedSocket();
    socket.send('42["message",1,"2",{"3":[true]}]');
    assert.equal(await socket.next(), '42["message-back",1,"2",{"3":[true]}]');
    socket.close();
  });

  test("an event with binary attachments is emitted back with them", async () => {
    const socket = await connectedSocket();
    socket.send(`452-["message",${placeholders}]`);
    socket.send(Uint8Array.from([1, 2, 3]));
    socket.send(Uint8Array.from([4, 5, 6]));
    const [header, first, second] = await socket.take(3);
    assert.equal(header, `452-["message-back",${placeholders}]`);
    assert.deepEqual(first, Buffer.from([1, 2, 3]));
    assert.deepEqual(second, Buffer.from([4, 5, 6]));
    socket.close();
  });

  test("attachments arrive as ArrayBuffers when asked for", async () => {
    const socket = await connectedSocket({ binaryType: "arraybuffer" });
    socket.send(`451-["message",{"_placeholder":true,"num":0}]`);
    socket.send(Uint8Array.from([7, 8, 9]));
    const [header, attachment] = await socket.take(2);
    assert.equal(header, '451-["message-back",{"_placeholder":true,"num":0}]');
    assert.ok(attachment instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(attachment), Uint8Array.from([7, 8, 9]));
    socket.close();
  });

  test("an event with an ack id is acknowledged with the same arguments", async () => {
    const socket = await connectedSocket();
    socket.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await socket.next(), '43456[1,"2",{"3":[false]}]');
    socket.close();
  });

  test("a binary event with an ack id gets a binary ack", async () => {
    const socket = await connectedSocket();
    socket.send(`452-789["message-with-ack",${placeholders}]`);
    socket.send(Uint8Array.from([1, 2, 3]));
    socket.send(Uint8Array.from([4, 5, 6]));
    const [header, first, second] = await socket.take(3);
    assert.equal(header, `462-789[${placeholders}]`);
    assert.deepEqual(first, Buffer.from([1, 2, 3]));
    assert.deepEqual(second, Buffer.from([4, 5, 6]));
    socket.close();
  });

  test("events on a custom namespace are not answered by the main namespace's handlers", async () => {
    const socket = await connectedSocket();
    socket.send("40/custom,");
    assertConnected(await socket.next(), "40/custom,");
    assert.equal(await socket.next(), '42/custom,["auth",{}]');
    socket.send('42/custom,["message","to custom"]');
    socket.send('42["message","to main"]');
    assert.equal(await socket.next(), '42["message-back","to main"]');
    socket.close();
  });
});

describe("malformed packets close the connection", () => {
  const cases = [
    ["an unknown packet type", ["4abc"]],
    ["an event payload that is not an array", ["42{}"]],
    ["an event payload that is an empty array", ["42[]"]],
    ["an event without a payload", ["42"]],
    ["an event with a reserved name", ['42["connect"]']],
    ["an invalid ack id", ['42abc["message-with-ack",1,"2",{"3":[false]}]']],
    ["an ack payload that is not an array", ["430{}"]],
    ["a CONNECT payload that is not an object", ["40/custom,[]"]],
    ["broken JSON", ['42["message",']],
    ["a CONNECT_ERROR from the client", ['44{"message":"no"}']],
    ["a placeholder past the announced attachments", ['451-["message",{"_placeholder":true,"num":1}]']],
  ];
  for (const [name, frames] of cases) {
    test(name, async () => {
      const socket = await connectedSocket();
      for (const frame of frames) socket.send(frame);
      await socket.waitClosed();
    });
  }

  test("an attachment without a binary packet waiting for it", async () => {
    const socket = await connectedSocket();
    socket.send(Uint8Array.from([1, 2, 3]));
    await socket.waitClosed();
  });
});

describe("over long-polling", () => {
  test("connect, event, ack and binary event", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.post("40")).body, "ok");
    const [connected, auth] = await session.collect(2);
    assertConnected(connected, "40");
    assert.equal(auth, '42["auth",{}]');

    assert.equal((await session.post('42["message",1,"2",{"3":[true]}]')).body, "ok");
    assert.deepEqual(await session.poll(), ['42["message-back",1,"2",{"3":[true]}]']);

    assert.equal((await session.post('42456["message-with-ack",1,"2",{"3":[false]}]')).body, "ok");
    assert.deepEqual(await session.poll(), ['43456[1,"2",{"3":[false]}]']);

    // In a polling payload an attachment travels as "b" + base64.
    const binaryEvent = ['451-["message",{"_placeholder":true,"num":0}]', "bAQID"].join(SEPARATOR);
    assert.equal((await session.post(binaryEvent)).body, "ok");
    assert.deepEqual(await session.collect(2), ['451-["message-back",{"_placeholder":true,"num":0}]', "bAQID"]);
  });

  test("a malformed packet ends the session", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.post("40")).body, "ok");
    await session.collect(2);
    assert.equal((await session.post("42{}")).body, "ok");
    // The server closes gracefully: the next GET gets the close packet, then the sid is gone.
    const { status, body } = await session.get();
    if (status === 200) assert.equal(body.split(SEPARATOR).at(-1), "1");
    else assert.equal(status, 400);
    assert.equal((await session.get()).status, 400);
  });
});
