import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DEFAULT_PASSWORD,
  api,
  assertFieldError,
  assertJson,
  assertProblem,
  idPattern,
  registerUser,
  startServer,
  uniqueSuffix,
  useServer,
} from './harness.mjs';

function base64url(text) {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function assertAuthAnswer(body, username) {
  assert.equal(typeof body.accessToken, 'string');
  assert.equal(body.accessToken.split('.').length, 3, 'access token is a JWT');
  assert.equal(typeof body.refreshToken, 'string');
  assert.ok(body.refreshToken.length > 0);
  assert.equal(typeof body.expiresIn, 'number');
  assert.ok(body.expiresIn > 0);
  const { user } = body;
  assert.match(user.id, idPattern);
  assert.equal(user.username, username.toLowerCase());
  assert.equal(typeof user.displayName, 'string');
  assert.equal(user.role, 'user');
  assert.ok(!Number.isNaN(Date.parse(user.createdAt)), `createdAt: ${user.createdAt}`);
  for (const key of Object.keys(user)) {
    assert.doesNotMatch(key, /password|hash/i, 'user objects never carry credentials');
  }
}

describe('auth', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  describe('register', () => {
    it('answers 201 with the user and a token pair, username lower-cased', async () => {
      const username = `NewUser${uniqueSuffix(8)}`;
      const res = await client.post('/api/v1/auth/register', {
        body: { username, password: DEFAULT_PASSWORD, displayName: 'New User' },
      });
      const body = assertJson(res, 201);
      assertAuthAnswer(body, username);
      assert.equal(body.user.displayName, 'New User');

      const me = assertJson(await client.get('/api/v1/users/me', { token: body.accessToken }), 200);
      assert.equal(me.id, body.user.id);
    });

    it('rejects a taken username with 409, whatever its case', async () => {
      const username = `dup${uniqueSuffix(8)}`;
      const first = await client.post('/api/v1/auth/register', { body: { username, password: DEFAULT_PASSWORD } });
      assert.equal(first.status, 201, first.text);

      const same = await client.post('/api/v1/auth/register', { body: { username, password: DEFAULT_PASSWORD } });
      assertProblem(same, 409, 'conflict');

      const upper = await client.post('/api/v1/auth/register', {
        body: { username: username.toUpperCase(), password: DEFAULT_PASSWORD },
      });
      assertProblem(upper, 409, 'conflict');
    });

    for (const [label, username] of [
      ['too short', 'ab'],
      ['too long', 'a'.repeat(33)],
      ['with a space', 'bad name'],
      ['with punctuation', 'bad!name'],
      ['with a hyphen', 'bad-name'],
      ['with non-ASCII letters', 'jürgen'],
      ['empty', ''],
    ]) {
      it(`rejects a username ${label} with 400 on field username`, async () => {
        const res = await client.post('/api/v1/auth/register', { body: { username, password: DEFAULT_PASSWORD } });
        const problem = assertFieldError(res, 'username');
        assert.equal(problem.errors[0].field, 'username');
      });
    }

    it('rejects a 7-byte password with 400 on field password', async () => {
      const res = await client.post('/api/v1/auth/register', {
        body: { username: `pw${uniqueSuffix(8)}`, password: '1234567' },
      });
      assertFieldError(res, 'password');
    });
  });

  describe('login', () => {
    it('answers 200 with a token pair for the right password', async () => {
      const { username, password, user } = await registerUser(client, 'login');
      const res = await client.post('/api/v1/auth/login', { body: { username, password } });
      const body = assertJson(res, 200);
      assertAuthAnswer(body, username);
      assert.equal(body.user.id, user.id);
    });

    it('accepts the username in any case', async () => {
      const { username, password, user } = await registerUser(client, 'case');
      const res = await client.post('/api/v1/auth/login', { body: { username: username.toUpperCase(), password } });
      assert.equal(assertJson(res, 200).user.id, user.id);
    });

    it('answers a wrong password and an unknown user alike, with 401', async () => {
      const { username } = await registerUser(client, 'wrong');
      const wrong = await client.post('/api/v1/auth/login', { body: { username, password: 'not-the-password' } });
      const unknown = await client.post('/api/v1/auth/login', {
        body: { username: `ghost${uniqueSuffix(8)}`, password: 'not-the-password' },
      });
      const a = assertProblem(wrong, 401);
      const b = assertProblem(unknown, 401);
      // Any difference would tell an attacker which usernames exist.
      assert.equal(a.code, b.code);
      assert.equal(a.detail, b.detail);
    });

    it('locks a username out after 10 failures with 429, Retry-After and code rate_limited', async () => {
      const { username } = await registerUser(client, 'limited');
      const statuses = [];
      let last;
      for (let i = 0; i < 11; i += 1) {
        last = await client.post('/api/v1/auth/login', { body: { username, password: `wrong-password-${i}` } });
        statuses.push(last.status);
      }
      assert.ok(
        statuses.slice(0, 10).every((s) => s === 401 || s === 429),
        `statuses: ${statuses.join(',')}`,
      );
      assertProblem(last, 429, 'rate_limited');
      const retryAfter = Number(last.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${last.headers['retry-after']}`);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token; the old access token keeps working', async () => {
      const session = await registerUser(client, 'rot');
      const res = await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      const body = assertJson(res, 200);
      assertAuthAnswer(body, session.username);
      assert.notEqual(body.refreshToken, session.refreshToken);

      assert.equal((await client.get('/api/v1/users/me', { token: session.accessToken })).status, 200);
      assert.equal((await client.get('/api/v1/users/me', { token: body.accessToken })).status, 200);
    });

    it('treats reuse of a spent refresh token as theft and ends the whole session', async () => {
      const session = await registerUser(client, 'reuse');
      const rotated = assertJson(
        await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }),
        200,
      );

      const replay = await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      assertProblem(replay, 401);

      const next = await client.post('/api/v1/auth/refresh', { body: { refreshToken: rotated.refreshToken } });
      assertProblem(next, 401);
      assertProblem(await client.get('/api/v1/users/me', { token: rotated.accessToken }), 401);
      assertProblem(await client.get('/api/v1/users/me', { token: session.accessToken }), 401);
    });

    it('does not let reuse in one session end another session of the same user', async () => {
      const session = await registerUser(client, 'iso');
      const other = assertJson(
        await client.post('/api/v1/auth/login', { body: { username: session.username, password: session.password } }),
        200,
      );
      await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      assert.equal((await client.get('/api/v1/users/me', { token: other.accessToken })).status, 200);
    });

    it('rejects an unknown refresh token with 401', async () => {
      const res = await client.post('/api/v1/auth/refresh', { body: { refreshToken: 'not-a-real-token' } });
      assertProblem(res, 401);
    });

    it('logout answers 204 and kills both tokens of the session', async () => {
      const session = await registerUser(client, 'bye');
      const res = await client.post('/api/v1/auth/logout', { token: session.accessToken });
      assert.equal(res.status, 204, res.text);
      assert.equal(res.text, '');

      assertProblem(await client.get('/api/v1/users/me', { token: session.accessToken }), 401);
      assertProblem(await client.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }), 401);
    });
  });

  describe('bearer tokens', () => {
    it('rejects a request without Authorization with 401 and WWW-Authenticate', async () => {
      const res = await client.get('/api/v1/users/me');
      assertProblem(res, 401, 'unauthenticated');
      assert.match(String(res.headers['www-authenticate'] ?? ''), /^Bearer/i);
    });

    it('rejects a token with a flipped signature character', async () => {
      const { accessToken } = await registerUser(client, 'tamper');
      const [header, payload, signature] = accessToken.split('.');
      // Not the last character: its low bits may be padding a lenient decoder ignores.
      const at = Math.floor(signature.length / 2);
      const flipped = signature[at] === 'A' ? 'B' : 'A';
      const forged = `${header}.${payload}.${signature.slice(0, at)}${flipped}${signature.slice(at + 1)}`;
      assertProblem(await client.get('/api/v1/users/me', { token: forged }), 401);
    });

    it('rejects a token whose payload was changed (role raised to admin)', async () => {
      const { accessToken } = await registerUser(client, 'escal');
      const [header, payload, signature] = accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims.role = 'admin';
      const forged = `${header}.${base64url(JSON.stringify(claims))}.${signature}`;
      assertProblem(await client.get('/api/v1/users/me', { token: forged }), 401);
    });

    it('rejects an unsigned token (alg none)', async () => {
      const { accessToken } = await registerUser(client, 'none');
      const payload = accessToken.split('.')[1];
      const unsigned = `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
      assertProblem(await client.get('/api/v1/users/me', { token: unsigned }), 401);
    });

    it('rejects garbage and a non-Bearer scheme', async () => {
      assertProblem(await client.get('/api/v1/users/me', { token: 'not.a.jwt' }), 401);
      const { accessToken } = await registerUser(client, 'scheme');
      const basic = await client.get('/api/v1/users/me', { headers: { authorization: `Basic ${accessToken}` } });
      assertProblem(basic, 401);
    });
  });
});
