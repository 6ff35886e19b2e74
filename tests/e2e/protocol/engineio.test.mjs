// Engine.IO v4 against protocol-echo --mode engineio: every message comes back as it went.
// Follows the cases of the public engine.io-protocol test suite, in v4 framing (EIO=4,
// payload packets joined by "\x1e", the server pings and the client pongs).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  MAX_PAYLOAD,
  PING_INTERVAL,
  PING_TIMEOUT,
  SEPARATOR,
  WsClient,
  attemptRefusedWebSocket,
  fetchText,
  openPollingSession,
  openWebSocketSession,
  sleep,
  startEchoServer,
} from "./echo-server.mjs";

const server = await startEchoServer("engineio");
const endpoint = (query) => `${server.url}/engine.io/?${query}`;
const wsEndpoint = (query) => `${server.wsUrl}/engine.io/?${query}`;

// Generous bound on "the server acted on its timer": its own delay plus scheduling slack.
const TIMER_SLACK = 1000;

function assertOpenPacket(open, upgrades) {
  assert.deepEqual(Object.keys(open).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
  assert.equal(typeof open.sid, "string");
  assert.ok(open.sid.length > 0);
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, MAX_PAYLOAD);
}

async function assertRequestError(query, { method = "GET", code, message }) {
  const { status, body } = await fetchText(endpoint(query), { method });
  assert.equal(status, 400, `${method} ?${query}`);
  assert.deepEqual(JSON.parse(body), { code, message }, `${method} ?${query}`);
}

async function assertWebSocketRefused(url) {
  const outcome = await attemptRefusedWebSocket(url);
  assert.equal(outcome.status, 400, url);
  assert.equal(outcome.opened, false, url);
}

// A polling session taken over by a WebSocket: probe, then upgrade. Returns both
// sides with the upgrade's noop already read from the WebSocket.
async function upgradedSession() {
  const session = await openPollingSession(server);
  const socket = await WsClient.open(wsEndpoint(`EIO=4&transport=websocket&sid=${session.sid}`), { autoPong: true });
  socket.send("2probe");
  assert.equal(await socket.next(), "3probe");
  socket.send("5");
  assert.equal(await socket.next(), "6");
  return { session, socket };
}

describe("handshake", () => {
  test("a polling handshake answers 200 with one open packet", async () => {
    const { status, body, headers } = await fetchText(endpoint("EIO=4&transport=polling"));
    assert.equal(status, 200);
    assert.match(headers.get("content-type"), /^text\/plain/);
    assert.ok(body.startsWith("0"), body);
    assert.ok(!body.includes(SEPARATOR), "the handshake payload holds a single packet");
    assertOpenPacket(JSON.parse(body.slice(1)), ["websocket"]);
  });

  test("every handshake gets a sid of its own", async () => {
    const first = await openPollingSession(server);
    const second = await openPollingSession(server);
    assert.notEqual(first.sid, second.sid);
  });

  test("a WebSocket handshake sends the open packet as the first text frame, with no upgrades", async () => {
    const socket = await WsClient.open(wsEndpoint("EIO=4&transport=websocket"));
    const open = await socket.next();
    assert.equal(typeof open, "string");
    assert.ok(open.startsWith("0"), open);
    assertOpenPacket(JSON.parse(open.slice(1)), []);
    socket.close();
  });
});

describe("request errors over polling", () => {
  test("a missing or unsupported EIO is refused with code 5", async () => {
    const error = { code: 5, message: "Unsupported protocol version" };
    await assertRequestError("transport=polling", error);
    await assertRequestError("EIO=abc&transport=polling", error);
    await assertRequestError("EIO=3&transport=polling", error);
  });

  test("a missing or unknown transport is refused with code 0", async () => {
    const error = { code: 0, message: "Transport unknown" };
    await assertRequestError("EIO=4", error);
    await assertRequestError("EIO=4&transport=abc", error);
  });

  test("a handshake by any method but GET is refused with code 2", async () => {
    const error = { code: 2, message: "Bad handshake method" };
    await assertRequestError("EIO=4&transport=polling", { ...error, method: "POST" });
    await assertRequestError("EIO=4&transport=polling", { ...error, method: "PUT" });
  });

  test("an unknown sid is refused with code 1, for GET and POST", async () => {
    const error = { code: 1, message: "Session ID unknown" };
    await assertRequestError("EIO=4&transport=polling&sid=unknown", error);
    await assertRequestError("EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", error);
    await assertRequestError("EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", { ...error, method: "POST" });
  });
});

