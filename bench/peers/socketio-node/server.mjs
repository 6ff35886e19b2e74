// socketio-node: the Node.js socket.io peer of talkline-bench.
//
//   node server.mjs --port 8090 --mode memory
//   node server.mjs --port 8090 --mode sqlite --db /tmp/peer.db
//
// Prints `socketio-node listening on <host>:<port>` once it accepts connections.

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { Server } from "socket.io";

import { Chat } from "./lib/chat.mjs";
import { createApiHandler } from "./lib/http_api.mjs";
import { MemoryStore } from "./lib/memory_store.mjs";
import { attachRealtime } from "./lib/realtime.mjs";
import { Tokens } from "./lib/tokens.mjs";

const kUsage = "usage: node server.mjs --port N --mode memory|sqlite [--db PATH] [--host ADDR] [--secret S] [--token-ttl SECONDS]";

function parseOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8090" },
      host: { type: "string", default: "127.0.0.1" },
      mode: { type: "string", default: "memory" },
      db: { type: "string", default: "socketio-node.db" },
      secret: { type: "string", default: process.env.PEER_TOKEN_SECRET },
      "token-ttl": { type: "string", default: "900" },
      help: { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  const ttl = Number(values["token-ttl"]);
  if (values.help || !["memory", "sqlite"].includes(values.mode) || !Number.isInteger(port) || port < 0 || port > 65535 || !(ttl > 0)) {
    console.error(kUsage);
    process.exit(values.help ? 0 : 2);
  }
  return { ...values, port, ttl };
}

async function openStore(options) {
  if (options.mode === "memory") return new MemoryStore();
  // Loaded only when asked for, so memory mode runs even without the native module.
  const { SqliteStore } = await import("./lib/sqlite_store.mjs");
  return new SqliteStore(options.db);
}

async function main() {
  const options = parseOptions();
  const store = await openStore(options);
  const chat = new Chat(store, new Tokens(options.secret ?? randomBytes(32), options.ttl));

  const httpServer = createServer(createApiHandler(chat));
  // socket.io's defaults (pingInterval 25000, pingTimeout 20000, both transports), spelled
  // out where TalkLine's limits are the same: 1 MB payload, any origin.
  const io = new Server(httpServer, { path: "/socket.io/", maxHttpBufferSize: 1e6, cors: { origin: "*" } });
  attachRealtime(io, chat);

  httpServer.listen(options.port, options.host, () => {
    const { address, port } = httpServer.address();
    console.log(`socketio-node listening on ${address}:${port}`);
  });

  // Stop accepting, close every socket, then close the store (a clean WAL checkpoint).
  const shutdown = () => {
    setTimeout(() => process.exit(1), 5000).unref();
    io.close(() => {
      store.close();
      process.exit(0);
    });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
