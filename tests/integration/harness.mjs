import { after, before } from 'node:test';
// Shared plumbing for the HTTP integration suite: starts the real `talkline` binary on a
// throwaway data dir and port, and talks to it over plain HTTP.
//
// Requests go through node:http with a fresh connection each time rather than fetch():
// fetch pools keep-alive sockets, and a pooled socket to a server that was just killed
// makes the first request after a restart fail for reasons that have nothing to do with
// the server under test. node:http also sends bodies byte for byte (invalid UTF-8, no
// implied Content-Type), which several tests depend on.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { loadContract } from '../api/openapi_contract.mjs';

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;

// Every answer a test receives must be the one docs/openapi.json describes.
const contract = loadContract();
// CONTRACT_COVERAGE=FILE appends the operations and statuses this file's tests reached.
if (process.env.CONTRACT_COVERAGE) {
  process.on('exit', () => {
    fs.appendFileSync(process.env.CONTRACT_COVERAGE, [...contract.seen].map((line) => `${line}\n`).join(''));
  });
}

/// Null when an exchange is what docs/openapi.json documents, else why it is not. A
/// request that deliberately leaves the documented API (an unknown path, a malformed
/// request line) passes `offContract: true` to request() instead.
export function contractProblem(method, urlPath, res, body) {
  const problem = contract.check({ method, url: urlPath, status: res.statusCode, headers: res.headers, body });
  return problem && new Error(`response not as docs/openapi.json documents it: ${problem}`);
}

// Children still alive when the runner exits (a test that threw before its after()
// hook ran) would otherwise keep ports and temp dirs busy.
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function talklineBin() {
  const bin = process.env.TALKLINE_BIN;
  if (!bin) throw new Error('TALKLINE_BIN is not set: point it at the built talkline binary');
  if (!fs.existsSync(bin)) throw new Error(`TALKLINE_BIN=${bin} does not exist (build it first)`);
  return path.resolve(bin);
}

/// The environment a test server sees: the caller's, minus every TALKLINE_* setting a
/// developer may have exported, so a run does not depend on whoever's shell started it.
function childEnv(overrides) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TALKLINE_')) env[key] = value;
  }
  return {
    ...env,
    // Production argon2 settings would make every register/login cost ~100 ms.
    TALKLINE_ARGON2_MEMORY_KIB: '8192',
    TALKLINE_ARGON2_ITERATIONS: '1',
    // Test files register far more accounts from one address than a person would.
    TALKLINE_REGISTRATIONS_PER_IP_PER_HOUR: '100000',
    TALKLINE_LOG_LEVEL: 'warn',
    // A sanitizer run asks for more event loops than this machine has cores.
    ...(process.env.TEST_EVENT_LOOPS ? { TALKLINE_THREADS: process.env.TEST_EVENT_LOOPS } : {}),
    ...overrides,
  };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix = 'talkline-it-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode, timedOut: false });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: null, signal: null, timedOut: true }), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut: false });
    });
  });
}

