// The answer checker itself: it must refuse what the document does not say, or a drift
// between docs/openapi.json and the server would pass unseen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadContract } from './openapi_contract.mjs';

const contract = loadContract();
const json = { 'content-type': 'application/json' };
const problemJson = { 'content-type': 'application/problem+json' };
const user = {
  id: '388376605732372480',
  username: 'bob',
  displayName: 'Bob',
  bio: '',
  avatarUrl: null,
  role: 'user',
  createdAt: '2026-12-07T17:09:58.503Z',
  lastSeenAt: null,
};
const check = (method, url, status, headers, body) =>
  contract.check({ method, url, status, headers, body: body === undefined ? '' : JSON.stringify(body) });

describe('the OpenAPI answer checker', () => {
  it('accepts a documented answer', () => {
    assert.equal(check('GET', `/api/v1/users/${user.id}`, 200, json, user), null);
    assert.equal(check('GET', '/api/v1/users/me', 200, json, user), null);
    assert.equal(check('POST', '/api/v1/auth/logout', 204, {}), null);
  });

  it('refuses a member the schema does not name', () => {
    assert.match(check('GET', '/api/v1/users/me', 200, json, { ...user, extra: 1 }), /additional properties \(extra\)/);
  });

  it('refuses a missing required member or a wrong type', () => {
    const { username, ...rest } = user;
    assert.match(check('GET', '/api/v1/users/me', 200, json, rest), /username/);
    assert.match(check('GET', '/api/v1/users/me', 200, json, { ...user, id: 42 }), /\/id must be string/);
  });

  it('refuses an undocumented status, path, method or media type', () => {
    assert.match(check('GET', '/api/v1/users/me', 418, problemJson, {}), /status 418 is not documented/);
    assert.match(check('GET', '/api/v1/nowhere', 404, problemJson, {}), /no documented path/);
    assert.match(check('PUT', '/api/v1/users/me', 200, json, user), /PUT \/api\/v1\/users\/me is not documented/);
    assert.match(check('GET', '/api/v1/users/me', 200, { 'content-type': 'text/html' }, user), /Content-Type text\/html/);
  });

  it('refuses a body where the document says there is none', () => {
    assert.match(check('POST', '/api/v1/auth/logout', 204, json, {}), /without a body/);
  });

  it('checks problem answers against the problem schema', () => {
    const problem = {
      type: 'https://talkline.dev/problems/not_found',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: 'user not found',
    };
    assert.equal(check('GET', `/api/v1/users/${user.id}`, 404, problemJson, problem), null);
    assert.match(check('GET', `/api/v1/users/${user.id}`, 404, problemJson, { ...problem, code: 'gone' }), /code/);
  });
});
