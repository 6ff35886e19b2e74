import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertFieldError, assertJson, assertProblem, registerUser, useServer } from './harness.mjs';
import { SITE_ADMIN_ENV, assertFeedChange, loginSiteAdmin, messageHelpers, sleep } from './message_helpers.mjs';

// Retention over HTTP. PATCH /conversations/{id} {retentionDays: N | null} sets how many
// days a conversation keeps its messages: a group's owner and admins, either member of a
// direct conversation, a site admin in it. The view carries the setting (null: the
// server's). The sweep turns older messages into tombstones as a delete does, each a
// `deleted` change with actorId null and reason "expired". The server's retention is a
// ceiling. A short one is set with a fraction of a day, as an operator may.

// 0.00005 days is 4.32 s; the sweep runs every second.
const SHORT_RETENTION = { TALKLINE_RETENTION_DAYS: '0.00005', TALKLINE_RETENTION_SWEEP_SECONDS: '1' };
const EXPIRY_WAIT_MS = 15_000;

function helpers(get) {
  const h = messageHelpers(get);
  return Object.assign(h, {
    setRetention(user, conversationId, body) {
      return get().client.patch(`/api/v1/conversations/${conversationId}`, { token: user.accessToken, body });
    },
    async retention(user, conversationId) {
      return (await h.conversation(user, conversationId)).retentionDays;
    },
    /** Polls the history until the message at `seq` is a tombstone. */
    async waitExpired(user, conversationId, seq) {
      const deadline = Date.now() + EXPIRY_WAIT_MS;
      for (;;) {
        const message = (await h.history(user, conversationId)).find((m) => m.seq === seq);
        if (message?.deletedAt) return message;
        assert.ok(Date.now() < deadline, `message ${seq} was not expired within ${EXPIRY_WAIT_MS} ms`);
        await sleep(200);
      }
    },
  });
}

describe('retention setting', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: SITE_ADMIN_ENV });
  const h = helpers(() => ctx);

  it('lets a group owner set, repeat and clear it; the view carries it', async () => {
    const { alice, conversation } = await h.pair('rs');
    assert.equal(conversation.retentionDays, null, 'a new conversation follows the server');
    const set = assertJson(await h.setRetention(alice, conversation.id, { retentionDays: 30 }), 200);
    assert.equal(set.retentionDays, 30);
    assert.equal(set.title, conversation.title, 'the title stays');
    assert.equal(await h.retention(alice, conversation.id), 30);
    assert.equal(assertJson(await h.setRetention(alice, conversation.id, { retentionDays: 30 }), 200).retentionDays, 30);
    assert.equal(assertJson(await h.setRetention(alice, conversation.id, { retentionDays: null }), 200).retentionDays, null);
    assert.equal(await h.retention(alice, conversation.id), null);
  });

  it('lets a group admin and a site admin in the group set it, not a plain member or an outsider', async () => {
    const { alice, bob, conversation } = await h.pair('ra');
    const id = conversation.id;
    assertProblem(await h.setRetention(bob, id, { retentionDays: 7 }), 403, 'forbidden');
    const outsider = await registerUser(ctx.client, 'ro');
    assertProblem(await h.setRetention(outsider, id, { retentionDays: 7 }), 404, 'not_found');
    assert.equal(await h.retention(alice, id), null, 'refusals change nothing');

    assertJson(await ctx.client.patch(`/api/v1/conversations/${id}/members/${bob.user.id}`, {
      token: alice.accessToken, body: { role: 'admin' },
    }), 200);
    assert.equal(assertJson(await h.setRetention(bob, id, { retentionDays: 7 }), 200).retentionDays, 7);

    const admin = await loginSiteAdmin(ctx.client);
    const group = await h.group(alice, [admin]);
    assert.equal(assertJson(await h.setRetention(admin, group.id, { retentionDays: 9 }), 200).retentionDays, 9);
  });

  it('lets either member of a direct conversation set it', async () => {
    const a = await registerUser(ctx.client, 'rda');
    const b = await registerUser(ctx.client, 'rdb');
    const direct = await h.direct(a, b);
    assert.equal(assertJson(await h.setRetention(b, direct.id, { retentionDays: 1 }), 200).retentionDays, 1);
    assert.equal(await h.retention(a, direct.id), 1);
  });

  it('refuses bad values with a problem on retentionDays and changes nothing', async () => {
    const { alice, conversation } = await h.pair('rb');
    const id = conversation.id;
    assertJson(await h.setRetention(alice, id, { retentionDays: 5 }), 200);
    for (const retentionDays of [0, -1, 3651, 1.5, '30', true, [], {}]) {
      assertFieldError(await h.setRetention(alice, id, { retentionDays }), 'retentionDays');
    }
    // One bad field refuses the whole request: the title is not changed either.
    assertFieldError(await h.setRetention(alice, id, { title: 'renamed', retentionDays: 0 }), 'retentionDays');
    assertProblem(await h.setRetention(alice, id, {}), 400, 'invalid_argument');
    const after = await h.conversation(alice, id);
    assert.equal(after.retentionDays, 5);
    assert.equal(after.title, conversation.title);
  });
});