/// Runs the binary to completion (for subcommands and start-up failures) and returns
/// its exit code and output.
export async function runBinary(args, { env = {}, cwd, timeoutMs = 30_000, input } = {}) {
  const child = spawn(talklineBin(), args, {
    env: childEnv(env),
    cwd: cwd ?? os.tmpdir(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => {});
  child.stdin.end(input ?? '');
  const exit = await waitForExit(child, timeoutMs);
  if (exit.timedOut) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
  liveChildren.delete(child);
  return { ...exit, stdout, stderr };
}

async function probeHealth(baseUrl) {
  try {
    const res = await request(baseUrl, 'GET', '/healthz', { timeoutMs: 2_000 });
    return res.status;
  } catch {
    return 0;
  }
}

/// Starts `talkline` with a fresh data dir and port and resolves once /healthz answers
/// 200. `env` adds to (or overrides) the test defaults; `args` go after the standard flags.
export async function startServer({ env = {}, args = [] } = {}) {
  const dataDir = makeTempDir();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let child = null;
  let output = '';

  async function launch() {
    output = '';
    const proc = spawn(
      talklineBin(),
      ['--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, ...args],
      // cwd is the data dir so a stray ./.env in the repository cannot change the config.
      { env: childEnv(env), cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    liveChildren.add(proc);
    proc.stdout.on('data', (chunk) => (output += chunk));
    proc.stderr.on('data', (chunk) => (output += chunk));
    proc.once('exit', () => liveChildren.delete(proc));
    child = proc;

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `talkline exited before becoming healthy (code ${proc.exitCode}, signal ${proc.signalCode}).\n` +
            `--- output ---\n${output}`,
        );
      }
      if ((await probeHealth(baseUrl)) === 200) return;
      await sleep(50);
    }
    proc.kill('SIGKILL');
    await waitForExit(proc, 5_000);
    throw new Error(`talkline did not answer GET /healthz with 200 within ${READY_TIMEOUT_MS} ms.\n--- output ---\n${output}`);
  }

  const running = () => child && child.exitCode === null && child.signalCode === null;

  const server = {
    baseUrl,
    port,
    dataDir,
    get output() {
      return output;
    },
    get pid() {
      return child?.pid;
    },
    running,
    /// SIGTERM, then the process must exit 0 on its own.
    async stop() {
      assert.ok(running(), 'stop(): the server is not running');
      const proc = child;
      proc.kill('SIGTERM');
      const exit = await waitForExit(proc, STOP_TIMEOUT_MS);
      if (exit.timedOut) {
        proc.kill('SIGKILL');
        await waitForExit(proc, 5_000);
        assert.fail(`talkline did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM.\n--- output ---\n${output}`);
      }
      assert.equal(exit.signal, null, `talkline died of ${exit.signal} after SIGTERM.\n--- output ---\n${output}`);
      assert.equal(exit.code, 0, `talkline exited ${exit.code} after SIGTERM.\n--- output ---\n${output}`);
      return exit;
    },
    async kill9() {
      assert.ok(running(), 'kill9(): the server is not running');
      const proc = child;
      proc.kill('SIGKILL');
      return waitForExit(proc, STOP_TIMEOUT_MS);
    },
    /// A new process on the same data dir and port; the old one must be gone.
    async restart() {
      assert.ok(!running(), 'restart(): stop() or kill9() the server first');
      await launch();
    },
    /// For after() hooks: ends the process however it is doing and removes the data dir.
    async dispose() {
      if (running()) {
        const proc = child;
        proc.kill('SIGTERM');
        const exit = await waitForExit(proc, STOP_TIMEOUT_MS);
        if (exit.timedOut) {
          proc.kill('SIGKILL');
          await waitForExit(proc, 5_000);
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    await launch();
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/// One HTTP exchange on its own connection. Resolves for every status; rejects only when
/// no response arrived (connection refused, reset, timeout).
export function request(
  baseUrl,
  method,
  urlPath,
  { token, body, rawBody, headers = {}, timeoutMs, offContract = false } = {},
) {
  const url = new URL(urlPath, baseUrl);
  const outgoing = {};
  let payload;
  if (rawBody !== undefined) {
    payload = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
    outgoing['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body), 'utf8');
    outgoing['content-type'] = 'application/json';
  }
  if (payload !== undefined) outgoing['content-length'] = String(payload.length);
  if (token) outgoing.authorization = `Bearer ${token}`;
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (value === undefined || value === null) delete outgoing[lower];
    else outgoing[lower] = value;
  }

  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: outgoing, agent: false, timeout: timeoutMs ?? REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const mismatch = offContract ? null : contractProblem(method, urlPath, res, text);
          if (mismatch) {
            reject(mismatch);
            return;
          }
          let json;
          if (text.length > 0) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, json, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no response within the timeout`)));
    req.on('error', (error) => reject(new Error(`${method} ${urlPath}: ${error.message}`)));
    req.end(payload);
  });
}

/// A small client bound to one server: `get/post/patch/del/options(path, opts)`.
export function api(baseUrl) {
  const call = (method) => (urlPath, opts) => request(baseUrl, method, urlPath, opts);
  return {
    baseUrl,
    request: (method, urlPath, opts) => request(baseUrl, method, urlPath, opts),
    get: call('GET'),
    post: call('POST'),
    patch: call('PATCH'),
    put: call('PUT'),
    del: call('DELETE'),
    options: call('OPTIONS'),
  };
}

let uniqueCounter = 0;

/// A string of lower-case letters and digits that no other call in this process returns.
export function uniqueSuffix(length = 8) {
  uniqueCounter += 1;
  const random = crypto.randomBytes(16).toString('hex').replace(/[^a-z0-9]/g, '');
  return (uniqueCounter.toString(36) + random).slice(0, length);
}

export const DEFAULT_PASSWORD = 'correct-horse-9';

/// Registers a fresh user named `<prefix><unique>` (3..32 lower-case letters/digits).
export async function registerUser(client, prefix = 'u', { password = DEFAULT_PASSWORD, displayName } = {}) {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 20) || 'u';
  const username = (clean + uniqueSuffix(12)).slice(0, 32);
  const body = { username, password };
  if (displayName !== undefined) body.displayName = displayName;
  const res = await client.post('/api/v1/auth/register', { body });
  assert.equal(res.status, 201, `register ${username}: ${res.status} ${res.text}`);
  return {
    user: res.json.user,
    accessToken: res.json.accessToken,
    refreshToken: res.json.refreshToken,
    username,
    password,
  };
}

/// Asserts an RFC 9457 problem answer and returns its body.
export function assertProblem(res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(
    String(res.headers['content-type'] ?? ''),
    /^application\/problem\+json/,
    `problem content-type, got ${res.headers['content-type']}`,
  );
  assert.equal(typeof res.json, 'object', `problem body must be JSON: ${res.text}`);
  assert.equal(res.json.status, status);
  assert.equal(typeof res.json.type, 'string');
  assert.equal(typeof res.json.title, 'string');
  if (code !== undefined) assert.equal(res.json.code, code, `problem code: ${res.text}`);
  return res.json;
}

/// Asserts a 400 whose errors[] names `field`.
export function assertFieldError(res, field) {
  const problem = assertProblem(res, 400, 'invalid_argument');
  assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, `errors[] missing: ${res.text}`);
  assert.ok(
    problem.errors.some((e) => e.field === field),
    `expected an error on field ${field}: ${res.text}`,
  );
  return problem;
}

export function assertJson(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(
    String(res.headers['content-type'] ?? ''),
    /^application\/json/,
    `content-type, got ${res.headers['content-type']}`,
  );
  assert.notEqual(res.json, undefined, `body must be JSON: ${res.text}`);
  return res.json;
}

/// Walks a `{items, nextCursor}` list to its end. `pathFor(cursor)` builds each URL.
export async function collectPages(client, token, pathFor, { maxPages = 1000 } = {}) {
  const pages = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i += 1) {
    const res = await client.get(pathFor(cursor), { token });
    const page = assertJson(res, 200);
    assert.ok(Array.isArray(page.items), `items must be an array: ${res.text}`);
    assert.ok(page.nextCursor === null || typeof page.nextCursor === 'string', `nextCursor: ${res.text}`);
    pages.push(page);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  assert.fail(`pagination did not end within ${maxPages} pages`);
}

export const idPattern = /^[0-9]+$/;

/**
 * Starts a server before the enclosing describe's tests and disposes of it after them.
 * `assign` receives `{server, client}` once the server is up.
 */
export function useServer(assign, options = {}) {
  let started;
  before(async () => {
    started = await startServer(options);
    assign({ server: started, client: api(started.baseUrl) });
  });
  after(async () => {
    await started?.dispose();
  });
}

/** Creates a group owned by `owner` with `members` (registered users) and returns it. */
export async function createGroup(client, owner, members, title = `Group ${uniqueSuffix(6)}`) {
  const res = await client.post('/api/v1/conversations', {
    token: owner.accessToken,
    body: { type: 'group', title, memberIds: members.map((m) => m.user.id) },
  });
  return assertJson(res, 201);
}
