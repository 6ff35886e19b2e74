import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertJson, registerUser, uniqueSuffix, useServer } from './harness.mjs';
import { messageHelpers } from './message_helpers.mjs';

// Mentions and reply previews over HTTP. `@username` in a body (at its start or after a
// non-word character, matched case-insensitively) names a member of the conversation; the
// message then carries `mentions` (their ids) everywhere it is read, and each member's
// conversation carries `mentionCount`: messages above their read cursor that mention them.
// A reply carries `replyPreview`, the message it answers as it is now, its body cut to
// TALKLINE_REPLY_PREVIEW_CHARS code points.

const PREVIEW_CHARS = 10;

function helpers(get) {
  const client = () => get().client;
  const h = messageHelpers(get);
  return Object.assign(h, {
    async reply(sender, conversationId, text, replyTo) {
      const res = await client().post(`/api/v1/conversations/${conversationId}/messages`, {
        token: sender.accessToken,
        body: { clientMsgId: `m-${uniqueSuffix(16)}`, body: text, replyTo },
      });
      return assertJson(res, 201);
    },
    async read(user, conversationId, seq) {
      const res = await client().post(`/api/v1/conversations/${conversationId}/read`, {
        token: user.accessToken,
        body: { seq },
      });
      assert.equal(res.status, 200, res.text);
    },
    /** The caller's entry for the conversation in GET /conversations. */
    async listed(user, conversationId) {
      const answer = assertJson(await client().get('/api/v1/conversations?limit=100', { token: user.accessToken }), 200);
      const found = answer.items.find((c) => c.id === conversationId);
      assert.ok(found, `conversation ${conversationId} is listed`);
      return found;
    },
    async mentionCount(user, conversationId) {
      const listed = await h.listed(user, conversationId);
      const single = await h.conversation(user, conversationId);
      assert.equal(single.mentionCount, listed.mentionCount, 'GET one conversation and the list agree');
      return listed.mentionCount;
    },
  });
}

describe('mentions', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_REPLY_PREVIEW_CHARS: String(PREVIEW_CHARS) } });
  const h = helpers(() => ctx);

  it('resolves @usernames of members, case-insensitively, and ignores others', async () => {
    const { alice, bob, conversation } = await h.pair('mn');
    const carol = await registerUser(ctx.client, 'mnc');
    const id = conversation.id;
    const sent = await h.send(alice, id, `hi @${bob.username.toUpperCase()}, @${carol.username} and @nobody_here; mail x@${bob.username}`);
    assert.deepEqual(sent.mentions, [bob.user.id], 'only the member is mentioned');
    const plain = await h.send(alice, id, 'no one');
    assert.deepEqual(plain.mentions, []);

    const history = await h.history(bob, id);
    assert.deepEqual(history.map((m) => m.mentions), [[bob.user.id], []]);
    const feed = await h.feed(bob, id);
    assert.deepEqual(feed.find((c) => c.message.id === sent.id).message.mentions, [bob.user.id]);
    const hits = assertJson(await h.search(bob, { q: 'hi' }), 200);
    assert.deepEqual(hits.items.find((m) => m.id === sent.id).mentions, [bob.user.id]);
  });

  it('counts mentions above the read cursor and follows read', async () => {
    const { alice, bob, conversation } = await h.pair('mc');
    const id = conversation.id;
    const first = await h.send(alice, id, `@${bob.username} one`);
    await h.send(alice, id, 'not you');
    const third = await h.send(alice, id, `two, @${bob.username}`);
    assert.equal(await h.mentionCount(bob, id), 2);
    assert.equal(await h.mentionCount(alice, id), 0, 'the sender is not mentioned');
    const listed = await h.listed(bob, id);
    assert.equal(listed.unreadCount, 3);

    await h.read(bob, id, first.seq);
    assert.equal(await h.mentionCount(bob, id), 1);
    await h.read(bob, id, third.seq);
    assert.equal(await h.mentionCount(bob, id), 0);
  });

  it('an edit adding a mention counts it, and a delete drops it', async () => {
    const { alice, bob, conversation } = await h.pair('me');
    const id = conversation.id;
    const sent = await h.send(alice, id, 'hello');
    assert.equal(await h.mentionCount(bob, id), 0);

    const edited = assertJson(await h.edit(alice, id, sent.id, `hello @${bob.username}`), 200);
    assert.deepEqual(edited.message.mentions, [bob.user.id]);
    assert.equal(await h.mentionCount(bob, id), 1);
    assert.deepEqual((await h.history(bob, id))[0].mentions, [bob.user.id]);

    const deleted = assertJson(await h.remove(alice, id, sent.id), 200);
    assert.deepEqual(deleted.message.mentions, []);
    assert.equal(await h.mentionCount(bob, id), 0);
  });
});

