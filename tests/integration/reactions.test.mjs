import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertFieldError, assertJson, assertProblem, registerUser, uniqueSuffix, useServer } from './harness.mjs';
import { assertFeedChange, messageHelpers } from './message_helpers.mjs';

// Reactions over HTTP: POST and DELETE of .../messages/{messageId}/reactions. A user has
// at most one reaction per emoji per message; adding and removing one are changes of the
// conversation's feed (reacted / unreacted); every message carries its reactions as
// [{emoji, count}] by the time each emoji was first used, and the views a user reads
// (history, search, the change feed) mark theirs with `me`.

/** messageHelpers plus the reaction requests as sent and the views of one message. */
function helpers(get) {
  const client = () => get().client;
  const h = messageHelpers(get);
  return Object.assign(h, {
    /** POST …/reactions with `payload` as the JSON body, as sent. */
    post(user, conversationId, messageId, payload) {
      return client().post(`/api/v1/conversations/${conversationId}/messages/${messageId}/reactions`, {
        token: user?.accessToken,
        body: payload,
      });
    },
    /** DELETE …/reactions with `query` appended as is ("?emoji=%F0…"). */
    delRaw(user, conversationId, messageId, query) {
      return client().del(`/api/v1/conversations/${conversationId}/messages/${messageId}/reactions${query}`, {
        token: user?.accessToken,
      });
    },
    unreact(user, conversationId, messageId, emoji, clientChangeId) {
      let query = `?emoji=${encodeURIComponent(emoji)}`;
      if (clientChangeId !== undefined) query += `&clientChangeId=${encodeURIComponent(clientChangeId)}`;
      return h.delRaw(user, conversationId, messageId, query);
    },
    /** The one message `messageId` of the conversation as `user` reads it in history. */
    async stored(user, conversationId, messageId) {
      const found = (await h.history(user, conversationId)).find((m) => m.id === messageId);
      assert.ok(found, `message ${messageId} is in history`);
      return found;
    },
    async listed(user, conversationId) {
      const res = await client().get('/api/v1/conversations?limit=100', { token: user.accessToken });
      const found = assertJson(res, 200).items.find((c) => c.id === conversationId);
      assert.ok(found, `conversation ${conversationId} is listed`);
      return found;
    },
  });
}

/** [emoji, count] pairs of a message's reactions, in order. */
function counts(message) {
  assert.ok(Array.isArray(message.reactions), `reactions must be an array: ${JSON.stringify(message)}`);
  return message.reactions.map((r) => [r.emoji, r.count]);
}

/** [emoji, count, me] triples of a message's reactions, in order. */
function marked(message) {
  assert.ok(Array.isArray(message.reactions), `reactions must be an array: ${JSON.stringify(message)}`);
  return message.reactions.map((r) => [r.emoji, r.count, r.me]);
}

const THUMBS = '\u{1F44D}';
const PARTY = '\u{1F389}';
const HEART = '\u2764\uFE0F';
const FAMILY = '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}'; // 18 bytes: a ZWJ sequence

