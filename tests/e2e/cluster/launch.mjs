#!/usr/bin/env node
// A TalkLine cluster on this machine, without containers: PostgreSQL, Redis, N TalkLine
// nodes and nginx in front of them, each on a free loopback port with its own temporary
// directory. It is the topology of deploy/docker-compose.yml (the same node settings, and
// an nginx config generated from deploy/nginx/talkline.conf), so the cluster tests
// exercise what the compose file deploys.
//
// As a library (the cluster tests):
//
//   const cluster = await startCluster({ nodes: 3, env: { TALKLINE_LOG_LEVEL: "info" } });
//   cluster.nginxUrl; cluster.nodeUrls;              // http://127.0.0.1:<port>
//   await cluster.killNode(2); await cluster.restartNode(2);   // nodes are numbered 1..N
//   await cluster.pauseRedis(); await cluster.resumeRedis();
//   await cluster.stopPostgres(); await cluster.startPostgres();
//   await cluster.stop();                             // everything, temp dirs removed
//
// From a shell (TALKLINE_BIN pointing at a built binary; `make cluster` does this):
//
//   node tests/e2e/cluster/launch.mjs [--nodes N]
//
// prints the nginx URL and the node URLs and runs until Ctrl-C.
//
// Every child still running when this process exits (a test that threw, a Ctrl-C) is
// killed and the temporary directories are removed.

import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const NGINX_TEMPLATE = path.join(REPO, "deploy/nginx/talkline.conf");
export const COMPOSE_FILE = path.join(REPO, "deploy/docker-compose.yml");

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

// ---- settings -------------------------------------------------------------------------

/**
 * What every node gets besides the store, bus, secret and its own id and address, as the
 * x-talkline-node environment of deploy/docker-compose.yml sets it; topology.test.mjs
 * holds the two to the same keys.
 */
export const SHARED_NODE_SETTINGS = {
  TALKLINE_LOG_FORMAT: "json",
};

/** Keys the compose file sets too, with a value that fits this machine or a test. */
export const TEST_VALUES = {
  // nginx and every node (a node forwards long-polls to another) connect from 127.0.0.1
  // here; the compose file names their fixed addresses on its network.
  TALKLINE_TRUSTED_PROXIES: "127.0.0.1",
  // A killed node's users look offline within 3 s instead of the default 30 s.
  TALKLINE_PRESENCE_TTL_SECONDS: "3",
};

/** Keys the compose file has but leaves off unless asked; the caller's env sets them. */
export const OPTIONAL_KEYS = ["TALKLINE_WEBHOOK_URL"];

/** Test-only settings, not in the compose file. */
const TEST_ONLY = {
  // Production argon2 costs ~100 ms per register/login; the tests register many users.
  TALKLINE_ARGON2_MEMORY_KIB: "8192",
  TALKLINE_ARGON2_ITERATIONS: "1",
  // Every test client comes from 127.0.0.1, so with the per-address budgets meant for one
  // person (100 registrations an hour, 6000 requests a minute) the test's users together
  // would be refused. The socket and failed-login limits stay at their defaults.
  TALKLINE_REGISTRATIONS_PER_IP_PER_HOUR: "1000000",
  TALKLINE_REQUESTS_PER_MINUTE_PER_IP: "0",
  TALKLINE_LOG_LEVEL: "warn",
};

let knownKeysCache = null;

/** The TALKLINE_* keys the binary reads, from `talkline --help`. */
export function knownKeys(bin = talklineBin()) {
  if (knownKeysCache?.bin === bin) return knownKeysCache.keys;
  const run = spawnSync(bin, ["--help"], { encoding: "utf8", timeout: 10_000, cwd: os.tmpdir() });
  const text = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  const keys = new Set(text.match(/TALKLINE_[A-Z0-9_]+/g) ?? []);
  if (run.status !== 0 || keys.size === 0) {
    throw new Error(`${bin} --help did not list its settings (exit ${run.status}):\n${text}`);
  }
  knownKeysCache = { bin, keys };
  return keys;
}

