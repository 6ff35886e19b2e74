import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import {
  DEFAULT_PASSWORD,
  api,
  assertFieldError,
  assertJson,
  assertProblem,
  makeTempDir,
  registerUser,
  runBinary,
  startServer,
  uniqueSuffix,
  useServer,
} from './harness.mjs';

// Answers the document cannot list: an unknown path, a method a path does not have, and
// CORS preflights (the middleware answers them for every path, before routing).
const OFF_DOCUMENT = { offContract: true };

function assertSecurityHeaders(res, label) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: x-content-type-options`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: x-frame-options`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${label}: referrer-policy`);
  assert.equal(res.headers['strict-transport-security'], undefined, `${label}: no HSTS without TLS`);
}

describe('errors and cross-cutting HTTP behaviour', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  it('answers an unknown route with a 404 problem', async () => {
    const res = await client.get('/api/v1/nope', OFF_DOCUMENT);
    const problem = assertProblem(res, 404, 'not_found');
    assert.equal(problem.status, 404);
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const res = await client.del('/api/v1/auth/login', OFF_DOCUMENT);
    assertProblem(res, 405, 'method_not_allowed');
    assert.match(String(res.headers.allow ?? ''), /\bPOST\b/);
  });

  it('answers a text/plain body with 415', async () => {
    const res = await client.post('/api/v1/auth/login', {
      rawBody: JSON.stringify({ username: 'someone', password: DEFAULT_PASSWORD }),
      headers: { 'content-type': 'text/plain' },
    });
    assertProblem(res, 415, 'unsupported_media_type');
  });

  it('accepts application/json with a charset parameter', async () => {
    const { username, password } = await registerUser(client, 'charset');
    const res = await client.post('/api/v1/auth/login', {
      rawBody: JSON.stringify({ username, password }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assertJson(res, 200);
  });

  it('answers malformed JSON with 400 invalid_argument', async () => {
    const res = await client.post('/api/v1/auth/login', { rawBody: '{"username": "abc", "password": ' });
    assertProblem(res, 400, 'invalid_argument');
  });

  it('answers a JSON array body with 400', async () => {
    const res = await client.post('/api/v1/auth/login', { body: [{ username: 'abc', password: DEFAULT_PASSWORD }] });
    assertProblem(res, 400, 'invalid_argument');
  });

  it('answers a missing body with 400', async () => {
    const res = await client.post('/api/v1/auth/register');
    assertProblem(res, 400, 'invalid_argument');
  });

  it('names the field whose type is wrong', async () => {
    const res = await client.post('/api/v1/auth/register', { body: { username: 12345, password: DEFAULT_PASSWORD } });
    assertFieldError(res, 'username');
    const res2 = await client.post('/api/v1/auth/register', { body: { username: `typ${uniqueSuffix(6)}`, password: 12345678 } });
    assertFieldError(res2, 'password');
  });

  it('puts the security headers on every kind of response', async () => {
    const { accessToken } = await registerUser(client, 'hdr');
    const samples = [
      ['healthz 200', await client.get('/healthz')],
      ['users/me 200', await client.get('/api/v1/users/me', { token: accessToken })],
      ['unknown route 404', await client.get('/api/v1/nope', OFF_DOCUMENT)],
      ['no token 401', await client.get('/api/v1/users/me')],
      ['wrong method 405', await client.del('/api/v1/auth/login', OFF_DOCUMENT)],
      ['bad json 400', await client.post('/api/v1/auth/login', { rawBody: '{' })],
      ['logout 204', await client.post('/api/v1/auth/logout', { token: accessToken })],
    ];
    for (const [label, res] of samples) assertSecurityHeaders(res, label);
  });

  it('echoes a client X-Request-Id and makes one up otherwise', async () => {
    const sent = `it-${uniqueSuffix(10)}`;
    const echoed = await client.get('/healthz', { headers: { 'x-request-id': sent } });
    assert.equal(echoed.headers['x-request-id'], sent);

    const failed = await client.get('/api/v1/nope', { ...OFF_DOCUMENT, headers: { 'x-request-id': sent } });
    assert.equal(failed.headers['x-request-id'], sent);

    const first = await client.get('/healthz');
    const second = await client.get('/healthz');
    assert.ok(first.headers['x-request-id'], 'a generated X-Request-Id');
    assert.ok(second.headers['x-request-id'], 'a generated X-Request-Id');
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
  });

  it('answers a CORS preflight from any origin under the default allowlist', async () => {
    const res = await client.options('/api/v1/auth/login', {
      ...OFF_DOCUMENT,
      headers: { origin: 'http://example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.status, 204, res.text);
    const allowed = res.headers['access-control-allow-origin'];
    assert.ok(allowed === 'http://example.com' || allowed === '*', `access-control-allow-origin: ${allowed}`);
    assert.match(String(res.headers['access-control-allow-methods'] ?? ''), /POST/);
    assertSecurityHeaders(res, 'preflight');
  });

  it('adds CORS headers to an ordinary request with an Origin', async () => {
    const res = await client.get('/healthz', { headers: { origin: 'http://example.com' } });
    assert.equal(res.status, 200);
    assert.ok(res.headers['access-control-allow-origin'], 'access-control-allow-origin on a simple request');
  });

  it('serves /healthz, /readyz and the OpenAPI document', async () => {
    assertJson(await client.get('/healthz'), 200);
    const ready = assertJson(await client.get('/readyz'), 200);
    assert.equal(ready.status, 'ready');
    const doc = assertJson(await client.get('/api/v1/openapi.json'), 200);
    assert.equal(typeof doc.openapi, 'string');
    assert.ok(doc.openapi.startsWith('3.'), `openapi: ${doc.openapi}`);
    assert.equal(typeof doc.paths, 'object');
    assert.ok(doc.paths !== null && !Array.isArray(doc.paths));
  });

  describe('with a 1 KiB body limit and a CORS allowlist', () => {
    let strict;
    let strictClient;

    useServer((started) => ({ server: strict, client: strictClient } = started), {
        env: { TALKLINE_MAX_BODY_BYTES: '1024', TALKLINE_CORS_ORIGINS: 'http://allowed.test' },
      });

    it('answers a 4 KiB body with 413 payload_too_large', async () => {
      const res = await strictClient.post('/api/v1/auth/register', {
        body: { username: `big${uniqueSuffix(6)}`, password: DEFAULT_PASSWORD, displayName: 'x'.repeat(4096) },
      });
      assertProblem(res, 413, 'payload_too_large');
    });

    it('still serves a body under the limit', async () => {
      await registerUser(strictClient, 'small');
    });

    it('gives no Access-Control-Allow-Origin to an origin outside the allowlist', async () => {
      const preflight = await strictClient.options('/api/v1/auth/login', {
        ...OFF_DOCUMENT,
        headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      assert.notEqual(preflight.status, 500);

      const simple = await strictClient.get('/healthz', { headers: { origin: 'http://evil.test' } });
      assert.equal(simple.headers['access-control-allow-origin'], undefined);
    });

    it('echoes an origin on the allowlist', async () => {
      const preflight = await strictClient.options('/api/v1/auth/login', {
        ...OFF_DOCUMENT,
        headers: { origin: 'http://allowed.test', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204, preflight.text);
      assert.equal(preflight.headers['access-control-allow-origin'], 'http://allowed.test');
    });
  });

  describe('configuration errors', () => {
    it('exits non-zero and names the port when --port is not a number', async () => {
      const dir = makeTempDir();
      try {
        const result = await runBinary(['--port', 'abc', '--host', '127.0.0.1', '--data-dir', dir], { cwd: dir });
        assert.equal(result.timedOut, false, 'talkline kept running with --port abc');
        assert.notEqual(result.code, 0, `exit code ${result.code}`);
        assert.match(result.stderr, /TALKLINE_PORT|port/i, `stderr: ${result.stderr}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
