// HTTP helpers shared by the tests of what happens to a message after it is sent: edits
// and deletes (changes.test.mjs), reactions and pins. Each describe block binds them to
// the server it started:
//
//   const ctx = {};
//   useServer((started) => Object.assign(ctx, started));
//   const h = messageHelpers(() => ctx);
//   const { alice, bob, conversation } = await h.pair('ed');

import assert from 'node:assert/strict';

import { assertJson, collectPages, createGroup, registerUser, uniqueSuffix } from './harness.mjs';

export const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The site admin a server started with `{ env: SITE_ADMIN_ENV }` creates. */
const SITE_ADMIN = { username: 'site_admin', password: 'adminpass123' };
export const SITE_ADMIN_ENV = {
  TALKLINE_ADMIN_USERNAME: SITE_ADMIN.username,
  TALKLINE_ADMIN_PASSWORD: SITE_ADMIN.password,
};

/** Logs the site admin in; resolves with the login answer ({user, accessToken, …}). */
export async function loginSiteAdmin(client) {
  const res = await client.post('/api/v1/auth/login', { body: SITE_ADMIN });
  const answer = assertJson(res, 200);
  assert.equal(answer.user.role, 'admin');
  return answer;
}

/** Asserts a change: exactly the fields a change has, with these values (`reason` null unless given). */
export function assertFeedChange(change, { conversationId, changeSeq, type, actorId, messageId, emoji, reason = null }) {
  assert.deepEqual(
    Object.keys(change).sort(),
    ['actorId', 'at', 'changeSeq', 'conversationId', 'emoji', 'message', 'reason', 'type'],
    `change keys: ${JSON.stringify(change)}`,
  );
  assert.equal(change.conversationId, conversationId, `conversationId: ${JSON.stringify(change)}`);
  if (changeSeq !== undefined) assert.equal(change.changeSeq, changeSeq, `changeSeq: ${JSON.stringify(change)}`);
  assert.equal(change.type, type, `type: ${JSON.stringify(change)}`);
  assert.equal(change.actorId, actorId, `actorId: ${JSON.stringify(change)}`);
  assert.equal(change.emoji, emoji, `emoji: ${JSON.stringify(change)}`);
  assert.equal(change.reason, reason, `reason: ${JSON.stringify(change)}`);
  assert.match(change.at, rfc3339, `at: ${JSON.stringify(change)}`);
  assert.equal(change.message.id, messageId, `message.id: ${JSON.stringify(change)}`);
  assert.equal(change.message.conversationId, conversationId);
}

/**
 * HTTP helpers bound to the server a describe block started (`get()` returns its client).
 * The raw ones (patch, edit, remove, react, changes, search) resolve with the response;
 * the others assert success and resolve with its JSON.
 */
export function messageHelpers(get) {
  const client = () => get().client;
  const h = {
    /** alice owns a group with bob in it. */
    async pair(prefix) {
      const alice = await registerUser(client(), `${prefix}a`);
      const bob = await registerUser(client(), `${prefix}b`);
      const conversation = await createGroup(client(), alice, [bob]);
      return { alice, bob, conversation };
    },
    group: (owner, members) => createGroup(client(), owner, members),
    async direct(a, b) {
      const res = await client().post('/api/v1/conversations', {
        token: a.accessToken,
        body: { type: 'direct', userId: b.user.id },
      });
      return assertJson(res, 201);
    },
    async send(sender, conversationId, text) {
      const res = await client().post(`/api/v1/conversations/${conversationId}/messages`, {
        token: sender.accessToken,
        body: { clientMsgId: `m-${uniqueSuffix(16)}`, body: text },
      });
      return assertJson(res, 201);
    },
    /** PATCH …/messages/{messageId}; `payload` is the JSON body as sent. */
    patch(user, conversationId, messageId, payload) {
      return client().patch(`/api/v1/conversations/${conversationId}/messages/${messageId}`, {
        token: user.accessToken,
        body: payload,
      });
    },
    edit(user, conversationId, messageId, body, clientChangeId) {
      const payload = clientChangeId === undefined ? { body } : { body, clientChangeId };
      return h.patch(user, conversationId, messageId, payload);
    },
    /** DELETE …/messages/{messageId}; `query` is appended as is ("" or "?clientChangeId=…"). */
    remove(user, conversationId, messageId, query = '') {
      return client().del(`/api/v1/conversations/${conversationId}/messages/${messageId}${query}`, {
        token: user.accessToken,
      });
    },
    /** POST …/messages/{messageId}/reactions of `emoji`, with `clientChangeId` when given. */
    react(user, conversationId, messageId, emoji, clientChangeId) {
      const body = clientChangeId === undefined ? { emoji } : { emoji, clientChangeId };
      return client().post(`/api/v1/conversations/${conversationId}/messages/${messageId}/reactions`, {
        token: user?.accessToken,
        body,
      });
    },
    changes(user, conversationId, query = '') {
      return client().get(`/api/v1/conversations/${conversationId}/changes${query}`, { token: user.accessToken });
    },
    /** The whole feed, walked with after=nextCursor pages of `limit`. */
    async feed(user, conversationId, limit = 100) {
      const pages = await collectPages(client(), user.accessToken, (cursor) =>
        `/api/v1/conversations/${conversationId}/changes?limit=${limit}&after=${cursor ?? '0'}`,
      );
      return pages.flatMap((p) => p.items);
    },
    async history(user, conversationId) {
      const pages = await collectPages(client(), user.accessToken, (cursor) =>
        `/api/v1/conversations/${conversationId}/messages?limit=100&after=${cursor ?? '0'}`,
      );
      return pages.flatMap((p) => p.items);
    },
    async conversation(user, conversationId) {
      return assertJson(await client().get(`/api/v1/conversations/${conversationId}`, { token: user.accessToken }), 200);
    },
    async lastChangeSeq(user, conversationId) {
      return (await h.conversation(user, conversationId)).lastChangeSeq;
    },
    search(user, params) {
      return client().get(`/api/v1/search/messages?${new URLSearchParams(params)}`, { token: user.accessToken });
    },
  };
  return h;
}