export function talklineBin() {
  const bin = process.env.TALKLINE_BIN;
  if (!bin) throw new Error("TALKLINE_BIN is not set: point it at the built talkline binary (make cluster does)");
  if (!fs.existsSync(bin)) throw new Error(`TALKLINE_BIN=${bin} does not exist (build it first)`);
  return path.resolve(bin);
}

function postgresBinDir() {
  const configured = process.env.TALKLINE_PG_BIN;
  const candidates = configured
    ? [configured]
    : [
        "/usr/lib/postgresql/15/bin",
        ...(fs.existsSync("/usr/lib/postgresql")
          ? fs
              .readdirSync("/usr/lib/postgresql")
              .sort((a, b) => Number(b) - Number(a))
              .map((v) => `/usr/lib/postgresql/${v}/bin`)
          : []),
      ];
  for (const dir of candidates) {
    if (["initdb", "postgres", "pg_isready", "createdb"].every((tool) => isExecutable(path.join(dir, tool))))
      return dir;
  }
  throw new Error(
    `PostgreSQL binaries not found in ${candidates.join(", ") || "/usr/lib/postgresql/*/bin"} ` +
      "(install postgresql: scripts/install-deps.sh --test, or set TALKLINE_PG_BIN)",
  );
}

function findTool(envKey, candidates, what) {
  const configured = process.env[envKey];
  for (const candidate of configured ? [configured] : candidates) {
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `${what} not found at ${(configured ? [configured] : candidates).join(" or ")} (scripts/install-deps.sh --test, or set ${envKey})`,
  );
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

// PostgreSQL refuses to run as root: when we are root, it runs as the postgres account.
function postgresAccount() {
  if (process.getuid?.() !== 0) return null;
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line) throw new Error("running as root, but there is no postgres account to run PostgreSQL as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

// ---- processes --------------------------------------------------------------------------

const liveChildren = new Set();
const liveDirs = new Set();

// The signal that ends a child at once when this process exits. nginx gets SIGTERM, as
// its workers outlive a SIGKILLed master; PostgreSQL gets SIGQUIT (immediate shutdown:
// the postmaster ends its backends); the rest, a SIGSTOPped Redis included, SIGKILL.
const emergencySignal = new WeakMap();

function cleanUpNow() {
  for (const child of liveChildren) {
    try {
      child.kill(emergencySignal.get(child) ?? "SIGKILL");
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  liveDirs.clear();
}

process.on("exit", cleanUpNow);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    cleanUpNow();
    process.exit(128 + os.constants.signals[signal]);
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tail(file, bytes = 4000) {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.length > bytes ? `…${text.slice(-bytes)}` : text;
  } catch {
    return "(no log)";
  }
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * One long-running program: its output goes to `log`, it can be started again after it
 * ended, and `ready()` decides when a start is complete.
 */
class Service {
  constructor({
    name,
    command,
    args,
    env = process.env,
    cwd,
    log,
    account = null,
    ready,
    stopSignal = "SIGTERM",
    exitSignal = "SIGKILL",
  }) {
    Object.assign(this, { name, command, args, env, cwd, log, account, ready, stopSignal, exitSignal });
    this.child = null;
    this.paused = false;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid() {
    return this.child?.pid;
  }

  async start() {
    if (this.running) throw new Error(`${this.name}: already running`);
    const out = fs.openSync(this.log, "a");
    const child = spawn(this.command, this.args, {
      env: this.env,
      cwd: this.cwd,
      stdio: ["ignore", out, out],
      ...(this.account ?? {}),
    });
    fs.closeSync(out);
    this.child = child;
    this.paused = false;
    liveChildren.add(child);
    emergencySignal.set(child, this.exitSignal);
    child.once("exit", () => liveChildren.delete(child));
    const spawned = await new Promise((resolve) => {
      child.once("spawn", () => resolve(null));
      child.once("error", (error) => resolve(error));
    });
    if (spawned) throw new Error(`${this.name}: cannot start ${this.command}: ${spawned.message}`);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited while starting (code ${child.exitCode}, signal ${child.signalCode}); ` +
            `log ${this.log}:\n${tail(this.log)}`,
        );
      }
      if (await this.ready().catch(() => false)) return;
      await sleep(100);
    }
    child.kill(this.exitSignal);
    await waitForExit(child, STOP_TIMEOUT_MS);
    throw new Error(`${this.name} was not ready within ${READY_TIMEOUT_MS} ms; log ${this.log}:\n${tail(this.log)}`);
  }

  /** Sends `signal`; for SIGKILL (and other fatal ones) resolves once the process is gone. */
  async kill(signal = "SIGKILL") {
    if (!this.running) throw new Error(`${this.name}: not running`);
    const child = this.child;
    child.kill(signal);
    if (signal === "SIGSTOP") this.paused = true;
    else if (signal === "SIGCONT") this.paused = false;
    else if (signal === "SIGKILL") await waitForExit(child, STOP_TIMEOUT_MS);
  }

  /** Graceful stop (the service's own signal), SIGKILL if it takes too long. */
  async stop() {
    if (!this.running) return;
    const child = this.child;
    if (this.paused) child.kill("SIGCONT");
    child.kill(this.stopSignal);
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill("SIGKILL");
      await waitForExit(child, 5_000);
      throw new Error(`${this.name} did not stop within ${STOP_TIMEOUT_MS} ms of ${this.stopSignal}; killed`);
    }
  }

  async restart() {
    await this.stop();
    await this.start();
  }
}

/** Runs a program to completion; rejects with its output unless it exits 0. */
function run(command, args, { account, env = process.env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      cwd: os.tmpdir(),
      ...(account ?? {}),
    });
    liveChildren.add(child);
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(new Error(`${command}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      if (code === 0) resolve(output);
      else reject(new Error(`${[command, ...args].join(" ")} failed (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}

// ---- readiness probes -----------------------------------------------------------------

/** GET on a fresh connection; resolves with the status, 0 when nothing answered. */
export function httpStatus(url, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
  });
}

function redisPing(port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk;
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
    socket.on("error", () => done(false));
  });
}

// ---- nginx config -----------------------------------------------------------------------

/**
 * The test's nginx config: deploy/nginx/talkline.conf with three things changed, and
 * nothing else.
 *  - The upstream's `server talkline-N:8080 …;` lines become one line per node address
 *    (same parameters), since the compose service names do not resolve here.
 *  - `listen 80;` becomes `listen 127.0.0.1:<port>;`.
 *  - Every `limit_req_zone` rate is raised to 100000r/s. The tests open hundreds of
 *    requests a second from the single address 127.0.0.1 (registrations, logins,
 *    long-polling of many clients), which the per-address budgets meant for one real
 *    client would refuse with 429. The burst sizes and the per-address socket limit
 *    (limit_conn, 500) are kept as they are; the tests stay below them.
 * Throws when the template no longer has those lines, so a change to the deploy file
 * cannot silently leave the test on a config of its own.
 */
export function nginxConfigFor({ listenPort, upstreams, template = fs.readFileSync(NGINX_TEMPLATE, "utf8") }) {
  const serverLine = /^(\s*)server\s+talkline-\d+:8080((?:\s+[a-z_]+=\S+)*)\s*;\s*$/gm;
  const found = template.match(serverLine) ?? [];
  if (found.length === 0)
    throw new Error(`${NGINX_TEMPLATE}: no "server talkline-N:8080 …;" upstream lines to replace`);
  const [, indent, params] = /^(\s*)server\s+talkline-\d+:8080((?:\s+[a-z_]+=\S+)*)\s*;/m.exec(found[0]);
  let replaced = false;
  let config = template.replace(serverLine, () => {
    if (replaced) return "";
    replaced = true;
    return upstreams.map((address) => `${indent}server ${address}${params};`).join("\n");
  });
  config = config.replace(/\n{3,}/g, "\n\n");

  if (!/^\s*listen\s+80\s*;/m.test(config)) throw new Error(`${NGINX_TEMPLATE}: no "listen 80;" line to replace`);
  config = config.replace(/^(\s*)listen\s+80\s*;/m, `$1listen 127.0.0.1:${listenPort};`);

  const zones = config.match(/^\s*limit_req_zone\b.*rate=\d+r\/[sm]/gm) ?? [];
  if (zones.length === 0) throw new Error(`${NGINX_TEMPLATE}: no limit_req_zone rates found`);
  config = config.replace(/^(\s*limit_req_zone\b.*?)rate=\d+r\/[sm]/gm, "$1rate=100000r/s");

  return (
    `# Generated by tests/e2e/cluster/launch.mjs from deploy/nginx/talkline.conf: upstream\n` +
    `# servers and listen address substituted, limit_req_zone rates raised for a test that\n` +
    `# sends everything from 127.0.0.1. Do not edit; edit the template.\n\n${config}`
  );
}

export function nginxBin() {
  return findTool("TALKLINE_NGINX", ["/usr/sbin/nginx", "/usr/bin/nginx"], "nginx");
}

/**
 * Writes the generated site config and a main config around it into `dir` and checks
 * them with `nginx -t`; resolves with the arguments that run this nginx.
 */
export async function writeNginxConfig(dir, { listenPort, upstreams }) {
  const site = path.join(dir, "talkline.conf");
  fs.writeFileSync(site, nginxConfigFor({ listenPort, upstreams }));
  const main = path.join(dir, "nginx.conf");
  fs.writeFileSync(main, nginxMainConfig(dir, site));
  const args = ["-c", main, "-p", dir, "-e", path.join(dir, "error.log")];
  await run(nginxBin(), ["-t", ...args]);
  return args;
}

/** The main config around it: everything nginx writes stays in `dir`. */
function nginxMainConfig(dir, siteFile) {
  const p = (name) => path.join(dir, name);
  return `daemon off;
worker_processes 1;
pid ${p("nginx.pid")};
error_log ${p("error.log")} warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${p("client_body")};
    proxy_temp_path ${p("proxy")};
    fastcgi_temp_path ${p("fastcgi")};
    uwsgi_temp_path ${p("uwsgi")};
    scgi_temp_path ${p("scgi")};
    include ${siteFile};
}
`;
}

// ---- the cluster -----------------------------------------------------------------------

/**
 * Starts PostgreSQL, Redis, `nodes` TalkLine nodes and nginx, and resolves once each
 * answers (pg_isready, PING, GET /readyz, GET /healthz through nginx).
 *
 * `env` is added to every node's environment (after the cluster's own settings, so it
 * may override them). Keys the binary does not know (`talkline --help`) are not passed;
 * they are listed in `cluster.skippedKeys`, so a test that depends on one can say so.
 */
export async function startCluster({ nodes = 3, env = {}, nginx = true } = {}) {
  const bin = talklineBin();
  const known = knownKeys(bin);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "talkline-cluster-"));
  liveDirs.add(root);
  // The postgres account (and nginx's workers) must be able to reach their subdirectories.
  fs.chmodSync(root, 0o755);
  const cluster = new Cluster(root, bin, known);
  try {
    await cluster.startBackends();
    await cluster.startNodes(nodes, env);
    if (nginx) await cluster.startNginx();
  } catch (error) {
    await cluster.stop().catch(() => {});
    throw error;
  }
  return cluster;
}

class Cluster {
  constructor(root, bin, known) {
    this.root = root;
    this.bin = bin;
    this.known = known;
    this.nodes = [];
    this.skippedKeys = [];
    this.jwtSecret = crypto.randomBytes(48).toString("base64");
    this.postgres = null;
    this.redis = null;
    this.nginx = null;
  }

  // -- PostgreSQL and Redis --

  async startBackends() {
    await Promise.all([this.startPostgresFirstTime(), this.startRedisFirstTime()]);
  }

  async startPostgresFirstTime() {
    const bin = postgresBinDir();
    const account = postgresAccount();
    const dir = path.join(this.root, "postgres");
    fs.mkdirSync(dir, { mode: 0o700 });
    if (account) fs.chownSync(dir, account.uid, account.gid);
    const data = path.join(dir, "data");
    // --no-sync and, below, fsync=off: a test cluster need not survive a power cut.
    await run(
      path.join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
      { account },
    );
    // A port found free can be taken before PostgreSQL binds it: try another then.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      this.postgres = new Service({
        name: "postgres",
        command: path.join(bin, "postgres"),
        args: [
          "-D",
          data,
          "-p",
          String(port),
          "-k",
          dir,
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "fsync=off",
          "-c",
          "synchronous_commit=off",
          "-c",
          "full_page_writes=off",
          "-c",
          "max_connections=300",
        ],
        cwd: dir,
        log: path.join(dir, "server.log"),
        account,
        // SIGINT is PostgreSQL's fast shutdown: clients are cut off, the data stays consistent.
        stopSignal: "SIGINT",
        exitSignal: "SIGQUIT",
        ready: () =>
          run(path.join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-t", "1"], {
            timeoutMs: 5_000,
          }).then(
            () => true,
            () => false,
          ),
      });
      this.postgres.port = port;
      try {
        await this.postgres.start();
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    await run(path.join(bin, "createdb"), [
      "-h",
      "127.0.0.1",
      "-p",
      String(this.postgres.port),
      "-U",
      "postgres",
      "talkline",
    ]);
    this.storeUrl = `postgres://postgres@127.0.0.1:${this.postgres.port}/talkline`;
  }

  async startRedisFirstTime() {
    const bin = findTool(
      "TALKLINE_REDIS_SERVER",
      ["/usr/bin/redis-server", "/usr/local/bin/redis-server"],
      "redis-server",
    );
    const dir = path.join(this.root, "redis");
    fs.mkdirSync(dir);
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      this.redis = new Service({
        name: "redis",
        command: bin,
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
          "--daemonize",
          "no",
        ],
        cwd: dir,
        log: path.join(dir, "server.log"),
        ready: () => redisPing(port),
      });
      this.redis.port = port;
      try {
        await this.redis.start();
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    this.busUrl = `redis://127.0.0.1:${this.redis.port}`;
  }

  /** SIGSTOP: Redis keeps its sockets open and answers nothing, like a hung server. */
  async pauseRedis() {
    await this.redis.kill("SIGSTOP");
  }

  async resumeRedis() {
    await this.redis.kill("SIGCONT");
  }

  /** Fast shutdown; resolves once PostgreSQL has exited. */
  async stopPostgres() {
    await this.postgres.stop();
  }

  /** Starts it again on the same port and data; resolves once it accepts connections. */
  async startPostgres() {
    await this.postgres.start();
  }

  // -- TalkLine nodes --

  async startNodes(count, extraEnv) {
    for (let i = 1; i <= count; i += 1) {
      const port = await freePort();
      const dir = path.join(this.root, `node-${i}`);
      fs.mkdirSync(dir);
      const base = {};
      // The caller's TALKLINE_* settings must not leak into the cluster.
      for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("TALKLINE_")) base[key] = value;
      const wanted = {
        TALKLINE_HOST: "127.0.0.1",
        TALKLINE_PORT: String(port),
        TALKLINE_DATA_DIR: dir,
        TALKLINE_STORE: this.storeUrl,
        TALKLINE_BUS: this.busUrl,
        TALKLINE_JWT_SECRET: this.jwtSecret,
        TALKLINE_NODE_ID: String(i),
        TALKLINE_NODE_ADDRESS: `127.0.0.1:${port}`,
        ...SHARED_NODE_SETTINGS,
        ...TEST_VALUES,
        ...TEST_ONLY,
        ...extraEnv,
      };
      const env = { ...base };
      for (const [key, value] of Object.entries(wanted)) {
        if (this.known.has(key)) env[key] = value;
        else if (!this.skippedKeys.includes(key)) this.skippedKeys.push(key);
      }
      const url = `http://127.0.0.1:${port}`;
      const service = new Service({
        name: `talkline node ${i}`,
        command: this.bin,
        args: [],
        env,
        // The data dir as working directory: a stray ./.env elsewhere cannot change the config.
        cwd: dir,
        log: path.join(dir, "talkline.log"),
        ready: async () => (await httpStatus(`${url}/readyz`)) === 200,
      });
      Object.assign(service, { id: i, port, url, address: `127.0.0.1:${port}`, env });
      this.nodes.push(service);
    }
    await Promise.all(this.nodes.map((node) => node.start()));
  }

  get nodeUrls() {
    return this.nodes.map((node) => node.url);
  }

  /** Node `i` (1-based, as TALKLINE_NODE_ID). */
  node(i) {
    const node = this.nodes[i - 1];
    if (!node) throw new Error(`no node ${i}: the cluster has nodes 1..${this.nodes.length}`);
    return node;
  }

  /** kill -9; resolves once the process is gone. */
  async killNode(i) {
    await this.node(i).kill("SIGKILL");
  }

  /** SIGTERM, waiting for the graceful shutdown. */
  async stopNode(i) {
    await this.node(i).stop();
  }

  /** Starts node `i` again (stopping it first if it runs), same port, data dir and id. */
  async restartNode(i) {
    await this.node(i).restart();
  }

  // -- nginx --

  async startNginx() {
    const bin = nginxBin();
    const dir = path.join(this.root, "nginx");
    fs.mkdirSync(dir, { mode: 0o755 });
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const args = await writeNginxConfig(dir, { listenPort: port, upstreams: this.nodes.map((n) => n.address) });
      this.nginx = new Service({
        name: "nginx",
        command: bin,
        args,
        cwd: dir,
        log: path.join(dir, "stderr.log"),
        exitSignal: "SIGTERM",
        ready: async () => (await httpStatus(`http://127.0.0.1:${port}/healthz`)) === 200,
      });
      this.nginx.port = port;
      try {
        await this.nginx.start();
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    this.nginxUrl = `http://127.0.0.1:${this.nginx.port}`;
  }

  // -- all --

  /** Log tails of every piece, for failure messages. */
  logs(bytes = 2000) {
    const pieces = [this.postgres, this.redis, ...this.nodes, this.nginx].filter(Boolean);
    return pieces.map((p) => `--- ${p.name} (${p.log}) ---\n${tail(p.log, bytes)}`).join("\n");
  }

  /** Stops everything (nginx, nodes, then Redis and PostgreSQL) and removes the temp dir. */
  async stop() {
    const problems = [];
    const stopAll = async (services) => {
      for (const result of await Promise.allSettled(services.filter(Boolean).map((s) => s.stop()))) {
        if (result.status === "rejected") problems.push(result.reason.message);
      }
    };
    await stopAll([this.nginx]);
    await stopAll(this.nodes);
    await stopAll([this.redis, this.postgres]);
    fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    liveDirs.delete(this.root);
    if (problems.length > 0) throw new Error(`cluster stop: ${problems.join("; ")}`);
  }
}

// ---- command line -----------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  let nodes = 3;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === "--nodes" && /^[1-9][0-9]?$/.test(args[i + 1] ?? "")) nodes = Number(args[++i]);
    else if (args[i] === "--help" || args[i] === "-h") {
      console.log("usage: TALKLINE_BIN=build/src/talkline node tests/e2e/cluster/launch.mjs [--nodes N]");
      return;
    } else throw new Error(`unknown argument ${args[i]} (usage: launch.mjs [--nodes N], N 1-99)`);
  }
  const cluster = await startCluster({ nodes, env: { TALKLINE_LOG_LEVEL: process.env.CLUSTER_LOG_LEVEL ?? "info" } });
  console.log(`TalkLine cluster up (${cluster.root})`);
  console.log(`  nginx        ${cluster.nginxUrl}   <- connect clients here`);
  for (const node of cluster.nodes) console.log(`  node ${node.id}       ${node.url}   log ${node.log}`);
  console.log(`  postgres     ${cluster.storeUrl}`);
  console.log(`  redis        ${cluster.busUrl}`);
  if (cluster.skippedKeys.length > 0) {
    console.log(`  (not passed, unknown to this talkline: ${cluster.skippedKeys.join(", ")})`);
  }
  console.log("Ctrl-C stops everything and removes the temporary directory.");
  await new Promise((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.removeAllListeners(signal);
      process.once(signal, resolve);
    }
  });
  console.log("stopping…");
  await cluster.stop();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