describe('retention sweep', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: SHORT_RETENTION });
  const h = helpers(() => ctx);

  it('refuses a conversation retention longer than the server keeps messages', async () => {
    const { alice, conversation } = await h.pair('rl');
    const problem = assertFieldError(await h.setRetention(alice, conversation.id, { retentionDays: 1 }), 'retentionDays');
    assert.match(problem.errors[0].message, /longer than the server/);
  });

  it('turns old messages into tombstones with their seq, as deleted changes without an actor', async () => {
    const { alice, bob, conversation } = await h.pair('rx');
    const id = conversation.id;
    const first = await h.send(bob, id, 'ephemeral words one');
    assertJson(await h.react(alice, id, first.id, '\u{1F44D}'), 200);
    assertJson(await ctx.client.put(`/api/v1/conversations/${id}/pins/${first.id}`, { token: alice.accessToken }), 200);
    const second = await h.send(alice, id, 'ephemeral words two');
    const before = await h.lastChangeSeq(alice, id);

    const tombstone = await h.waitExpired(alice, id, second.seq);
    assert.equal(tombstone.body, '');
    assert.equal(tombstone.id, second.id);
    const history = await h.history(alice, id);
    assert.deepEqual(history.map((m) => m.seq), [1, 2], 'seqs stay, without gaps');
    for (const message of history) {
      assert.equal(message.body, '');
      assert.ok(message.deletedAt);
      assert.deepEqual(message.reactions, []);
    }
    const pins = assertJson(await ctx.client.get(`/api/v1/conversations/${id}/pins`, { token: alice.accessToken }), 200);
    assert.deepEqual(pins.items, [], 'the pin went with the message');
    const hits = assertJson(await h.search(alice, { q: 'ephemeral', conversationId: id }), 200);
    assert.deepEqual(hits.items, [], 'search forgets expired messages');

    const expiries = (await h.feed(alice, id)).filter((c) => c.changeSeq > before);
    assert.equal(expiries.length, 2);
    assertFeedChange(expiries[0], { conversationId: id, changeSeq: before + 1, type: 'deleted', actorId: null,
      messageId: first.id, emoji: null, reason: 'expired' });
    assertFeedChange(expiries[1], { conversationId: id, changeSeq: before + 2, type: 'deleted', actorId: null,
      messageId: second.id, emoji: null, reason: 'expired' });

    // Each message expires once: later sweeps add nothing.
    await sleep(2_500);
    assert.equal(await h.lastChangeSeq(alice, id), before + 2);
  });

  it('leaves a message deleted by its sender with its one deletion', async () => {
    const { alice, conversation } = await h.pair('rd');
    const id = conversation.id;
    const sent = await h.send(alice, id, 'gone by hand');
    const deleted = assertJson(await h.remove(alice, id, sent.id), 200);
    assertFeedChange(deleted, { conversationId: id, changeSeq: 2, type: 'deleted', actorId: alice.user.id,
      messageId: sent.id, emoji: null });
    const later = await h.send(alice, id, 'expires');
    await h.waitExpired(alice, id, later.seq);
    const feed = await h.feed(alice, id);
    assert.deepEqual(feed.map((c) => [c.type, c.reason]),
      [['created', null], ['deleted', null], ['created', null], ['deleted', 'expired']]);
  });
});

describe('retention limits from the configuration', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: { TALKLINE_RETENTION_DAYS: '60', TALKLINE_RETENTION_MAX_DAYS: '30' },
  });
  const h = helpers(() => ctx);

  it('refuses more days than TALKLINE_RETENTION_MAX_DAYS and more than the server keeps', async () => {
    const { alice, conversation } = await h.pair('rl');
    assertJson(await h.setRetention(alice, conversation.id, { retentionDays: 30 }), 200);
    assertFieldError(await h.setRetention(alice, conversation.id, { retentionDays: 31 }), 'retentionDays');
    assert.equal(await h.retention(alice, conversation.id), 30);
  });
});