describe('reactions', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started));
  const h = helpers(() => ctx);

  describe('add and remove', () => {
    it('answers an add with a reacted change and a removal with an unreacted one; each takes a changeSeq, no seq', async () => {
      const { alice, bob, conversation } = await h.pair('add');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'react to me');
      assert.deepEqual(sent.reactions, [], 'a new message has no reactions');

      const added = assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      assertFeedChange(added, {
        conversationId: id,
        changeSeq: 2,
        type: 'reacted',
        actorId: bob.user.id,
        messageId: sent.id,
        emoji: THUMBS,
      });
      assert.deepEqual(counts(added.message), [[THUMBS, 1]]);
      const message = added.message;
      assert.equal(message.body, 'react to me');
      assert.equal(message.seq, sent.seq);
      assert.equal(message.changeSeq, sent.changeSeq, "a reaction leaves the message's changeSeq as it was");
      assert.equal(message.editedAt, null, 'a reaction is not an edit');
      assert.equal(message.deletedAt, null);
      assert.equal(message.createdAt, sent.createdAt);
      let view = await h.conversation(alice, id);
      assert.equal(view.lastSeq, 1, 'a reaction takes no seq');
      assert.equal(view.lastChangeSeq, 2);

      const removed = assertJson(await h.unreact(bob, id, sent.id, THUMBS), 200);
      assertFeedChange(removed, {
        conversationId: id,
        changeSeq: 3,
        type: 'unreacted',
        actorId: bob.user.id,
        messageId: sent.id,
        emoji: THUMBS,
      });
      assert.deepEqual(removed.message.reactions, [], 'the last reaction of an emoji takes the emoji away');
      assert.ok(Date.parse(removed.at) >= Date.parse(added.at));
      view = await h.conversation(bob, id);
      assert.equal(view.lastSeq, 1);
      assert.equal(view.lastChangeSeq, 3);
      assert.deepEqual((await h.stored(alice, id, sent.id)).reactions, []);
    });

    it('lets any member react, to their own message and to others, in a group and a direct conversation', async () => {
      const { alice, bob, conversation } = await h.pair('any');
      const own = await h.send(bob, conversation.id, "bob's");
      assertJson(await h.react(bob, conversation.id, own.id, THUMBS), 200);
      const direct = assertJson(
        await ctx.client.post('/api/v1/conversations', {
          token: alice.accessToken,
          body: { type: 'direct', userId: bob.user.id },
        }),
        201,
      );
      const fromAlice = await h.send(alice, direct.id, 'direct words');
      const change = assertJson(await h.react(bob, direct.id, fromAlice.id, HEART), 200);
      assert.equal(change.changeSeq, 2);
      assert.deepEqual(counts(change.message), [[HEART, 1]]);
      assertJson(await h.react(alice, direct.id, fromAlice.id, HEART), 200);
      assert.deepEqual(counts(await h.stored(bob, direct.id, fromAlice.id)), [[HEART, 2]]);
    });

    it('counts one reaction per user and emoji, and marks the reader’s own with me in history', async () => {
      const alice = await registerUser(ctx.client, 'cnta');
      const bob = await registerUser(ctx.client, 'cntb');
      const carol = await registerUser(ctx.client, 'cntc');
      const group = await h.group(alice, [bob, carol]);
      const id = group.id;
      const sent = await h.send(carol, id, 'count us');
      const other = await h.send(carol, id, 'nobody reacts here');

      assertJson(await h.react(alice, id, sent.id, THUMBS), 200);
      const last = assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      assert.deepEqual(counts(last.message), [[THUMBS, 2]]);
      assertJson(await h.react(bob, id, sent.id, PARTY), 200);

      const seenBy = async (user) => {
        const stored = await h.history(user, id);
        assert.deepEqual(stored.find((m) => m.id === other.id).reactions, []);
        return marked(stored.find((m) => m.id === sent.id));
      };
      assert.deepEqual(await seenBy(alice), [
        [THUMBS, 2, true],
        [PARTY, 1, false],
      ]);
      assert.deepEqual(await seenBy(bob), [
        [THUMBS, 2, true],
        [PARTY, 1, true],
      ]);
      assert.deepEqual(await seenBy(carol), [
        [THUMBS, 2, false],
        [PARTY, 1, false],
      ]);
      for (const entry of (await h.history(alice, id)).find((m) => m.id === sent.id).reactions) {
        assert.deepEqual(Object.keys(entry).sort(), ['count', 'emoji', 'me']);
      }

      // Alice takes hers back: the count drops and her mark goes, bob's stays.
      const removed = assertJson(await h.unreact(alice, id, sent.id, THUMBS), 200);
      assert.deepEqual(counts(removed.message), [
        [THUMBS, 1],
        [PARTY, 1],
      ]);
      assert.deepEqual(await seenBy(alice), [
        [THUMBS, 1, false],
        [PARTY, 1, false],
      ]);
      assert.deepEqual(await seenBy(bob), [
        [THUMBS, 1, true],
        [PARTY, 1, true],
      ]);
      assert.equal(await h.lastChangeSeq(alice, id), 2 + 3 + 1);
    });

    it('orders the emoji by when each was first used, not by their bytes or counts', async () => {
      const alice = await registerUser(ctx.client, 'orda');
      const bob = await registerUser(ctx.client, 'ordb');
      const carol = await registerUser(ctx.client, 'ordc');
      const group = await h.group(alice, [bob, carol]);
      const id = group.id;
      const sent = await h.send(alice, id, 'order');
      // First uses in an order that is neither byte order nor its reverse.
      const firstUses = ['z', THUMBS, 'a', PARTY, ':+1:'];
      const users = [alice, bob, carol];
      for (const [i, emoji] of firstUses.entries()) {
        assertJson(await h.react(users[i % 3], id, sent.id, emoji), 200);
      }
      // More reactions with the earlier emoji move none of them.
      assertJson(await h.react(carol, id, sent.id, PARTY), 200);
      assertJson(await h.react(bob, id, sent.id, PARTY), 200);
      const last = assertJson(await h.react(carol, id, sent.id, 'z'), 200);
      const expected = [
        ['z', 2],
        [THUMBS, 1],
        ['a', 1],
        [PARTY, 3],
        [':+1:', 1],
      ];
      assert.deepEqual(counts(last.message), expected);
      assert.deepEqual(counts(await h.stored(bob, id, sent.id)), expected);

      // An emoji whose every reaction was taken back, used again, comes last.
      assertJson(await h.unreact(carol, id, sent.id, 'a'), 200);
      const back = assertJson(await h.react(alice, id, sent.id, 'a'), 200);
      assert.deepEqual(
        counts(back.message),
        [
          ['z', 2],
          [THUMBS, 1],
          [PARTY, 3],
          [':+1:', 1],
          ['a', 1],
        ],
      );
    });

    it('keeps the emoji byte for byte: ZWJ sequences, skin tones, variation selectors, short codes', async () => {
      const { alice, conversation } = await h.pair('bytes');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'bytes');
      const emoji = [FAMILY, '\u{1F44D}\u{1F3FD}', HEART, '\u2764', ':party_parrot:', '\u00e9', 'e\u0301', '\u{1F1FA}\u{1F1F8}'];
      for (const e of emoji) {
        const change = assertJson(await h.react(alice, id, sent.id, e), 200);
        assert.equal(change.emoji, e);
      }
      const stored = await h.stored(alice, id, sent.id);
      assert.deepEqual(
        stored.reactions.map((r) => Buffer.from(r.emoji, 'utf8').toString('hex')),
        emoji.map((e) => Buffer.from(e, 'utf8').toString('hex')),
        'every emoji kept as sent and apart from the ones that look alike',
      );
      assert.ok(stored.reactions.every((r) => r.count === 1 && r.me === true));
      // Removal names the emoji in the query, percent-encoded.
      for (const e of emoji) assertJson(await h.unreact(alice, id, sent.id, e), 200);
      assert.deepEqual((await h.stored(alice, id, sent.id)).reactions, []);
    });
  });

  describe('idempotence', () => {
    it('answers an add of a reaction the user has with their latest change that added it; nothing new in the feed', async () => {
      const { alice, bob, conversation } = await h.pair('idem');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'twice');
      const first = assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      const again = assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      assert.deepEqual(again, first);
      assert.equal(await h.lastChangeSeq(alice, id), 2);

      // Another user's reaction with the same emoji is a change of its own.
      const byAlice = assertJson(await h.react(alice, id, sent.id, THUMBS), 200);
      assert.equal(byAlice.changeSeq, 3);
      assert.deepEqual(counts(byAlice.message), [[THUMBS, 2]]);
      const bobAgain = assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      assert.equal(bobAgain.changeSeq, first.changeSeq);
      assert.equal(bobAgain.type, 'reacted');
      assert.equal(bobAgain.at, first.at);
      assert.equal(bobAgain.actorId, bob.user.id);
      assert.equal(bobAgain.emoji, THUMBS);
      assert.deepEqual(counts(bobAgain.message), [[THUMBS, 2]], 'the message as it is now');
      assert.equal(await h.lastChangeSeq(alice, id), 3);
      assert.deepEqual(
        (await h.feed(alice, id)).map((c) => [c.changeSeq, c.type, c.actorId]),
        [
          [1, 'created', alice.user.id],
          [2, 'reacted', bob.user.id],
          [3, 'reacted', alice.user.id],
        ],
      );
    });

    it('answers a removal of a reaction the user no longer has with their latest change that removed it', async () => {
      const { alice, bob, conversation } = await h.pair('idrm');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'on and off');
      assertJson(await h.react(bob, id, sent.id, THUMBS), 200); // 2
      const off = assertJson(await h.unreact(bob, id, sent.id, THUMBS), 200); // 3
      const offAgain = assertJson(await h.unreact(bob, id, sent.id, THUMBS), 200);
      assert.deepEqual(offAgain, off);
      assert.equal(await h.lastChangeSeq(bob, id), 3);

      // On, off, on again: each is new, and a repeat answers the latest of its kind.
      const on2 = assertJson(await h.react(bob, id, sent.id, THUMBS), 200); // 4
      assert.equal(on2.changeSeq, 4);
      assert.equal(assertJson(await h.react(bob, id, sent.id, THUMBS), 200).changeSeq, 4);
      const off2 = assertJson(await h.unreact(bob, id, sent.id, THUMBS), 200); // 5
      assert.equal(off2.changeSeq, 5);
      const off2Again = assertJson(await h.unreact(bob, id, sent.id, THUMBS), 200);
      assert.equal(off2Again.changeSeq, 5, 'the latest removal, not the first');
      assert.equal(off2Again.type, 'unreacted');
      assert.equal(await h.lastChangeSeq(bob, id), 5);
      assert.deepEqual(
        (await h.feed(alice, id)).map((c) => [c.changeSeq, c.type, c.emoji]),
        [
          [1, 'created', null],
          [2, 'reacted', THUMBS],
          [3, 'unreacted', THUMBS],
          [4, 'reacted', THUMBS],
          [5, 'unreacted', THUMBS],
        ],
      );
    });

    it('answers 404 reaction not found to removing a reaction the user never added, and records nothing', async () => {
      const { alice, bob, conversation } = await h.pair('never');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'untouched');
      const problem = assertProblem(await h.unreact(bob, id, sent.id, THUMBS), 404, 'not_found');
      assert.equal(problem.detail, 'reaction not found');
      // Alice has it, bob does not: bob still cannot remove it.
      assertJson(await h.react(alice, id, sent.id, THUMBS), 200);
      assert.equal(assertProblem(await h.unreact(bob, id, sent.id, THUMBS), 404, 'not_found').detail, 'reaction not found');
      // Bob's reaction with another emoji is not this one.
      assertJson(await h.react(bob, id, sent.id, PARTY), 200);
      assert.equal(assertProblem(await h.unreact(bob, id, sent.id, THUMBS), 404, 'not_found').detail, 'reaction not found');
      assert.equal(await h.lastChangeSeq(alice, id), 3);
      assert.deepEqual(counts(await h.stored(bob, id, sent.id)), [
        [THUMBS, 1],
        [PARTY, 1],
      ]);
    });
  });

  describe('who may react to what', () => {
    it('answers 404 conversation not found to a non-member and for a conversation that does not exist', async () => {
      const { alice, bob, conversation } = await h.pair('nm');
      const carol = await registerUser(ctx.client, 'nmc');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'members only');
      assertJson(await h.react(bob, id, sent.id, THUMBS), 200);
      for (const res of [
        await h.react(carol, id, sent.id, THUMBS),
        await h.react(carol, id, sent.id, PARTY),
        await h.unreact(carol, id, sent.id, THUMBS),
        await h.react(alice, '987654321987654321', sent.id, THUMBS),
        await h.unreact(alice, '987654321987654321', sent.id, THUMBS),
      ]) {
        assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
      }
      // A former member too.
      const left = await ctx.client.del(`/api/v1/conversations/${id}/members/${bob.user.id}`, { token: bob.accessToken });
      assert.equal(left.status, 204, left.text);
      assert.equal(assertProblem(await h.unreact(bob, id, sent.id, THUMBS), 404, 'not_found').detail, 'conversation not found');
      assert.equal(assertProblem(await h.react(bob, id, sent.id, PARTY), 404, 'not_found').detail, 'conversation not found');
      assert.equal(await h.lastChangeSeq(alice, id), 2);
    });

    it('answers 404 message not found for a message of another conversation or none at all', async () => {
      const { alice, conversation } = await h.pair('nf');
      const mine = await h.send(alice, conversation.id, 'here');
      const elsewhere = await h.pair('nf2');
      const foreign = await h.send(elsewhere.alice, elsewhere.conversation.id, 'there');
      // Alice is in both: the message exists, only not in this conversation.
      const both = await h.group(alice, [elsewhere.alice]);
      const inBoth = await h.send(alice, both.id, 'shared');
      for (const messageId of [foreign.id, inBoth.id, '987654321987654321']) {
        assert.equal(
          assertProblem(await h.react(alice, conversation.id, messageId, THUMBS), 404, 'not_found').detail,
          'message not found',
        );
        assert.equal(
          assertProblem(await h.unreact(alice, conversation.id, messageId, THUMBS), 404, 'not_found').detail,
          'message not found',
        );
      }
      for (const [conversationId, messageId] of [
        ['abc', mine.id],
        ['0', mine.id],
        [conversation.id, 'abc'],
        [conversation.id, '0'],
        [conversation.id, '12345678901234567890123'],
      ]) {
        assertProblem(await h.react(alice, conversationId, messageId, THUMBS), 404, 'not_found');
        assertProblem(await h.unreact(alice, conversationId, messageId, THUMBS), 404, 'not_found');
      }
      assert.deepEqual((await h.stored(alice, both.id, inBoth.id)).reactions, []);
      assert.deepEqual((await h.stored(elsewhere.alice, elsewhere.conversation.id, foreign.id)).reactions, []);
      assert.equal(await h.lastChangeSeq(alice, conversation.id), 1);
    });

    it('answers 401 without a valid token', async () => {
      const { alice, conversation } = await h.pair('unauth');
      const sent = await h.send(alice, conversation.id, 'hi');
      assertProblem(await h.react(undefined, conversation.id, sent.id, THUMBS), 401, 'unauthenticated');
      assertProblem(await h.unreact(undefined, conversation.id, sent.id, THUMBS), 401, 'unauthenticated');
      assertProblem(
        await h.react({ accessToken: 'not-a-token' }, conversation.id, sent.id, THUMBS),
        401,
        'unauthenticated',
      );
    });
  });

  describe('deleted messages', () => {
    it('takes the reactions away with the message, and refuses new ones and removals with 409', async () => {
      const { alice, bob, conversation } = await h.pair('gone');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'soon gone');
      const kept = await h.send(alice, id, 'stays');
      assertJson(await h.react(alice, id, sent.id, THUMBS), 200); // 3
      assertJson(await h.react(bob, id, sent.id, THUMBS), 200); // 4
      assertJson(await h.react(bob, id, sent.id, PARTY), 200); // 5
      assertJson(await h.react(bob, id, kept.id, HEART), 200); // 6

      const deleted = assertJson(await h.remove(alice, id, sent.id), 200); // 7
      assert.equal(deleted.changeSeq, 7);
      assert.equal(deleted.emoji, null);
      assert.deepEqual(deleted.message.reactions, [], "a delete's change shows no reactions");
      const [tombstone, other] = await h.history(bob, id);
      assert.deepEqual(tombstone.reactions, [], 'the tombstone has no reactions');
      assert.deepEqual(marked(other), [[HEART, 1, true]], 'the other message keeps its own');

      for (const res of [
        await h.react(bob, id, sent.id, PARTY),
        await h.react(bob, id, sent.id, 'new'),
        await h.unreact(bob, id, sent.id, THUMBS),
        await h.unreact(alice, id, sent.id, 'never'),
      ]) {
        assert.equal(assertProblem(res, 409, 'conflict').detail, 'the message was deleted');
      }
      assert.equal(await h.lastChangeSeq(alice, id), 7);

      // The feed keeps the reaction changes, each showing the message as it is now; those
      // of the deleted message keep who reacted but no longer with what.
      const feed = await h.feed(bob, id);
      assert.deepEqual(
        feed.map((c) => [c.changeSeq, c.type, c.emoji]),
        [
          [1, 'created', null],
          [2, 'created', null],
          [3, 'reacted', null],
          [4, 'reacted', null],
          [5, 'reacted', null],
          [6, 'reacted', HEART],
          [7, 'deleted', null],
        ],
      );
      for (const entry of feed.filter((c) => c.message.id === sent.id)) {
        assert.deepEqual(entry.message.reactions, [], `entry ${entry.changeSeq}`);
        assert.equal(entry.message.body, '');
      }
    });
  });

  describe('emoji rules', () => {
    it('refuses an emoji that is missing, not a string, empty, too long, or has spaces or control characters, with 400 on emoji', async () => {
      const { alice, conversation } = await h.pair('emo');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'strict');
      const badStrings = [
        '',
        'x'.repeat(33),
        THUMBS.repeat(8) + 'x', // 33 bytes
        '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}\u{1F3FD}\u{1F3FD}', // a ZWJ sequence of 33 bytes
        'thumbs up',
        ` ${THUMBS}`,
        `${THUMBS} `,
        ' ',
        'tab\there',
        'new\nline',
        '\r',
        'nul\u0000',
        'bell\u0007',
        'esc\u001b',
        'del\u007f',
      ];
      assert.equal(Buffer.byteLength(badStrings[3], 'utf8'), 33);
      for (const emoji of badStrings) {
        assertFieldError(await h.react(alice, id, sent.id, emoji), 'emoji');
        assertFieldError(await h.unreact(alice, id, sent.id, emoji), 'emoji');
      }
      for (const payload of [{}, { emoji: null }, { emoji: 42 }, { emoji: true }, { emoji: [THUMBS] }, { emoji: { e: 1 } }]) {
        assertFieldError(await h.post(alice, id, sent.id, payload), 'emoji');
      }
      assertFieldError(await h.delRaw(alice, id, sent.id, ''), 'emoji');
      assertFieldError(await h.delRaw(alice, id, sent.id, '?emoji='), 'emoji');
      assertFieldError(await h.delRaw(alice, id, sent.id, '?emoji=a+b'), 'emoji');
      assert.deepEqual((await h.stored(alice, id, sent.id)).reactions, []);
      assert.equal(await h.lastChangeSeq(alice, id), 1);
    });

    it('refuses C1 control characters (U+0080 to U+009F) like the other control characters', async () => {
      const { alice, conversation } = await h.pair('c1');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'no controls');
      const accepted = [];
      for (const emoji of ['c1\u0080', 'nel\u0085', '\u0085', 'csi\u009b', 'apc\u009f', `${THUMBS}\u0090`]) {
        for (const res of [await h.react(alice, id, sent.id, emoji), await h.unreact(alice, id, sent.id, emoji)]) {
          if (res.status !== 400) accepted.push(`${JSON.stringify(emoji)}: ${res.status}`);
          else assertFieldError(res, 'emoji');
        }
      }
      assert.deepEqual(accepted, [], 'emoji with a C1 control character must be refused with 400 on emoji');
      assert.deepEqual((await h.stored(alice, id, sent.id)).reactions, []);
    });

    it('refuses invalid UTF-8 and lone surrogates: in a query with 400 on emoji, in a JSON body with 400', async () => {
      const { alice, conversation } = await h.pair('utf');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'utf');
      // A query is bytes: percent-encoded invalid UTF-8 reaches the emoji rule.
      for (const raw of ['%FF', '%C3%28', '%C0%AF', '%E2%82', '%ED%A0%BD', '%ED%B3%BF', '%F4%90%80%80', 'a%80']) {
        assertFieldError(await h.delRaw(alice, id, sent.id, `?emoji=${raw}`), 'emoji');
      }
      // JSON strings are Unicode: a lone surrogate escape, or raw bytes that are not
      // UTF-8, make the body invalid; either way nothing is recorded.
      for (const rawBody of [
        '{"emoji":"\\ud83d"}',
        '{"emoji":"\\udc4d"}',
        '{"emoji":"x\\ud83dx"}',
        '{"emoji":"\\udc4d\\ud83d"}',
        Buffer.concat([Buffer.from('{"emoji":"', 'utf8'), Buffer.from([0xff]), Buffer.from('"}', 'utf8')]),
        Buffer.concat([Buffer.from('{"emoji":"', 'utf8'), Buffer.from([0xed, 0xa0, 0xbd]), Buffer.from('"}', 'utf8')]),
      ]) {
        assertProblem(
          await ctx.client.post(`/api/v1/conversations/${id}/messages/${sent.id}/reactions`, {
            token: alice.accessToken,
            rawBody,
          }),
          400,
          'invalid_argument',
        );
      }
      // A surrogate pair written as escapes is one emoji.
      const paired = assertJson(
        await ctx.client.post(`/api/v1/conversations/${id}/messages/${sent.id}/reactions`, {
          token: alice.accessToken,
          rawBody: '{"emoji":"\\ud83d\\udc4d"}',
        }),
        200,
      );
      assert.equal(paired.emoji, THUMBS);
      assert.equal(paired.changeSeq, 2, 'the refused reactions took no changeSeq');
    });

    it('accepts 1 to 32 bytes', async () => {
      const { alice, conversation } = await h.pair('len');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'lengths');
      for (const emoji of ['x', 'x'.repeat(32), THUMBS.repeat(8), '\u00e9'.repeat(16)]) {
        assert.equal(Buffer.byteLength(emoji, 'utf8') <= 32, true);
        assert.equal(assertJson(await h.react(alice, id, sent.id, emoji), 200).emoji, emoji);
      }
      assert.equal((await h.stored(alice, id, sent.id)).reactions.length, 4);
    });

    it('checks the emoji before membership: a bad emoji is 400 for anyone', async () => {
      const { alice, conversation } = await h.pair('order');
      const carol = await registerUser(ctx.client, 'orderc');
      const sent = await h.send(alice, conversation.id, 'x');
      assertFieldError(await h.react(carol, conversation.id, sent.id, ''), 'emoji');
    });
  });

  describe('clientChangeId', () => {
    it('answers a retried add or removal with the first change, even after later changes', async () => {
      const { alice, bob, conversation } = await h.pair('retry');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'retry me');
      const addKey = `ra-${uniqueSuffix(10)}`;
      const first = assertJson(await h.react(bob, id, sent.id, THUMBS, addKey), 200); // 2
      assert.deepEqual(assertJson(await h.react(bob, id, sent.id, THUMBS, addKey), 200), first);
      assert.equal(await h.lastChangeSeq(alice, id), 2);

      const removeKey = `rr-${uniqueSuffix(10)}`;
      const off = assertJson(await h.unreact(bob, id, sent.id, THUMBS, removeKey), 200); // 3
      assert.equal(off.changeSeq, 3);
      // The add's retry after the removal: the first change, and no new reaction.
      const late = assertJson(await h.react(bob, id, sent.id, THUMBS, addKey), 200);
      assert.equal(late.changeSeq, 2);
      assert.equal(late.type, 'reacted');
      assert.equal(late.at, first.at);
      assert.deepEqual(late.message.reactions, [], 'the message as it is now');
      assert.deepEqual(assertJson(await h.unreact(bob, id, sent.id, THUMBS, removeKey), 200), off);
      assert.equal(await h.lastChangeSeq(alice, id), 3);
      assert.deepEqual((await h.stored(bob, id, sent.id)).reactions, []);
    });

    it('answers 409 to a key reused for another emoji, message, kind or conversation, and records nothing', async () => {
      const { alice, bob, conversation } = await h.pair('reuse');
      const id = conversation.id;
      const one = await h.send(alice, id, 'one');
      const two = await h.send(alice, id, 'two');
      const key = `k-${uniqueSuffix(10)}`;
      assertJson(await h.react(alice, id, one.id, THUMBS, key), 200); // 3

      const conflicts = [
        await h.react(alice, id, one.id, PARTY, key),
        await h.react(alice, id, two.id, THUMBS, key),
        await h.unreact(alice, id, one.id, THUMBS, key),
        await h.edit(alice, id, one.id, 'one, edited', key),
        await h.remove(alice, id, two.id, `?clientChangeId=${key}`),
      ];
      for (const res of conflicts) {
        assert.equal(
          assertProblem(res, 409, 'conflict').detail,
          'clientChangeId was already used for a different change',
        );
      }
      const elsewhere = await h.group(alice, [bob]);
      const three = await h.send(alice, elsewhere.id, 'three');
      assertProblem(await h.react(alice, elsewhere.id, three.id, THUMBS, key), 409, 'conflict');

      // A key of an edit or a delete is not a reaction's either.
      const editKey = `e-${uniqueSuffix(10)}`;
      assertJson(await h.edit(alice, id, two.id, 'two, edited', editKey), 200); // 4
      assertProblem(await h.react(alice, id, two.id, THUMBS, editKey), 409, 'conflict');
      assertProblem(await h.unreact(alice, id, one.id, THUMBS, editKey), 409, 'conflict');

      assert.deepEqual(
        (await h.history(alice, id)).map((m) => [m.body, counts(m)]),
        [
          ['one', [[THUMBS, 1]]],
          ['two, edited', []],
        ],
      );
      assert.equal(await h.lastChangeSeq(alice, id), 4);
      assert.deepEqual((await h.stored(alice, elsewhere.id, three.id)).reactions, []);
    });

    it("keeps each user's keys apart", async () => {
      const { alice, bob, conversation } = await h.pair('keys');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'shared key');
      const key = `shared-${uniqueSuffix(10)}`;
      const byAlice = assertJson(await h.react(alice, id, sent.id, THUMBS, key), 200);
      const byBob = assertJson(await h.react(bob, id, sent.id, THUMBS, key), 200);
      assert.deepEqual([byAlice.changeSeq, byBob.changeSeq], [2, 3]);
      assert.deepEqual(counts(byBob.message), [[THUMBS, 2]]);
    });

    it('refuses a key that is not 1-64 printable ASCII characters with 400', async () => {
      const { alice, conversation } = await h.pair('badkey');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'keys');
      const bad = ['k'.repeat(65), 'with space', 'tab\there', 'caf\u00e9', 'new\nline', 'del\u007f', ''];
      for (const key of bad) {
        assertFieldError(await h.react(alice, id, sent.id, THUMBS, key), 'clientChangeId');
      }
      for (const key of [42, true, { a: 1 }, ['k']]) {
        assertFieldError(await h.post(alice, id, sent.id, { emoji: THUMBS, clientChangeId: key }), 'clientChangeId');
      }
      assertJson(await h.react(alice, id, sent.id, PARTY), 200); // 2
      for (const key of bad) {
        assertFieldError(
          await h.delRaw(alice, id, sent.id, `?emoji=${encodeURIComponent(PARTY)}&clientChangeId=${encodeURIComponent(key)}`),
          'clientChangeId',
        );
      }
      assert.equal(await h.lastChangeSeq(alice, id), 2);
      const longest = `${'!~'.repeat(31)}Az`;
      assert.equal(assertJson(await h.react(alice, id, sent.id, THUMBS, longest), 200).changeSeq, 3);
      assert.equal(assertJson(await h.unreact(alice, id, sent.id, PARTY, 'x'), 200).changeSeq, 4);
    });
  });

  describe('views', () => {
    it('puts every reaction change in GET …/changes with the emoji, and marks each reader’s own with me', async () => {
      const { alice, bob, conversation } = await h.pair('feed');
      const id = conversation.id;
      const m1 = await h.send(alice, id, 'one'); // 1
      const r1 = assertJson(await h.react(bob, id, m1.id, THUMBS), 200); // 2
      const m2 = await h.send(bob, id, 'two'); // 3
      const r2 = assertJson(await h.react(alice, id, m1.id, THUMBS), 200); // 4
      const r3 = assertJson(await h.react(alice, id, m2.id, PARTY), 200); // 5
      const e1 = assertJson(await h.edit(alice, id, m1.id, 'one, edited'), 200); // 6
      const u1 = assertJson(await h.unreact(bob, id, m1.id, THUMBS), 200); // 7
      const r4 = assertJson(await h.react(bob, id, m1.id, HEART), 200); // 8
      assert.deepEqual(
        [m1, r1, m2, r2, r3, e1, u1, r4].map((x) => x.changeSeq),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );

      const feedOf = async (user) => {
        const feed = assertJson(await h.changes(user, id), 200);
        assert.equal(feed.nextCursor, null);
        return feed.items;
      };
      const forBob = await feedOf(bob);
      assert.deepEqual(
        forBob.map((c) => [c.changeSeq, c.type, c.actorId, c.emoji, c.message.id]),
        [
          [1, 'created', alice.user.id, null, m1.id],
          [2, 'reacted', bob.user.id, THUMBS, m1.id],
          [3, 'created', bob.user.id, null, m2.id],
          [4, 'reacted', alice.user.id, THUMBS, m1.id],
          [5, 'reacted', alice.user.id, PARTY, m2.id],
          [6, 'edited', alice.user.id, null, m1.id],
          [7, 'unreacted', bob.user.id, THUMBS, m1.id],
          [8, 'reacted', bob.user.id, HEART, m1.id],
        ],
      );
      for (const entry of forBob.filter((c) => c.type === 'reacted' || c.type === 'unreacted')) {
        assertFeedChange(entry, {
          conversationId: id,
          changeSeq: entry.changeSeq,
          type: entry.type,
          actorId: entry.actorId,
          messageId: entry.message.id,
          emoji: entry.emoji,
        });
      }
      // The answers of the calls are the feed's entries (their message then, the message now).
      for (const answer of [r1, r2, r3, u1, r4]) {
        const entry = forBob[answer.changeSeq - 1];
        assert.deepEqual({ ...entry, message: null }, { ...answer, message: null }, `entry ${answer.changeSeq}`);
      }

      // Every entry carries the message as it is now, with the reader's marks.
      const now = {
        bob: {
          [m1.id]: [
            [THUMBS, 1, false],
            [HEART, 1, true],
          ],
          [m2.id]: [[PARTY, 1, false]],
        },
        alice: {
          [m1.id]: [
            [THUMBS, 1, true],
            [HEART, 1, false],
          ],
          [m2.id]: [[PARTY, 1, true]],
        },
      };
      for (const entry of forBob) assert.deepEqual(marked(entry.message), now.bob[entry.message.id], `bob, entry ${entry.changeSeq}`);
      const forAlice = await feedOf(alice);
      assert.deepEqual(
        forAlice.map((c) => ({ ...c, message: null })),
        forBob.map((c) => ({ ...c, message: null })),
        'one feed for every member; only the marks differ',
      );
      for (const entry of forAlice) {
        assert.deepEqual(marked(entry.message), now.alice[entry.message.id], `alice, entry ${entry.changeSeq}`);
      }
      // History says the same as the feed.
      const history = await h.history(alice, id);
      assert.deepEqual(history.map((m) => marked(m)), [now.alice[m1.id], now.alice[m2.id]]);
      assert.deepEqual(forAlice.at(-1).message, history[0]);

      // Pages walk the reaction changes like any other.
      const paged = await h.feed(bob, id, 3);
      assert.deepEqual(paged, forBob);
      const tail = assertJson(await h.changes(bob, id, '?after=6'), 200).items;
      assert.deepEqual(tail.map((c) => [c.changeSeq, c.type]), [
        [7, 'unreacted'],
        [8, 'reacted'],
      ]);
    });

    it('gives search hits their reactions with me', async () => {
      const { alice, bob, conversation } = await h.pair('srch');
      const id = conversation.id;
      const word = `wombat${uniqueSuffix(8)}`;
      const hit = await h.send(alice, id, `a ${word} here`);
      const bare = await h.send(bob, id, `another ${word}`);
      assertJson(await h.react(bob, id, hit.id, THUMBS), 200);
      assertJson(await h.react(alice, id, hit.id, PARTY), 200);
      const hitsFor = async (user) => {
        const items = assertJson(await h.search(user, { q: word }), 200).items;
        assert.deepEqual(items.map((m) => m.id), [bare.id, hit.id]);
        return items;
      };
      const [bareForAlice, hitForAlice] = await hitsFor(alice);
      assert.deepEqual(bareForAlice.reactions, []);
      assert.deepEqual(marked(hitForAlice), [
        [THUMBS, 1, false],
        [PARTY, 1, true],
      ]);
      const [, hitForBob] = await hitsFor(bob);
      assert.deepEqual(marked(hitForBob), [
        [THUMBS, 1, true],
        [PARTY, 1, false],
      ]);
      // A reaction is not an edit: search still finds the message by its words, once.
      assert.deepEqual(
        assertJson(await h.search(bob, { q: word, conversationId: id }), 200).items.map((m) => m.id),
        [bare.id, hit.id],
      );
    });

    it("gives the conversation list's lastMessage its reactions, without me", async () => {
      const { alice, bob, conversation } = await h.pair('last');
      const id = conversation.id;
      await h.send(alice, id, 'earlier');
      const latest = await h.send(bob, id, 'latest');
      assertJson(await h.react(alice, id, latest.id, THUMBS), 200);
      assertJson(await h.react(bob, id, latest.id, THUMBS), 200);
      assertJson(await h.react(bob, id, latest.id, PARTY), 200);
      for (const user of [alice, bob]) {
        const listed = await h.listed(user, id);
        assert.equal(listed.lastMessage.id, latest.id);
        assert.deepEqual(listed.lastMessage.reactions, [
          { emoji: THUMBS, count: 2 },
          { emoji: PARTY, count: 1 },
        ]);
        assert.equal(listed.lastChangeSeq, 5);
      }
    });
  });
});

