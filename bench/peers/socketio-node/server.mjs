// socketio-node: the Node.js socket.io peer of talkline-bench.
//
//   node server.mjs --port 8090 --mode memory
//   node server.mjs --port 8090 --mode sqlite --db /tmp/peer.db
//   node server.mjs --port 8090 --mode redis --redis redis://127.0.0.1:6379 --adapter redis --secret S
//     (several such processes on one Redis and one secret form one cluster)
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

const kUsage =
  "usage: node server.mjs --port N --mode memory|sqlite|redis [--db PATH] [--redis URL] [--adapter memory|redis]\n" +
  "                       [--host ADDR] [--secret S] [--token-ttl SECONDS]";

function parseOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8090" },
      host: { type: "string", default: "127.0.0.1" },
      mode: { type: "string", default: "memory" },
      db: { type: "string", default: "socketio-node.db" },
      redis: { type: "string", default: process.env.PEER_REDIS_URL ?? "redis://127.0.0.1:6379" },
      adapter: { type: "string", default: "memory" },
      secret: { type: "string", default: process.env.PEER_TOKEN_SECRET },
      "token-ttl": { type: "string", default: "900" },
      help: { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  const ttl = Number(values["token-ttl"]);
  if (
    values.help || !["memory", "sqlite", "redis"].includes(values.mode) || !["memory", "redis"].includes(values.adapter) ||
    !Number.isInteger(port) || port < 0 || port > 65535 || !(ttl > 0)
  ) {
    console.error(kUsage);
    process.exit(values.help ? 0 : 2);
  }
  // Processes in one cluster must see the same users and conversations and verify each
  // other's tokens: a memory or SQLite store is private to its process.
  if (values.adapter === "redis" && values.mode !== "redis") {
    console.error("--adapter redis needs --mode redis: a memory or SQLite store is private to one process");
    process.exit(2);
  }
  if (values.adapter === "redis" && !values.secret) {
    console.error("--adapter redis needs --secret (or PEER_TOKEN_SECRET), the same for every process of the cluster");
    process.exit(2);
  }
  return { ...values, port, ttl };
}

// The store and the rules over it. sqlite and redis are loaded only when asked for, so
// memory mode runs even without their modules.
async function openChat(options, tokens) {
  if (options.mode === "memory") return new Chat(new MemoryStore(), tokens);
  if (options.mode === "sqlite") {
    const { SqliteStore } = await import("./lib/sqlite_store.mjs");
    return new Chat(new SqliteStore(options.db), tokens);
  }
  const { RedisStore } = await import("./lib/redis_store.mjs");
  const { RedisChat } = await import("./lib/redis_chat.mjs");
  return new RedisChat(await RedisStore.open(options.redis), tokens);
}

// socket.io's Redis adapter: broadcasts are published on Redis and every process delivers
// them to its own sockets in the rooms named. Returns a function that closes its clients.
async function attachRedisAdapter(io, url) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  for (const client of [pubClient, subClient]) client.on("error", (err) => console.error(`redis adapter: ${err.message}`));
  await Promise.all([pubClient.connect(), subClient.connect()]);
  io.adapter(createAdapter(pubClient, subClient));
  return () => Promise.all([pubClient.quit(), subClient.quit()]);
}

async function main() {
  const options = parseOptions();
  const chat = await openChat(options, new Tokens(options.secret ?? randomBytes(32), options.ttl));

  const httpServer = createServer(createApiHandler(chat));
  // socket.io's defaults (pingInterval 25000, pingTimeout 20000, both transports), spelled
  // out where TalkLine's limits are the same: 1 MB payload, any origin.
  const io = new Server(httpServer, { path: "/socket.io/", maxHttpBufferSize: 1e6, cors: { origin: "*" } });
  const closeAdapter = options.adapter === "redis" ? await attachRedisAdapter(io, options.redis) : async () => {};
  attachRealtime(io, chat);

  httpServer.listen(options.port, options.host, () => {
    const { address, port } = httpServer.address();
    console.log(`socketio-node listening on ${address}:${port}`);
  });

  // Stop accepting, close every socket, then close the store (a clean WAL checkpoint) and
  // the adapter's Redis connections.
  const shutdown = () => {
    setTimeout(() => process.exit(1), 5000).unref();
    io.close(() => {
      Promise.resolve(chat.store.close())
        .then(closeAdapter)
        .then(
          () => process.exit(0),
          (err) => {
            console.error(err);
            process.exit(1);
          },
        );
    });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