describe("request errors over WebSocket", () => {
  test("a missing or unsupported EIO refuses the upgrade", async () => {
    await assertWebSocketRefused(wsEndpoint("transport=websocket"));
    await assertWebSocketRefused(wsEndpoint("EIO=abc&transport=websocket"));
    await assertWebSocketRefused(wsEndpoint("EIO=3&transport=websocket"));
  });

  test("a missing or unknown transport refuses the upgrade", async () => {
    await assertWebSocketRefused(wsEndpoint("EIO=4"));
    await assertWebSocketRefused(wsEndpoint("EIO=4&transport=abc"));
    await assertWebSocketRefused(wsEndpoint("EIO=4&transport=polling"));
  });

  test("an unknown sid refuses the upgrade", async () => {
    await assertWebSocketRefused(wsEndpoint("EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA"));
  });
});

describe("messages over polling", () => {
  test("a text and a binary packet are echoed in one payload", async () => {
    const session = await openPollingSession(server);
    const posted = await session.post(`4hello${SEPARATOR}bAQIDBA==`);
    assert.deepEqual([posted.status, posted.body], [200, "ok"]);
    assert.deepEqual(await session.poll(), ["4hello", "bAQIDBA=="]);
  });

  test("several text packets keep their order", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.post(["4test1", "4test2", "4test3"].join(SEPARATOR))).body, "ok");
    assert.deepEqual(await session.collect(3), ["4test1", "4test2", "4test3"]);
  });

  test("UTF-8 text survives the round trip", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.post("4héllo wörld € 😀")).body, "ok");
    assert.deepEqual(await session.poll(), ["4héllo wörld € 😀"]);
  });

  test("a waiting GET is answered as soon as a message arrives", async () => {
    const session = await openPollingSession(server);
    const waiting = session.poll();
    await sleep(50); // let the GET reach the server first
    assert.equal((await session.post("4late")).body, "ok");
    assert.deepEqual(await waiting, ["4late"]);
  });

  test("an invalid packet is refused with 400 and ends the session", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.post("abc")).status, 400);
    assert.equal((await session.get()).status, 400);
  });

  test("two GETs at once end the session: one gets a close packet, the other 400", async () => {
    const session = await openPollingSession(server);
    const answers = await Promise.all([session.get(), session.get()]);
    answers.sort((a, b) => a.status - b.status);
    assert.deepEqual([answers[0].status, answers[0].body], [200, "1"]);
    assert.equal(answers[1].status, 400);
    assert.equal((await session.get()).status, 400);
  });
});