describe('reaction limits (3 different emoji per message, 4 bytes each)', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: { TALKLINE_REACTIONS_PER_MESSAGE: '3', TALKLINE_REACTION_MAX_BYTES: '4' },
  });
  const h = helpers(() => ctx);

  it('refuses a fourth different emoji on a message with 400 on emoji; more of the three are fine', async () => {
    const alice = await registerUser(ctx.client, 'lima');
    const bob = await registerUser(ctx.client, 'limb');
    const carol = await registerUser(ctx.client, 'limc');
    const group = await h.group(alice, [bob, carol]);
    const id = group.id;
    const sent = await h.send(alice, id, 'limited');
    const other = await h.send(alice, id, 'another message, another limit');
    for (const [user, emoji] of [
      [alice, 'a'],
      [bob, 'b'],
      [carol, 'c'],
    ]) {
      assertJson(await h.react(user, id, sent.id, emoji), 200);
    }
    const refused = assertFieldError(await h.react(alice, id, sent.id, 'd'), 'emoji');
    assert.match(refused.errors.find((e) => e.field === 'emoji').message, /3/);
    assertFieldError(await h.react(bob, id, sent.id, THUMBS), 'emoji');
    assert.equal(await h.lastChangeSeq(alice, id), 5);

    // The three that are there take more users.
    assertJson(await h.react(bob, id, sent.id, 'a'), 200);
    assertJson(await h.react(carol, id, sent.id, 'a'), 200);
    assertJson(await h.react(alice, id, sent.id, 'c'), 200);
    // The limit is per message.
    for (const emoji of ['d', 'e', 'f']) assertJson(await h.react(bob, id, other.id, emoji), 200);
    assertFieldError(await h.react(bob, id, other.id, 'g'), 'emoji');

    // One user of an emoji leaving it does not free a place; the last one does.
    assertJson(await h.unreact(bob, id, sent.id, 'a'), 200);
    assertFieldError(await h.react(alice, id, sent.id, 'd'), 'emoji');
    assertJson(await h.unreact(bob, id, sent.id, 'b'), 200);
    assertJson(await h.react(alice, id, sent.id, 'd'), 200);
    assert.deepEqual(counts(await h.stored(carol, id, sent.id)), [
      ['a', 2],
      ['c', 2],
      ['d', 1],
    ]);
  });

  it('measures TALKLINE_REACTION_MAX_BYTES in UTF-8 bytes', async () => {
    const { alice, conversation } = await h.pair('maxb');
    const id = conversation.id;
    const sent = await h.send(alice, id, 'short ones');
    assertJson(await h.react(alice, id, sent.id, THUMBS), 200); // 4 bytes
    assertJson(await h.react(alice, id, sent.id, 'abcd'), 200);
    for (const emoji of ['abcde', '\u{1F44D}\u{1F3FD}', HEART + 'x', '\u00e9\u00e9\u00e9']) {
      assertFieldError(await h.react(alice, id, sent.id, emoji), 'emoji');
      assertFieldError(await h.unreact(alice, id, sent.id, emoji), 'emoji');
    }
    assert.equal(await h.lastChangeSeq(alice, id), 3);
  });
});
