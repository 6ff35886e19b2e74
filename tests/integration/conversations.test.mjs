import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  api,
  assertFieldError,
  assertJson,
  assertProblem,
  collectPages,
  idPattern,
  registerUser,
  startServer,
  uniqueSuffix,
  createGroup as createGroupIn,
  useServer,
} from './harness.mjs';

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function assertConversationShape(conversation) {
  assert.match(conversation.id, idPattern);
  assert.ok(conversation.type === 'direct' || conversation.type === 'group', `type: ${conversation.type}`);
  assert.ok(Array.isArray(conversation.members));
  for (const member of conversation.members) {
    assert.match(member.userId, idPattern);
    assert.ok(['owner', 'admin', 'member'].includes(member.role), `member role: ${member.role}`);
    assert.equal(typeof member.deliveredSeq, 'number');
    assert.equal(typeof member.readSeq, 'number');
  }
  assert.equal(typeof conversation.lastSeq, 'number');
  assert.equal(typeof conversation.unreadCount, 'number');
  assert.ok('lastMessage' in conversation, 'lastMessage is present (null when empty)');
  assert.ok(!Number.isNaN(Date.parse(conversation.createdAt)), `createdAt: ${conversation.createdAt}`);
  assert.ok(!Number.isNaN(Date.parse(conversation.lastActivityAt)), `lastActivityAt: ${conversation.lastActivityAt}`);
}

function memberIds(conversation) {
  return conversation.members.map((m) => m.userId).sort();
}

