import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  api,
  assertJson,
  collectPages,
  createGroup as createGroupIn,
  registerUser,
  startServer,
  uniqueSuffix,
  useServer,
} from './harness.mjs';

describe('restart and durability', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  async function ensureRunning() {
    if (!server.running()) await server.restart();
  }

  async function allMessages(user, conversationId) {
    const pages = await collectPages(client, user.accessToken, (cursor) =>
      `/api/v1/conversations/${conversationId}/messages?limit=100&after=${cursor ?? '0'}`,
    );
    return pages.flatMap((p) => p.items);
  }

  const createGroup = (owner, members) => createGroupIn(client, owner, members);

  it('keeps every acknowledged message across kill -9, with the same id and seq', async () => {
    await ensureRunning();
    const alice = await registerUser(client, 'dura');
    const bob = await registerUser(client, 'durb');
    const group = await createGroup(alice, [bob]);

    const acked = [];
    for (let i = 1; i <= 10; i += 1) {
      const res = await client.post(`/api/v1/conversations/${group.id}/messages`, {
        token: i % 2 ? alice.accessToken : bob.accessToken,
        body: { clientMsgId: `dur-${i}-${uniqueSuffix(8)}`, body: `durable ${i} ✓` },
      });
      acked.push(assertJson(res, 201));
    }
    await server.kill9();
    await server.restart();

    const stored = await allMessages(bob, group.id);
    assert.equal(stored.length, acked.length);
    for (const [i, ack] of acked.entries()) {
      assert.equal(stored[i].id, ack.id);
      assert.equal(stored[i].seq, ack.seq);
      assert.equal(stored[i].body, ack.body);
      assert.equal(stored[i].clientMsgId, ack.clientMsgId);
      assert.equal(stored[i].createdAt, ack.createdAt);
    }

    // A retry that crosses the crash must still find the original, not make a twin.
    const retry = await client.post(`/api/v1/conversations/${group.id}/messages`, {
      token: alice.accessToken,
      body: { clientMsgId: acked[0].clientMsgId, body: acked[0].body },
    });
    const again = assertJson(retry, 200);
    assert.equal(again.id, acked[0].id);
    assert.equal(again.seq, acked[0].seq);
  });

  it('keeps every ack when killed with sends still in flight, and the stored seqs stay gap-free', async () => {
    await ensureRunning();
    const alice = await registerUser(client, 'flya');
    const bob = await registerUser(client, 'flyb');
    const group = await createGroup(alice, [bob]);

    const acked = [];
    let killed;
    const sends = Array.from({ length: 40 }, (_, i) => {
      const sender = i % 2 ? alice : bob;
      return client
        .post(`/api/v1/conversations/${group.id}/messages`, {
          token: sender.accessToken,
          body: { clientMsgId: `fly-${i}-${uniqueSuffix(8)}`, body: `in flight ${i}` },
          timeoutMs: 15_000,
        })
        .then((res) => {
          if (res.status === 201) acked.push(res.json);
          // The first few acks prove the server is mid-stream: pull the plug now.
          if (acked.length === 5 && !killed) killed = server.kill9();
          return res;
        });
    });
    await Promise.allSettled(sends);
    if (!killed) killed = server.kill9();
    await killed;
    await server.restart();

    assert.ok(acked.length >= 5, `acks before the kill: ${acked.length}`);
    const stored = await allMessages(bob, group.id);
    assert.deepEqual(
      stored.map((m) => m.seq),
      Array.from({ length: stored.length }, (_, i) => i + 1),
      'stored seqs are gap-free from 1',
    );
    const byId = new Map(stored.map((m) => [m.id, m]));
    for (const ack of acked) {
      const row = byId.get(ack.id);
      assert.ok(row, `acked message ${ack.id} (seq ${ack.seq}) survived`);
      assert.equal(row.seq, ack.seq);
      assert.equal(row.body, ack.body);
    }
  });

  it('keeps the signing key in the data dir (mode 0600), so tokens survive a restart', async () => {
    await ensureRunning();
    const user = await registerUser(client, 'key');
    const keyFile = path.join(server.dataDir, 'jwt.key');
    assert.ok(fs.existsSync(keyFile), `${keyFile} exists`);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'jwt.key is readable by its owner only');

    await server.kill9();
    await server.restart();

    const me = assertJson(await client.get('/api/v1/users/me', { token: user.accessToken }), 200);
    assert.equal(me.id, user.user.id);
    const refreshed = assertJson(
      await client.post('/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
      200,
    );
    assert.notEqual(refreshed.refreshToken, user.refreshToken);
  });

  it('stops gracefully on SIGTERM with exit code 0, and serves the same data afterwards', async () => {
    await ensureRunning();
    const alice = await registerUser(client, 'grace');
    const bob = await registerUser(client, 'graceb');
    const group = await createGroup(alice, [bob]);
    const ack = assertJson(
      await client.post(`/api/v1/conversations/${group.id}/messages`, {
        token: alice.accessToken,
        body: { clientMsgId: `grace-${uniqueSuffix(8)}`, body: 'before the stop' },
      }),
      201,
    );

    await server.stop();
    await server.restart();

    const stored = await allMessages(bob, group.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].id, ack.id);
    assert.equal((await client.get('/api/v1/users/me', { token: alice.accessToken })).status, 200);
  });
});