describe('reply previews', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_REPLY_PREVIEW_CHARS: String(PREVIEW_CHARS) } });
  const h = helpers(() => ctx);

  it('shows the answered message, its body cut on a character boundary', async () => {
    const { alice, bob, conversation } = await h.pair('rp');
    const id = conversation.id;
    const long = await h.send(alice, id, 'héllo wörld 😀 and more');
    const short = await h.send(alice, id, 'short');
    const toLong = await h.reply(bob, id, 'answer', long.id);
    assert.deepEqual(toLong.replyPreview, {
      id: long.id,
      seq: long.seq,
      senderId: alice.user.id,
      body: 'héllo wörl',
      truncated: true,
      deleted: false,
    });
    const toShort = await h.reply(bob, id, 'answer', short.id);
    assert.equal(toShort.replyPreview.body, 'short');
    assert.equal(toShort.replyPreview.truncated, false);
    assert.equal(long.replyPreview, null, 'a message that answers nothing has no preview');

    const history = await h.history(alice, id);
    assert.deepEqual(history.find((m) => m.id === toLong.id).replyPreview, toLong.replyPreview);
    const feed = await h.feed(alice, id);
    assert.deepEqual(feed.find((c) => c.message.id === toLong.id).message.replyPreview, toLong.replyPreview);
  });

  it('follows edits of the answered message and shows its deletion without a body', async () => {
    const { alice, bob, conversation } = await h.pair('rd');
    const id = conversation.id;
    const target = await h.send(alice, id, 'original words here');
    const reply = await h.reply(bob, id, 'answer', target.id);
    assertJson(await h.edit(alice, id, target.id, 'new'), 200);
    let shown = (await h.history(bob, id)).find((m) => m.id === reply.id);
    assert.equal(shown.replyPreview.body, 'new');
    assert.equal(shown.replyPreview.truncated, false);

    assertJson(await h.remove(alice, id, target.id), 200);
    shown = (await h.history(bob, id)).find((m) => m.id === reply.id);
    assert.deepEqual(shown.replyPreview, {
      id: target.id,
      seq: target.seq,
      senderId: alice.user.id,
      body: null,
      truncated: false,
      deleted: true,
    });
    const pinned = assertJson(
      await ctx.client.put(`/api/v1/conversations/${id}/pins/${reply.id}`, { token: alice.accessToken }),
      200,
    );
    assert.equal(pinned.message.replyPreview.deleted, true);
    const pins = assertJson(await ctx.client.get(`/api/v1/conversations/${id}/pins`, { token: bob.accessToken }), 200);
    assert.equal(pins.items[0].message.replyPreview.deleted, true);
  });
});

describe('the mention limit', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_MENTIONS_PER_MESSAGE: '2' } });
  const h = helpers(() => ctx);

  it('resolves only the first TALKLINE_MENTIONS_PER_MESSAGE distinct names and still sends the message', async () => {
    const { alice, bob, conversation } = await h.pair('ml');
    const carol = await registerUser(ctx.client, 'mlc');
    const dave = await registerUser(ctx.client, 'mld');
    const added = await ctx.client.post(`/api/v1/conversations/${conversation.id}/members`, {
      token: alice.accessToken,
      body: { userIds: [carol.user.id, dave.user.id] },
    });
    assert.equal(added.status, 200, added.text);
    // bob twice counts once; dave is the third distinct name and is ignored.
    const sent = await h.send(alice, conversation.id, `@${bob.username} @${bob.username} @${carol.username} @${dave.username}`);
    assert.deepEqual([...sent.mentions].sort(), [bob.user.id, carol.user.id].sort());
    assert.equal(await h.mentionCount(dave, conversation.id), 0);
    assert.equal(await h.mentionCount(carol, conversation.id), 1);
  });
});
