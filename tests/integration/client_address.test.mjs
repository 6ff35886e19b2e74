// Client addresses behind a proxy (TALKLINE_TRUSTED_PROXIES), rate limits shared by nodes
// through Redis, and /readyz with a Redis bus. Failed logins are the probe: they are limited
// per client address and per username, and every node answers them the same way.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { api, assertJson, assertProblem, freePort, makeTempDir, startServer, uniqueSuffix, useServer } from './harness.mjs';

async function failLogin(client, { username = `nobody${uniqueSuffix(6)}`, forwardedFor } = {}) {
  const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  const res = await client.post('/api/v1/auth/login', { body: { username, password: 'wrong-password-1' }, headers });
  return res;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function answersPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(text.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

/// A throwaway redis-server on a free port, without persistence.
async function startRedis() {
  const port = await freePort();
  const dir = makeTempDir('talkline-it-redis-');
  const bin = fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const LIMITED = {
  TALKLINE_LOGIN_FAILURES_PER_IP: '3',
  TALKLINE_LOGIN_FAILURES_PER_USERNAME: '1000',
};

describe('client address behind a trusted proxy', () => {
  let client;
  useServer((started) => ({ client } = started), { env: { ...LIMITED, TALKLINE_TRUSTED_PROXIES: '127.0.0.1' } });

  it('counts each forwarded client on its own', async () => {
    for (let i = 0; i < 3; i += 1) assertProblem(await failLogin(client, { forwardedFor: '198.51.100.1' }), 401);
    assertProblem(await failLogin(client, { forwardedFor: '198.51.100.1' }), 429, 'rate_limited');
    // Another client behind the same proxy has a budget of its own.
    assertProblem(await failLogin(client, { forwardedFor: '198.51.100.2' }), 401);
  });

  it('ignores what the client wrote to the left of what the proxy appended', async () => {
    assertProblem(await failLogin(client, { forwardedFor: '203.0.113.77, 198.51.100.1' }), 429, 'rate_limited');
  });
});

describe('client address without trusted proxies', () => {
  let client;
  useServer((started) => ({ client } = started), { env: LIMITED });

  it('is the TCP peer, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 3; i += 1) {
      assertProblem(await failLogin(client, { forwardedFor: `198.51.100.${10 + i}` }), 401);
    }
    assertProblem(await failLogin(client, { forwardedFor: '198.51.100.99' }), 429, 'rate_limited');
  });
});

describe('with a Redis bus', () => {
  let redis;
  let nodes = [];

  before(async () => {
    redis = await startRedis();
    const env = { TALKLINE_BUS: redis.url, TALKLINE_LOGIN_FAILURES_PER_USERNAME: '4', TALKLINE_LOGIN_FAILURES_PER_IP: '1000' };
    nodes = [await startServer({ env }), await startServer({ env })];
  });
  after(async () => {
    for (const node of nodes) await node.dispose();
    await redis?.stop();
  });

  it('reports ready with every check ok', async () => {
    const ready = assertJson(await api(nodes[0].baseUrl).get('/readyz'), 200);
    assert.deepEqual(ready, { status: 'ready', checks: { store: 'ok', bus: 'ok', rateLimits: 'ok' } });
  });

  it('shares a failed-login limit between two nodes', async () => {
    const [a, b] = nodes.map((node) => api(node.baseUrl));
    const username = `shared${uniqueSuffix(6)}`;
    assertProblem(await failLogin(a, { username }), 401);
    assertProblem(await failLogin(b, { username }), 401);
    assertProblem(await failLogin(a, { username }), 401);
    assertProblem(await failLogin(b, { username }), 401);
    // Four failures in all: each node alone has seen two.
    assertProblem(await failLogin(a, { username }), 429, 'rate_limited');
    assertProblem(await failLogin(b, { username }), 429, 'rate_limited');
  });
});

// A port nothing listens on.
const deadRedisPort = await freePort();

describe('with a Redis bus that is not there', () => {
  let client;
  useServer((started) => ({ client } = started), {
    // A fixed node number: an automatic one is leased in Redis.
    env: {
      TALKLINE_BUS: `redis://127.0.0.1:${deadRedisPort}`,
      TALKLINE_NODE_ID: '1',
      TALKLINE_LOGIN_FAILURES_PER_USERNAME: '2',
    },
  });

  it('stays in service but reports degraded', async () => {
    const res = await client.get('/readyz');
    const body = assertJson(res, 200);
    assert.deepEqual(body, { status: 'degraded', checks: { store: 'ok', bus: 'unreachable', rateLimits: 'unreachable' } });
  });

  it('limits from its own buckets meanwhile', async () => {
    const username = `local${uniqueSuffix(6)}`;
    assertProblem(await failLogin(client, { username }), 401);
    assertProblem(await failLogin(client, { username }), 401);
    assertProblem(await failLogin(client, { username }), 429, 'rate_limited');
  });
});