describe('conversations', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  const createGroup = (owner, members, title) => createGroupIn(client, owner, members, title);

  async function send(sender, conversationId, body) {
    const res = await client.post(`/api/v1/conversations/${conversationId}/messages`, {
      token: sender.accessToken,
      body: { clientMsgId: `c-${uniqueSuffix(16)}`, body },
    });
    return assertJson(res, 201);
  }

  describe('direct', () => {
    it('is created once per pair: 201, then 200 with the same id from either side', async () => {
      const alice = await registerUser(client, 'dira');
      const bob = await registerUser(client, 'dirb');
      const first = await client.post('/api/v1/conversations', {
        token: alice.accessToken,
        body: { type: 'direct', userId: bob.user.id },
      });
      const created = assertJson(first, 201);
      assertConversationShape(created);
      assert.equal(created.type, 'direct');
      assert.deepEqual(memberIds(created), [alice.user.id, bob.user.id].sort());

      const again = assertJson(
        await client.post('/api/v1/conversations', { token: alice.accessToken, body: { type: 'direct', userId: bob.user.id } }),
        200,
      );
      assert.equal(again.id, created.id);

      const reverse = assertJson(
        await client.post('/api/v1/conversations', { token: bob.accessToken, body: { type: 'direct', userId: alice.user.id } }),
        200,
      );
      assert.equal(reverse.id, created.id);
    });

    it('rejects a conversation with yourself', async () => {
      const alice = await registerUser(client, 'self');
      const res = await client.post('/api/v1/conversations', {
        token: alice.accessToken,
        body: { type: 'direct', userId: alice.user.id },
      });
      assertFieldError(res, 'userId');
    });

    it('rejects an unknown user id with 400 on userId', async () => {
      const alice = await registerUser(client, 'nouser');
      const res = await client.post('/api/v1/conversations', {
        token: alice.accessToken,
        body: { type: 'direct', userId: '123456789012' },
      });
      assertFieldError(res, 'userId');
    });

    it('rejects an unknown conversation type', async () => {
      const alice = await registerUser(client, 'type');
      const res = await client.post('/api/v1/conversations', { token: alice.accessToken, body: { type: 'channel' } });
      assertFieldError(res, 'type');
    });
  });

  describe('group', () => {
    it('is created with the caller as owner and every member listed with cursors', async () => {
      const owner = await registerUser(client, 'gown');
      const m1 = await registerUser(client, 'gm');
      const m2 = await registerUser(client, 'gm');
      const group = await createGroup(owner, [m1, m2], 'Launch team');
      assertConversationShape(group);
      assert.equal(group.type, 'group');
      assert.equal(group.title, 'Launch team');
      assert.deepEqual(memberIds(group), [owner.user.id, m1.user.id, m2.user.id].sort());
      const byId = Object.fromEntries(group.members.map((m) => [m.userId, m]));
      assert.equal(byId[owner.user.id].role, 'owner');
      assert.equal(byId[m1.user.id].role, 'member');
      assert.equal(byId[m2.user.id].role, 'member');
      for (const member of group.members) {
        assert.equal(member.deliveredSeq, 0);
        assert.equal(member.readSeq, 0);
      }
      assert.equal(group.lastSeq, 0);
      assert.equal(group.lastMessage, null);
      assert.equal(group.unreadCount, 0);

      const fetched = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: m1.accessToken }), 200);
      assertConversationShape(fetched);
      assert.equal(fetched.id, group.id);
      assert.equal(fetched.title, 'Launch team');
    });

    it('rejects a group without a title, and one naming an unknown member', async () => {
      const owner = await registerUser(client, 'gbad');
      assertFieldError(
        await client.post('/api/v1/conversations', { token: owner.accessToken, body: { type: 'group', title: '', memberIds: [] } }),
        'title',
      );
      assertFieldError(
        await client.post('/api/v1/conversations', {
          token: owner.accessToken,
          body: { type: 'group', title: 'x', memberIds: ['123456789012'] },
        }),
        'memberIds',
      );
    });
  });

  describe('listing', () => {
    it('lists mine newest activity first, with lastMessage and unreadCount, and pages with limit=1', async () => {
      const me = await registerUser(client, 'lister');
      const peer = await registerUser(client, 'peer');
      const outsider = await registerUser(client, 'outs');
      await createGroup(outsider, [peer], 'not mine');

      // Separate the activity timestamps so the expected order does not hinge on ids
      // breaking ties within one millisecond.
      const g1 = await createGroup(me, [peer], 'first');
      await sleep(20);
      const g2 = await createGroup(me, [peer], 'second');
      await sleep(20);
      const g3 = await createGroup(peer, [me], 'third');
      await sleep(20);
      const message = await send(peer, g1.id, 'wake up, first');

      const list = assertJson(await client.get('/api/v1/conversations', { token: me.accessToken }), 200);
      assert.ok(Array.isArray(list.items));
      assert.equal(list.nextCursor, null);
      assert.deepEqual(
        list.items.map((c) => c.id),
        [g1.id, g3.id, g2.id],
      );
      for (const conversation of list.items) assertConversationShape(conversation);

      const top = list.items[0];
      assert.equal(top.lastMessage.id, message.id);
      assert.equal(top.lastMessage.body, 'wake up, first');
      assert.equal(top.lastSeq, 1);
      assert.equal(top.unreadCount, 1);
      assert.equal(list.items[1].lastMessage, null);
      assert.equal(list.items[1].unreadCount, 0);

      const activity = list.items.map((c) => Date.parse(c.lastActivityAt));
      for (let i = 1; i < activity.length; i += 1) assert.ok(activity[i - 1] >= activity[i], 'sorted by activity');

      const pages = await collectPages(client, me.accessToken, (cursor) =>
        cursor ? `/api/v1/conversations?limit=1&cursor=${encodeURIComponent(cursor)}` : '/api/v1/conversations?limit=1',
      );
      for (const page of pages) assert.ok(page.items.length <= 1);
      assert.deepEqual(
        pages.flatMap((p) => p.items.map((c) => c.id)),
        [g1.id, g3.id, g2.id],
      );
    });
  });

  describe('management', () => {
    it('lets the owner rename; a member gets 403, a non-member 404, an empty title 400', async () => {
      const owner = await registerUser(client, 'ren');
      const member = await registerUser(client, 'renm');
      const stranger = await registerUser(client, 'rens');
      const group = await createGroup(owner, [member], 'Before');

      const renamed = assertJson(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: owner.accessToken, body: { title: 'After' } }),
        200,
      );
      assert.equal(renamed.title, 'After');

      assertProblem(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: member.accessToken, body: { title: 'Mine' } }),
        403,
        'forbidden',
      );
      assertProblem(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: stranger.accessToken, body: { title: 'Mine' } }),
        404,
        'not_found',
      );
      assertFieldError(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: owner.accessToken, body: { title: '' } }),
        'title',
      );

      const now = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
      assert.equal(now.title, 'After');
    });

    it('lets the owner make a member an admin and back; an admin then manages the group, and nobody else may change roles', async () => {
      const owner = await registerUser(client, 'role');
      const member = await registerUser(client, 'rolem');
      const other = await registerUser(client, 'roleo');
      const stranger = await registerUser(client, 'roles');
      const group = await createGroup(owner, [member, other]);
      const setRole = (who, target, body) =>
        client.patch(`/api/v1/conversations/${group.id}/members/${target.user.id}`, { token: who.accessToken, body });
      const roleOf = (conversation, user) => conversation.members.find((m) => m.userId === user.user.id).role;

      assertProblem(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: member.accessToken, body: { title: 'Mine' } }),
        403,
        'forbidden',
      );
      const promoted = assertJson(await setRole(owner, member, { role: 'admin' }), 200);
      assert.equal(roleOf(promoted, member), 'admin');
      assert.equal(roleOf(promoted, other), 'member');
      assertJson(
        await client.patch(`/api/v1/conversations/${group.id}`, { token: member.accessToken, body: { title: 'Ours' } }),
        200,
      );

      // Only the owner changes roles, the owner's own role never changes this way.
      assert.equal(assertProblem(await setRole(member, other, { role: 'admin' }), 403, 'forbidden').detail,
        'only the owner can change roles');
      assert.equal(assertProblem(await setRole(owner, owner, { role: 'member' }), 403, 'forbidden').detail,
        "the owner's role cannot change");
      assertProblem(await setRole(stranger, member, { role: 'member' }), 404, 'not_found');
      assert.equal(assertProblem(await setRole(owner, stranger, { role: 'admin' }), 404, 'not_found').detail,
        'member not found');
      for (const bad of [{ role: 'owner' }, { role: 'boss' }, { role: 7 }, {}]) {
        assertFieldError(await setRole(owner, member, bad), 'role');
      }

      const demoted = assertJson(await setRole(owner, member, { role: 'member' }), 200);
      assert.equal(roleOf(demoted, member), 'member');
      const now = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: other.accessToken }), 200);
      assert.equal(roleOf(now, member), 'member');
    });

    it('refuses roles in a direct conversation with 409', async () => {
      const alice = await registerUser(client, 'droa');
      const bob = await registerUser(client, 'drob');
      const direct = assertJson(
        await client.post('/api/v1/conversations', {
          token: alice.accessToken,
          body: { type: 'direct', userId: bob.user.id },
        }),
        201,
      );
      assertProblem(
        await client.patch(`/api/v1/conversations/${direct.id}/members/${bob.user.id}`, {
          token: alice.accessToken,
          body: { role: 'admin' },
        }),
        409,
        'conflict',
      );
    });

    it('lets the owner add (200) and remove (204) members', async () => {
      const owner = await registerUser(client, 'add');
      const member = await registerUser(client, 'addm');
      const newcomer = await registerUser(client, 'addn');
      const group = await createGroup(owner, [member]);

      const grown = assertJson(
        await client.post(`/api/v1/conversations/${group.id}/members`, {
          token: owner.accessToken,
          body: { userIds: [newcomer.user.id] },
        }),
        200,
      );
      assert.deepEqual(memberIds(grown), [owner.user.id, member.user.id, newcomer.user.id].sort());
      const added = grown.members.find((m) => m.userId === newcomer.user.id);
      assert.equal(added.role, 'member');
      assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: newcomer.accessToken }), 200);

      const removed = await client.del(`/api/v1/conversations/${group.id}/members/${newcomer.user.id}`, {
        token: owner.accessToken,
      });
      assert.equal(removed.status, 204, removed.text);

      const after = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
      assert.deepEqual(memberIds(after), [owner.user.id, member.user.id].sort());
      assertProblem(
        await client.get(`/api/v1/conversations/${group.id}`, { token: newcomer.accessToken }),
        404,
        'not_found',
      );
    });

    it('lets a member leave (204) and then shuts them out', async () => {
      const owner = await registerUser(client, 'leave');
      const member = await registerUser(client, 'leavem');
      const group = await createGroup(owner, [member]);

      const left = await client.del(`/api/v1/conversations/${group.id}/members/${member.user.id}`, {
        token: member.accessToken,
      });
      assert.equal(left.status, 204, left.text);
      assertProblem(
        await client.get(`/api/v1/conversations/${group.id}`, { token: member.accessToken }),
        404,
        'not_found',
      );
      const now = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
      assert.deepEqual(memberIds(now), [owner.user.id]);
    });

    it('forbids a plain member to remove someone else (403) or add members (403)', async () => {
      const owner = await registerUser(client, 'perm');
      const m1 = await registerUser(client, 'permm');
      const m2 = await registerUser(client, 'permm');
      const extra = await registerUser(client, 'perme');
      const group = await createGroup(owner, [m1, m2]);

      assertProblem(
        await client.del(`/api/v1/conversations/${group.id}/members/${m2.user.id}`, { token: m1.accessToken }),
        403,
        'forbidden',
      );
      assertProblem(
        await client.post(`/api/v1/conversations/${group.id}/members`, {
          token: m1.accessToken,
          body: { userIds: [extra.user.id] },
        }),
        403,
        'forbidden',
      );
      const now = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
      assert.deepEqual(memberIds(now), [owner.user.id, m1.user.id, m2.user.id].sort());
    });
  });

  describe('privacy', () => {
    it('gives a non-member the same 404 as a conversation that does not exist, for every call', async () => {
      const owner = await registerUser(client, 'priv');
      const member = await registerUser(client, 'privm');
      const stranger = await registerUser(client, 'privs');
      const group = await createGroup(owner, [member], 'Secret plans');
      const word = `secret${uniqueSuffix(8)}`;
      await send(owner, group.id, `the ${word} is here`);
      // A user id is a well-formed id that is certainly no conversation.
      const missing = stranger.user.id;

      const calls = [
        ['GET conversation', (id) => client.get(`/api/v1/conversations/${id}`, { token: stranger.accessToken })],
        [
          'PATCH conversation',
          (id) => client.patch(`/api/v1/conversations/${id}`, { token: stranger.accessToken, body: { title: 'Mine now' } }),
        ],
        [
          'POST members',
          (id) =>
            client.post(`/api/v1/conversations/${id}/members`, {
              token: stranger.accessToken,
              body: { userIds: [stranger.user.id] },
            }),
        ],
        [
          'DELETE a member',
          (id) => client.del(`/api/v1/conversations/${id}/members/${member.user.id}`, { token: stranger.accessToken }),
        ],
        [
          'DELETE self',
          (id) => client.del(`/api/v1/conversations/${id}/members/${stranger.user.id}`, { token: stranger.accessToken }),
        ],
        ['GET messages', (id) => client.get(`/api/v1/conversations/${id}/messages`, { token: stranger.accessToken })],
        [
          'POST messages',
          (id) =>
            client.post(`/api/v1/conversations/${id}/messages`, {
              token: stranger.accessToken,
              body: { clientMsgId: `intruder-${uniqueSuffix(10)}`, body: 'let me in' },
            }),
        ],
        [
          'POST read',
          (id) => client.post(`/api/v1/conversations/${id}/read`, { token: stranger.accessToken, body: { seq: 1 } }),
        ],
        [
          'GET search in conversation',
          (id) =>
            client.get(`/api/v1/search/messages?q=${word}&conversationId=${id}`, { token: stranger.accessToken }),
        ],
      ];

      for (const [label, call] of calls) {
        const hidden = await call(group.id);
        const absent = await call(missing);
        assertProblem(hidden, 404, 'not_found');
        assertProblem(absent, 404, 'not_found');
        assert.equal(hidden.headers['content-type'], absent.headers['content-type'], label);
        assert.deepEqual(hidden.json, absent.json, `${label}: the answer must not reveal that the conversation exists`);
      }

      // And none of it changed anything.
      const now = assertJson(await client.get(`/api/v1/conversations/${group.id}`, { token: owner.accessToken }), 200);
      assert.equal(now.title, 'Secret plans');
      assert.deepEqual(memberIds(now), [owner.user.id, member.user.id].sort());
      assert.equal(now.lastSeq, 1);
      const history = assertJson(
        await client.get(`/api/v1/conversations/${group.id}/messages`, { token: owner.accessToken }),
        200,
      );
      assert.equal(history.items.length, 1);

      const list = assertJson(await client.get('/api/v1/conversations', { token: stranger.accessToken }), 200);
      assert.ok(!list.items.some((c) => c.id === group.id), 'a non-member never sees the conversation listed');
    });
  });
});
