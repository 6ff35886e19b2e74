import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertJson, collectPages, registerUser, uniqueSuffix, useServer } from './harness.mjs';

const CLIENTS = 20;
const MESSAGES_PER_CLIENT = 10;

describe('concurrency', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  async function allMessages(user, conversationId) {
    const pages = await collectPages(client, user.accessToken, (cursor) =>
      `/api/v1/conversations/${conversationId}/messages?limit=100&after=${cursor ?? '0'}`,
    );
    return pages.flatMap((p) => p.items);
  }

  it(`${CLIENTS} clients sending ${MESSAGES_PER_CLIENT} messages each get seqs 1..${CLIENTS * MESSAGES_PER_CLIENT}, no gaps, no duplicates`, async () => {
    const users = await Promise.all(Array.from({ length: CLIENTS }, () => registerUser(client, 'conc')));
    const [owner, ...others] = users;
    const group = assertJson(
      await client.post('/api/v1/conversations', {
        token: owner.accessToken,
        body: { type: 'group', title: 'Stampede', memberIds: others.map((u) => u.user.id) },
      }),
      201,
    );
    assert.equal(group.members.length, CLIENTS);

    const acks = await Promise.all(
      users.map(async (user, u) => {
        const mine = [];
        for (let i = 0; i < MESSAGES_PER_CLIENT; i += 1) {
          const clientMsgId = `c${u}-m${i}-${uniqueSuffix(8)}`;
          const res = await client.post(`/api/v1/conversations/${group.id}/messages`, {
            token: user.accessToken,
            body: { clientMsgId, body: `client ${u} message ${i}` },
          });
          mine.push(assertJson(res, 201));
        }
        return mine;
      }),
    );

    const total = CLIENTS * MESSAGES_PER_CLIENT;
    const acked = acks.flat();
    assert.equal(acked.length, total);
    assert.deepEqual(
      acked.map((m) => m.seq).sort((a, b) => a - b),
      Array.from({ length: total }, (_, i) => i + 1),
      'acked seqs are exactly 1..N',
    );
    // One client's sends are sequential, so their seqs must rise in send order.
    for (const mine of acks) {
      for (let i = 1; i < mine.length; i += 1) assert.ok(mine[i].seq > mine[i - 1].seq);
    }

    const stored = await allMessages(owner, group.id);
    assert.deepEqual(
      stored.map((m) => m.seq),
      Array.from({ length: total }, (_, i) => i + 1),
      'history holds seqs 1..N in order',
    );
    const clientMsgIds = stored.map((m) => m.clientMsgId);
    assert.equal(new Set(clientMsgIds).size, total, 'each clientMsgId stored once');
    assert.deepEqual(new Set(clientMsgIds), new Set(acked.map((m) => m.clientMsgId)));

    const bySeq = new Map(stored.map((m) => [m.seq, m]));
    for (const ack of acked) {
      const row = bySeq.get(ack.seq);
      assert.equal(row.id, ack.id);
      assert.equal(row.clientMsgId, ack.clientMsgId);
      assert.equal(row.body, ack.body);
      assert.equal(row.senderId, ack.senderId);
    }

    const view = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
    assert.equal(view.lastSeq, total);
  });

  it('stores one message when the same clientMsgId is sent 10 times at once', async () => {
    const alice = await registerUser(client, 'dupa');
    const bob = await registerUser(client, 'dupb');
    const group = assertJson(
      await client.post('/api/v1/conversations', {
        token: alice.accessToken,
        body: { type: 'group', title: 'Echo chamber', memberIds: [bob.user.id] },
      }),
      201,
    );
    const payload = { clientMsgId: `same-${uniqueSuffix(10)}`, body: 'said once, sent ten times' };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.post(`/api/v1/conversations/${group.id}/messages`, { token: alice.accessToken, body: payload }),
      ),
    );

    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 201), `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `exactly one create: ${statuses.join(',')}`);
    const ids = new Set(responses.map((r) => r.json.id));
    const seqs = new Set(responses.map((r) => r.json.seq));
    assert.equal(ids.size, 1, 'every answer names the same message');
    assert.deepEqual([...seqs], [1]);

    const stored = await allMessages(bob, group.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].id, [...ids][0]);
    assert.equal(stored[0].clientMsgId, payload.clientMsgId);
  });

  it('gives concurrent senders in different conversations independent gap-free sequences', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => registerUser(client, 'multi')));
    const groups = [];
    for (let g = 0; g < 3; g += 1) {
      groups.push(
        assertJson(
          await client.post('/api/v1/conversations', {
            token: users[0].accessToken,
            body: { type: 'group', title: `Room ${g}`, memberIds: users.slice(1).map((u) => u.user.id) },
          }),
          201,
        ),
      );
    }
    await Promise.all(
      users.flatMap((user, u) =>
        groups.map(async (group) => {
          for (let i = 0; i < 5; i += 1) {
            assertJson(
              await client.post(`/api/v1/conversations/${group.id}/messages`, {
                token: user.accessToken,
                body: { clientMsgId: `g${group.id}-u${u}-${i}`, body: `u${u} #${i}` },
              }),
              201,
            );
          }
        }),
      ),
    );
    for (const group of groups) {
      const stored = await allMessages(users[0], group.id);
      assert.deepEqual(
        stored.map((m) => m.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    }
  });
});
