// Shared harness of the protocol tests: starts examples/protocol-echo on an ephemeral
// port for one test file, and gives the tests small, timeout-bounded ways to speak
// Engine.IO v4 over long-polling (fetch) and WebSocket (ws).
//
//   const server = await startEchoServer("engineio");   // stopped in after()
//   const session = await openPollingSession(server);
//   const client = await WsClient.open(`${server.wsUrl}/engine.io/?EIO=4&transport=websocket`);

import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, resolve } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const defaultBinary = resolve(repoRoot, "build/examples/protocol-echo");

/** What the server announces in its open packet; the tests check it and time against it. */
export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1000000;
export const CONNECT_TIMEOUT = 1000;

/** Longest any single wait in these tests may take before it counts as a failure. */
export const WAIT_LIMIT = 3000;

/** Engine.IO v4 joins the packets of a polling payload with the record separator. */
export const SEPARATOR = "\x1e";

const openClients = new Set();

// Rejects with a message naming `what` unless `promise` settles within `ms`.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Spawns protocol-echo in `mode` ("engineio" or "socketio") on port 0 and resolves once
 * it printed its listening line. The process (and any WsClient still open) is ended
 * in the calling file's after() hook.
 */
export async function startEchoServer(mode) {
  const binary = process.env.PROTOCOL_ECHO_BIN || defaultBinary;
  const child = spawn(binary, ["--mode", mode, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (stderr += chunk));

  const listening = new Promise((resolveLine, rejectLine) => {
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /^protocol-echo (\S+) listening on (\S+):(\d+)$/m.exec(stdout);
      if (match) resolveLine({ host: match[2], port: Number(match[3]) });
    });
    child.on("error", rejectLine);
    child.on("exit", (code, signal) =>
      rejectLine(new Error(`${binary} exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
  const { host, port } = await withTimeout(listening, 10000, `${binary} to listen`);

  const stop = async () => {
    for (const client of openClients) client.terminate();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  after(stop);

  const url = `http://${host}:${port}`;
  return {
    url,
    wsUrl: `ws://${host}:${port}`,
    path: mode === "engineio" ? "/engine.io/" : "/socket.io/",
    stop,
  };
}

// ---------------------------------------------------------------- polling

/** Splits a polling payload into its packets (strings; binary ones stay `b<base64>`). */
export function decodePayload(body) {
  return body === "" ? [] : body.split(SEPARATOR);
}

/** A fetch that fails instead of hanging when the server does not answer. */
export function request(url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(WAIT_LIMIT) });
}

/** Fetches `url` and returns the status, the body text and the headers. */
export async function fetchText(url, init = {}) {
  const response = await request(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/**
 * One Engine.IO session over long-polling, opened by a handshake GET.
 * `get`/`post` are the raw requests; `poll` and `collect` hide the heartbeat.
 */
export class PollingSession {
  constructor(server, handshake) {
    this.handshake = handshake;
    this.sid = handshake.sid;
    this.url = `${server.url}${server.path}?EIO=4&transport=polling&sid=${encodeURIComponent(this.sid)}`;
  }

  get() {
    return fetchText(this.url);
  }

  post(body) {
    return fetchText(this.url, { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8" } });
  }

  /**
   * GETs until the answer holds something besides pings, answering each ping with a
   * pong, and returns the other packets. A ping may land in any payload; the tests
   * that are not about the heartbeat should neither see it nor die of it.
   */
  async poll() {
    for (;;) {
      const { status, body } = await this.get();
      if (status !== 200) throw new Error(`poll answered ${status}: ${body}`);
      const packets = decodePayload(body);
      const others = packets.filter((packet) => packet !== "2");
      if (others.length < packets.length) await this.post("3");
      if (others.length > 0) return others;
    }
  }

  /** Polls until `count` packets other than pings have arrived; returns exactly those. */
  async collect(count) {
    const packets = [];
    while (packets.length < count) packets.push(...(await this.poll()));
    return packets;
  }
}

/** Performs a polling handshake on `server` (extra query parameters optional). */
export async function openPollingSession(server, query = "") {
  const { status, body } = await fetchText(`${server.url}${server.path}?EIO=4&transport=polling${query}`);
  if (status !== 200 || !body.startsWith("0")) throw new Error(`handshake failed: ${status} ${body}`);
  return new PollingSession(server, JSON.parse(body.slice(1)));
}

// ---------------------------------------------------------------- WebSocket

/**
 * A `ws` client that queues every message, so none is lost between two awaits (ws
 * emits the frames of one read back to back). Text frames arrive as strings, binary
 * ones as Buffer (or ArrayBuffer with binaryType "arraybuffer").
 *
 * With `autoPong`, Engine.IO pings ("2") are answered at once and never queued.
 */
export class WsClient {
  static async open(url, { binaryType = "nodebuffer", autoPong = false } = {}) {
    const client = new WsClient(url, binaryType, autoPong);
    await withTimeout(client.opened, WAIT_LIMIT, `WebSocket open of ${url}`);
    return client;
  }

  constructor(url, binaryType, autoPong) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = binaryType;
    this.autoPong = autoPong;
    this.queue = [];
    this.waiters = [];
    openClients.add(this);

    this.opened = new Promise((resolveOpen, rejectOpen) => {
      this.ws.once("open", resolveOpen);
      this.ws.once("error", rejectOpen);
    });
    this.ws.on("error", () => {}); // surfaced through `opened` and `closed`
    this.closed = new Promise((resolveClose) => {
      this.ws.once("close", (code, reason) => {
        openClients.delete(this);
        resolveClose({ code, reason: reason.toString() });
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`closed (${code}) while waiting`));
      });
    });
    this.ws.on("message", (data, isBinary) => this.deliver(isBinary ? data : Buffer.from(data).toString()));
  }

  deliver(message) {
    if (this.autoPong && message === "2") {
      this.ws.send("3");
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(message);
    else this.queue.push(message);
  }

  /** The next message, within `timeout` ms. */
  next(timeout = WAIT_LIMIT) {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("socket is not open"));
    const waiter = {};
    const message = new Promise((resolveMessage, rejectMessage) => {
      waiter.resolve = resolveMessage;
      waiter.reject = rejectMessage;
    });
    this.waiters.push(waiter);
    return withTimeout(message, timeout, "a WebSocket message").catch((error) => {
      this.waiters = this.waiters.filter((other) => other !== waiter);
      throw error;
    });
  }

  /** The next `count` messages, in order. */
  async take(count, timeout = WAIT_LIMIT) {
    const messages = [];
    while (messages.length < count) messages.push(await this.next(timeout));
    return messages;
  }

  /** Resolves with {code, reason, elapsed} once the server ends the connection. */
  async waitClosed(timeout = WAIT_LIMIT) {
    const started = Date.now();
    const result = await withTimeout(this.closed, timeout, "the server to close the WebSocket");
    return { ...result, elapsed: Date.now() - started };
  }

  send(data) {
    this.ws.send(data);
  }

  close() {
    this.ws.close();
  }

  terminate() {
    this.ws.terminate();
  }
}

/** Opens an Engine.IO WebSocket session and returns it with its open packet. */
export async function openWebSocketSession(server, { query = "", binaryType, autoPong = true } = {}) {
  const client = await WsClient.open(`${server.wsUrl}${server.path}?EIO=4&transport=websocket${query}`, {
    binaryType,
    autoPong,
  });
  const open = await client.next();
  if (typeof open !== "string" || !open.startsWith("0")) throw new Error(`expected an open packet, got ${open}`);
  client.handshake = JSON.parse(open.slice(1));
  return client;
}

/**
 * Attempts a WebSocket connection the server should refuse. Resolves with the HTTP
 * status of the refusal, or with `opened: true` and the close once the server ends a
 * connection it accepted first.
 */
export async function attemptRefusedWebSocket(url) {
  const ws = new WebSocket(url);
  openClients.add(ws);
  const outcome = new Promise((resolveOutcome) => {
    let status = null;
    let opened = false;
    ws.on("open", () => (opened = true));
    // ws reports a refused handshake as this error, then closes.
    ws.on("error", (error) => {
      const refused = /^Unexpected server response: (\d+)$/.exec(error.message);
      if (refused) status = Number(refused[1]);
    });
    ws.on("close", (code) => {
      openClients.delete(ws);
      resolveOutcome({ status, opened, code });
    });
  });
  return withTimeout(outcome, WAIT_LIMIT, `refusal of ${url}`);
}