describe("messages over WebSocket", () => {
  test("a text frame is echoed as a text frame", async () => {
    const socket = await openWebSocketSession(server);
    socket.send("4hello");
    assert.equal(await socket.next(), "4hello");
    socket.close();
  });

  test("a binary frame is echoed as a binary frame", async () => {
    const socket = await openWebSocketSession(server);
    socket.send(Uint8Array.from([1, 2, 3, 4]));
    const echoed = await socket.next();
    assert.ok(Buffer.isBuffer(echoed), "binary frame expected");
    assert.deepEqual(echoed, Buffer.from([1, 2, 3, 4]));
    socket.close();
  });

  test("a binary frame arrives as an ArrayBuffer when asked for", async () => {
    const socket = await openWebSocketSession(server, { binaryType: "arraybuffer" });
    socket.send(Uint8Array.from([1, 2, 3, 4]));
    const echoed = await socket.next();
    assert.ok(echoed instanceof ArrayBuffer, "ArrayBuffer expected");
    assert.deepEqual(new Uint8Array(echoed), Uint8Array.from([1, 2, 3, 4]));
    socket.close();
  });

  test("with b64=1 binary comes back as base64 text", async () => {
    const socket = await openWebSocketSession(server, { query: "&b64=1" });
    socket.send(Uint8Array.from([1, 2, 3, 4]));
    assert.equal(await socket.next(), "bAQIDBA==");
    socket.close();
  });

  test("messages keep their order", async () => {
    const socket = await openWebSocketSession(server);
    for (let i = 0; i < 20; i++) socket.send(`4message ${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `4message ${i}`);
    assert.deepEqual(await socket.take(20), expected);
    socket.close();
  });

  test("an invalid packet closes the connection", async () => {
    const socket = await openWebSocketSession(server);
    socket.send("abc");
    await socket.waitClosed();
  });

  test("an open packet from the client closes the connection", async () => {
    const socket = await openWebSocketSession(server);
    socket.send("0");
    await socket.waitClosed();
  });
});

describe("heartbeat", () => {
  test("over polling the server pings every pingInterval and a pong keeps the session", async () => {
    const session = await openPollingSession(server);
    for (let round = 0; round < 3; round++) {
      const started = Date.now();
      const { status, body } = await session.get();
      assert.deepEqual([status, body], [200, "2"], `round ${round}`);
      assert.ok(Date.now() - started < PING_INTERVAL + TIMER_SLACK, `round ${round} ping came late`);
      assert.equal((await session.post("3")).body, "ok");
    }
    assert.equal((await session.post("4alive")).body, "ok");
    assert.deepEqual(await session.poll(), ["4alive"]);
  });

  test("over polling a missed pong ends the session", async () => {
    const session = await openPollingSession(server);
    assert.equal((await session.get()).body, "2");
    // No pong: the next GET is released with a close packet when pingTimeout runs out
    // (or, on a slow machine, finds the session already gone).
    const started = Date.now();
    const released = await session.get();
    if (released.status === 200) assert.equal(released.body, "1");
    else assert.equal(released.status, 400);
    assert.ok(Date.now() - started < PING_TIMEOUT + TIMER_SLACK);
    assert.equal((await session.get()).status, 400);
    assert.equal((await session.post("4late")).status, 400);
  });

  test("over WebSocket the server pings every pingInterval and a pong keeps the session", async () => {
    const socket = await openWebSocketSession(server, { autoPong: false });
    for (let round = 0; round < 3; round++) {
      const started = Date.now();
      assert.equal(await socket.next(), "2", `round ${round}`);
      assert.ok(Date.now() - started < PING_INTERVAL + TIMER_SLACK, `round ${round} ping came late`);
      socket.send("3");
    }
    socket.autoPong = true;
    socket.send("4alive");
    assert.equal(await socket.next(), "4alive");
    socket.close();
  });

  test("over WebSocket a missed pong closes the connection", async () => {
    const socket = await openWebSocketSession(server, { autoPong: false });
    assert.equal(await socket.next(), "2");
    const { elapsed } = await socket.waitClosed();
    assert.ok(elapsed < PING_TIMEOUT + TIMER_SLACK, `closed after ${elapsed} ms`);
  });
});

describe("close", () => {
  test("over polling a close packet releases the waiting GET with a noop and ends the session", async () => {
    const session = await openPollingSession(server);
    const waiting = session.get();
    await sleep(50); // let the GET reach the server first
    assert.equal((await session.post("1")).body, "ok");
    const released = await waiting;
    assert.deepEqual([released.status, released.body], [200, "6"]);
    assert.equal((await session.get()).status, 400);
  });

  test("over WebSocket a close packet closes the connection", async () => {
    const socket = await openWebSocketSession(server);
    socket.send("1");
    await socket.waitClosed();
  });
});

describe("upgrade", () => {
  test("a probed WebSocket takes over the session; polling GETs are released with a noop", async () => {
    const session = await openPollingSession(server);
    const inFlight = session.poll(); // the client's pending GET when it starts the upgrade
    const socket = await WsClient.open(wsEndpoint(`EIO=4&transport=websocket&sid=${session.sid}`), {
      autoPong: true,
    });
    socket.send("2probe");
    assert.equal(await socket.next(), "3probe");
    assert.deepEqual(await inFlight, ["6"]);
    // Between probe and upgrade a GET does not wait.
    assert.deepEqual(await session.poll(), ["6"]);

    socket.send("5");
    assert.equal(await socket.next(), "6");
    socket.send("4hello");
    assert.equal(await socket.next(), "4hello");
    socket.send(Uint8Array.from([1, 2, 3]));
    assert.deepEqual(await socket.next(), Buffer.from([1, 2, 3]));
    socket.close();
  });

  test("messages queued while the upgrade was under way go out over the WebSocket", async () => {
    const session = await openPollingSession(server);
    const socket = await WsClient.open(wsEndpoint(`EIO=4&transport=websocket&sid=${session.sid}`), {
      autoPong: true,
    });
    socket.send("2probe");
    assert.equal(await socket.next(), "3probe");
    // The client has paused polling: the echo of this POST waits in the server's queue.
    assert.equal((await session.post("4during the upgrade")).body, "ok");
    socket.send("5");
    const [first, second] = await socket.take(2);
    assert.deepEqual([first, second].sort(), ["4during the upgrade", "6"]);
    socket.close();
  });

  test("after the upgrade the sid is refused over polling", async () => {
    const { session, socket } = await upgradedSession();
    assert.equal((await session.get()).status, 400);
    assert.equal((await session.post("4hello")).status, 400);
    socket.send("4still here");
    assert.equal(await socket.next(), "4still here");
    socket.close();
  });

  test("after the upgrade a second WebSocket with the sid is refused", async () => {
    const { session, socket } = await upgradedSession();
    await assertWebSocketRefused(wsEndpoint(`EIO=4&transport=websocket&sid=${session.sid}`));
    socket.send("4still here");
    assert.equal(await socket.next(), "4still here");
    socket.close();
  });

  for (const [name, first] of [
    ["a message", "4hello"],
    ["an upgrade packet", "5"],
  ]) {
    test(`a WebSocket that sends ${name} before the probe is dropped; polling goes on`, async () => {
      const session = await openPollingSession(server);
      const socket = await WsClient.open(wsEndpoint(`EIO=4&transport=websocket&sid=${session.sid}`));
      socket.send(first);
      await socket.waitClosed();
      assert.equal((await session.post("4still polling")).body, "ok");
      assert.deepEqual(await session.poll(), ["4still polling"]);
    });
  }

  test("a session opened over WebSocket cannot be upgraded", async () => {
    const socket = await openWebSocketSession(server);
    await assertWebSocketRefused(wsEndpoint(`EIO=4&transport=websocket&sid=${socket.handshake.sid}`));
    socket.close();
  });
});

describe("maxPayload", () => {
  test("a POST of exactly maxPayload bytes is accepted", async () => {
    const session = await openPollingSession(server);
    const packet = `4${"a".repeat(MAX_PAYLOAD - 1)}`;
    assert.equal((await session.post(packet)).body, "ok");
    assert.deepEqual(await session.poll(), [packet]);
  });

  test("a POST over maxPayload is refused", async () => {
    const session = await openPollingSession(server);
    const { status } = await session.post(`4${"a".repeat(MAX_PAYLOAD)}`);
    assert.ok(status === 413 || status === 400, `status ${status}`);
  });

  test("a WebSocket message of exactly maxPayload bytes is echoed", async () => {
    const socket = await openWebSocketSession(server);
    const packet = `4${"a".repeat(MAX_PAYLOAD - 1)}`;
    socket.send(packet);
    assert.equal(await socket.next(), packet);
    socket.close();
  });

  test("a WebSocket message over maxPayload closes the connection", async () => {
    const socket = await openWebSocketSession(server);
    socket.send(`4${"a".repeat(MAX_PAYLOAD)}`);
    await socket.waitClosed();
  });
});

describe("CORS", () => {
  test("a polling request from another origin is allowed for that origin", async () => {
    const { status, headers } = await fetchText(endpoint("EIO=4&transport=polling"), {
      headers: { Origin: "http://example.com" },
    });
    assert.equal(status, 200);
    assert.equal(headers.get("access-control-allow-origin"), "http://example.com");
  });

  test("a preflight is answered 204", async () => {
    const { status, headers } = await fetchText(endpoint("EIO=4&transport=polling"), {
      method: "OPTIONS",
      headers: { Origin: "http://example.com", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(status, 204);
    assert.equal(headers.get("access-control-allow-origin"), "http://example.com");
    assert.match(headers.get("access-control-allow-methods"), /POST/);
  });
});
