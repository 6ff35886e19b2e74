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
  runBinary,
  startServer,
  uniqueSuffix,
  useServer,
} from './harness.mjs';

function assertUserShape(user) {
  assert.match(user.id, idPattern);
  assert.equal(typeof user.username, 'string');
  assert.equal(typeof user.displayName, 'string');
  assert.ok(user.role === 'user' || user.role === 'admin', `role: ${user.role}`);
  assert.ok(!Number.isNaN(Date.parse(user.createdAt)), `createdAt: ${user.createdAt}`);
  for (const key of Object.keys(user)) {
    assert.doesNotMatch(key, /password|hash/i, 'user objects never carry credentials');
  }
}

async function login(client, username, password) {
  return assertJson(await client.post('/api/v1/auth/login', { body: { username, password } }), 200);
}

describe('users', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  it('GET /users/me answers the caller', async () => {
    const { accessToken, user } = await registerUser(client, 'me');
    const me = assertJson(await client.get('/api/v1/users/me', { token: accessToken }), 200);
    assertUserShape(me);
    assert.equal(me.id, user.id);
    assert.equal(me.username, user.username);
    assert.equal(me.role, 'user');
  });

  it('PATCH /users/me updates displayName, bio and avatarUrl', async () => {
    const { accessToken } = await registerUser(client, 'patch');
    const patch = {
      displayName: 'Zoë Example 🎈',
      bio: 'line one\nline two\twith a tab',
      avatarUrl: 'https://cdn.example.com/avatars/zoe.png',
    };
    const updated = assertJson(await client.patch('/api/v1/users/me', { token: accessToken, body: patch }), 200);
    assert.equal(updated.displayName, patch.displayName);
    assert.equal(updated.bio, patch.bio);
    assert.equal(updated.avatarUrl, patch.avatarUrl);

    const me = assertJson(await client.get('/api/v1/users/me', { token: accessToken }), 200);
    assert.equal(me.displayName, patch.displayName);
    assert.equal(me.bio, patch.bio);
    assert.equal(me.avatarUrl, patch.avatarUrl);
  });

  it('PATCH /users/me leaves fields it does not name alone', async () => {
    const { accessToken } = await registerUser(client, 'partial');
    await client.patch('/api/v1/users/me', { token: accessToken, body: { displayName: 'Kept', bio: 'kept bio' } });
    const updated = assertJson(
      await client.patch('/api/v1/users/me', { token: accessToken, body: { bio: 'new bio' } }),
      200,
    );
    assert.equal(updated.displayName, 'Kept');
    assert.equal(updated.bio, 'new bio');
  });

  for (const [label, patch, field] of [
    ['a javascript: avatar URL', { avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
    ['a data: avatar URL', { avatarUrl: 'data:text/html,<script>alert(1)</script>' }, 'avatarUrl'],
    ['an empty displayName', { displayName: '' }, 'displayName'],
    ['a bio with a control character', { bio: 'bad\u0001bio' }, 'bio'],
    ['a displayName that is not a string', { displayName: 42 }, 'displayName'],
    ['a valid displayName next to a bad avatarUrl', { displayName: 'Should Not Stick', avatarUrl: 'javascript:x' }, 'avatarUrl'],
  ]) {
    it(`PATCH /users/me rejects ${label} with 400 and changes nothing`, async () => {
      const { accessToken } = await registerUser(client, 'bad');
      const good = { displayName: 'Stable Name', bio: 'stable bio', avatarUrl: 'https://example.com/a.png' };
      assertJson(await client.patch('/api/v1/users/me', { token: accessToken, body: good }), 200);

      assertFieldError(await client.patch('/api/v1/users/me', { token: accessToken, body: patch }), field);

      const me = assertJson(await client.get('/api/v1/users/me', { token: accessToken }), 200);
      assert.equal(me.displayName, good.displayName);
      assert.equal(me.bio, good.bio);
      assert.equal(me.avatarUrl, good.avatarUrl);
    });
  }

  it('GET /users/{id} answers another user; unknown and malformed ids are 404', async () => {
    const alice = await registerUser(client, 'alice');
    const bob = await registerUser(client, 'bob');
    const seen = assertJson(await client.get(`/api/v1/users/${bob.user.id}`, { token: alice.accessToken }), 200);
    assertUserShape(seen);
    assert.equal(seen.id, bob.user.id);
    assert.equal(seen.username, bob.user.username);

    assertProblem(await client.get('/api/v1/users/1', { token: alice.accessToken }), 404, 'not_found');
    assertProblem(await client.get('/api/v1/users/abc', { token: alice.accessToken }), 404, 'not_found');
    assertProblem(
      await client.get('/api/v1/users/99999999999999999999999999', { token: alice.accessToken }),
      404,
      'not_found',
    );
  });

  it('GET /users?q= pages by username prefix, case-insensitively, in username order', async () => {
    const prefix = `srch${uniqueSuffix(6)}`;
    const { accessToken } = await registerUser(client, 'searcher');
    const expected = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await registerUser(client, prefix);
      expected.push(created.user.username);
    }
    expected.sort();

    for (const q of [prefix, prefix.toUpperCase()]) {
      const pages = await collectPages(client, accessToken, (cursor) => {
        const params = new URLSearchParams({ q, limit: '2' });
        if (cursor) params.set('cursor', cursor);
        return `/api/v1/users?${params}`;
      });
      assert.equal(pages.length, 3, `5 users at 2 per page: ${pages.map((p) => p.items.length)}`);
      for (const page of pages) assert.ok(page.items.length <= 2);
      const names = pages.flatMap((p) => p.items.map((u) => u.username));
      assert.deepEqual(names, expected, `q=${q}`);
      for (const page of pages) for (const user of page.items) assertUserShape(user);
    }
  });

  it('GET /users without q is 400', async () => {
    const { accessToken } = await registerUser(client, 'noq');
    assertFieldError(await client.get('/api/v1/users', { token: accessToken }), 'q');
  });

  it('GET /admin/users is 403 for a normal user', async () => {
    const { accessToken } = await registerUser(client, 'plain');
    assertProblem(await client.get('/api/v1/admin/users', { token: accessToken }), 403, 'forbidden');
  });

  describe('with an admin configured through the environment', () => {
    let adminServer;
    let adminClient;

    useServer((started) => ({ server: adminServer, client: adminClient } = started), {
        env: { TALKLINE_ADMIN_USERNAME: 'root_admin', TALKLINE_ADMIN_PASSWORD: 'adminpass123' },
      });

    it('logs root_admin in with role admin and lets it page through every user', async () => {
      const registered = [];
      for (let i = 0; i < 3; i += 1) registered.push((await registerUser(adminClient, 'listed')).user.id);

      const admin = await login(adminClient, 'root_admin', 'adminpass123');
      assert.equal(admin.user.role, 'admin');
      assert.equal(admin.user.username, 'root_admin');

      const pages = await collectPages(adminClient, admin.accessToken, (cursor) => {
        const params = new URLSearchParams({ limit: '1' });
        if (cursor) params.set('cursor', cursor);
        return `/api/v1/admin/users?${params}`;
      });
      for (const page of pages) assert.ok(page.items.length <= 1);
      const ids = pages.flatMap((p) => p.items.map((u) => u.id));
      assert.equal(new Set(ids).size, ids.length, 'no user listed twice');
      assert.ok(ids.includes(admin.user.id));
      for (const id of registered) assert.ok(ids.includes(id), `user ${id} is listed`);
      assert.equal(ids.length, registered.length + 1);
      for (const user of pages.flatMap((p) => p.items)) assert.equal(user.suspendedAt, null);
    });

    it('PUT /admin/users/{id}/suspension locks the account out; DELETE lets it back in', async () => {
      const admin = await login(adminClient, 'root_admin', 'adminpass123');
      const member = await registerUser(adminClient, 'suspended');
      const otherDevice = await login(adminClient, member.username, member.password);
      const suspensionOf = `/api/v1/admin/users/${member.user.id}/suspension`;

      const suspended = assertJson(await adminClient.put(suspensionOf, { token: admin.accessToken }), 200);
      assertUserShape(suspended);
      assert.equal(suspended.id, member.user.id);
      assert.ok(!Number.isNaN(Date.parse(suspended.suspendedAt)), `suspendedAt: ${suspended.suspendedAt}`);

      const refused = assertProblem(
        await adminClient.post('/api/v1/auth/login', { body: { username: member.username, password: member.password } }),
        403,
        'forbidden',
      );
      assert.equal(refused.detail, 'this account is suspended');
      for (const session of [member, otherDevice]) {
        assertProblem(await adminClient.get('/api/v1/users/me', { token: session.accessToken }), 401, 'unauthenticated');
        assertProblem(
          await adminClient.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }),
          401,
          'unauthenticated',
        );
      }

      const again = assertJson(await adminClient.put(suspensionOf, { token: admin.accessToken }), 200);
      assert.equal(again.suspendedAt, suspended.suspendedAt, 'suspending again keeps the first time');
      const listed = (
        await collectPages(adminClient, admin.accessToken, (cursor) =>
          cursor ? `/api/v1/admin/users?cursor=${cursor}` : '/api/v1/admin/users',
        )
      ).flatMap((p) => p.items);
      assert.equal(listed.find((u) => u.id === member.user.id).suspendedAt, suspended.suspendedAt);
      const seen = assertJson(await adminClient.get(`/api/v1/users/${member.user.id}`, { token: admin.accessToken }), 200);
      assert.equal('suspendedAt' in seen, false, 'the public user object does not tell');

      const reinstated = assertJson(await adminClient.del(suspensionOf, { token: admin.accessToken }), 200);
      assert.equal(reinstated.id, member.user.id);
      assert.equal(reinstated.suspendedAt, null);
      assert.equal(assertJson(await adminClient.del(suspensionOf, { token: admin.accessToken }), 200).suspendedAt, null);

      const back = await login(adminClient, member.username, member.password);
      assert.equal(assertJson(await adminClient.get('/api/v1/users/me', { token: back.accessToken }), 200).id, member.user.id);
      assertProblem(
        await adminClient.post('/api/v1/auth/refresh', { body: { refreshToken: member.refreshToken } }),
        401,
        'unauthenticated',
      );
    });

    it('suspension is 403 for a non-admin, 400 on the admin themselves and 404 for an unknown user', async () => {
      const admin = await login(adminClient, 'root_admin', 'adminpass123');
      const plain = await registerUser(adminClient, 'plain');
      const target = await registerUser(adminClient, 'target');
      for (const method of ['put', 'del']) {
        assertProblem(
          await adminClient[method](`/api/v1/admin/users/${target.user.id}/suspension`, { token: plain.accessToken }),
          403,
          'forbidden',
        );
      }
      await login(adminClient, target.username, target.password);

      assertFieldError(
        await adminClient.put(`/api/v1/admin/users/${admin.user.id}/suspension`, { token: admin.accessToken }),
        'id',
      );
      assertJson(await adminClient.get('/api/v1/users/me', { token: admin.accessToken }), 200);

      for (const method of ['put', 'del']) {
        for (const id of ['1', 'abc']) {
          assertProblem(
            await adminClient[method](`/api/v1/admin/users/${id}/suspension`, { token: admin.accessToken }),
            404,
            'not_found',
          );
        }
      }
    });
  });

  describe('talkline admin create', () => {
    let adminServer;
    let adminClient;

    useServer((started) => ({ server: adminServer, client: adminClient } = started));

    it('creates a new admin and promotes an existing user, on a stopped server', async () => {
      const existing = await registerUser(adminClient, 'promoted');
      const newName = `someone${uniqueSuffix(8)}`;
      await adminServer.stop();

      const created = await runBinary(
        ['admin', 'create', '--username', newName, '--password', 'secret123', '--data-dir', adminServer.dataDir],
        { cwd: adminServer.dataDir },
      );
      assert.equal(created.code, 0, `admin create ${newName}: exit ${created.code}\n${created.stderr}`);

      const promoted = await runBinary(
        ['admin', 'create', '--username', existing.username, '--password', 'secret123', '--data-dir', adminServer.dataDir],
        { cwd: adminServer.dataDir },
      );
      assert.equal(promoted.code, 0, `admin create ${existing.username}: exit ${promoted.code}\n${promoted.stderr}`);

      await adminServer.restart();
      const admin = await login(adminClient, newName, 'secret123');
      assert.equal(admin.user.role, 'admin');

      const seen = assertJson(
        await adminClient.get(`/api/v1/users/${existing.user.id}`, { token: admin.accessToken }),
        200,
      );
      assert.equal(seen.role, 'admin');
      assertJson(await adminClient.get('/api/v1/admin/users', { token: admin.accessToken }), 200);
    });
  });
});
