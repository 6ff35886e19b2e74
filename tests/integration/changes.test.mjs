import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import { assertFieldError, assertJson, assertProblem, registerUser, uniqueSuffix, useServer } from './harness.mjs';
import { SITE_ADMIN_ENV, loginSiteAdmin, messageHelpers, rfc3339, sleep } from './message_helpers.mjs';

// Edits, deletes and the per-conversation change feed over HTTP: PATCH and DELETE of
// .../messages/{messageId} and GET .../changes. Every conversation numbers its changes
// (new messages, edits, deletes) 1, 2, 3… without gaps; every feed entry carries the
// message as it is now.

/** The fields every change carries, checked against what the test knows. */
function assertChange(change, { conversationId, changeSeq, type, actorId, messageId }) {
  assert.equal(change.conversationId, conversationId, `conversationId: ${JSON.stringify(change)}`);
  if (changeSeq !== undefined) assert.equal(change.changeSeq, changeSeq, `changeSeq: ${JSON.stringify(change)}`);
  assert.equal(change.type, type, `type: ${JSON.stringify(change)}`);
  assert.equal(change.actorId, actorId, `actorId: ${JSON.stringify(change)}`);
  assert.match(change.at, rfc3339, `at: ${JSON.stringify(change)}`);
  assert.equal(typeof change.message, 'object');
  assert.equal(change.message.id, messageId, `message.id: ${JSON.stringify(change)}`);
  assert.equal(change.message.conversationId, conversationId);
}

describe('message changes', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started));
  const h = messageHelpers(() => ctx);

  describe('edit', () => {
    it('answers 200 with the edited change and the message as it now is', async () => {
      const { alice, bob, conversation } = await h.pair('ed');
      const sent = await h.send(alice, conversation.id, 'frist draft');
      assert.equal(sent.changeSeq, 1, 'a new message is the first change of a new conversation');
      assert.equal(sent.deletedAt, null);
      assert.equal(sent.editedAt, null);

      const change = assertJson(await h.edit(alice, conversation.id, sent.id, 'first draft'), 200);
      assertChange(change, {
        conversationId: conversation.id,
        changeSeq: 2,
        type: 'edited',
        actorId: alice.user.id,
        messageId: sent.id,
      });
      assert.deepEqual(Object.keys(change).sort(), ['actorId', 'at', 'changeSeq', 'conversationId', 'emoji', 'message', 'reason', 'type']);
      const message = change.message;
      assert.equal(message.body, 'first draft');
      assert.equal(message.seq, sent.seq, 'an edit keeps the seq');
      assert.equal(message.changeSeq, sent.changeSeq, "the message's changeSeq stays that of its creation");
      assert.equal(message.createdAt, sent.createdAt);
      assert.equal(message.senderId, alice.user.id);
      assert.equal(message.clientMsgId, sent.clientMsgId);
      assert.equal(message.editedAt, change.at, 'editedAt is the time of the edit');
      assert.equal(message.deletedAt, null);

      // History and the conversation show it; the edit took a changeSeq but no seq.
      const stored = await h.history(bob, conversation.id);
      assert.deepEqual(stored, [message]);
      const view = await h.conversation(bob, conversation.id);
      assert.equal(view.lastSeq, 1);
      assert.equal(view.lastChangeSeq, 2);
    });

    it('gives every edit its own changeSeq; the message keeps the latest body and editedAt', async () => {
      const { alice, bob, conversation } = await h.pair('ed2');
      const sent = await h.send(alice, conversation.id, 'v1');
      const second = assertJson(await h.edit(alice, conversation.id, sent.id, 'v2'), 200);
      const third = assertJson(await h.edit(alice, conversation.id, sent.id, 'v3'), 200);
      assert.deepEqual([second.changeSeq, third.changeSeq], [2, 3]);
      assert.equal(third.message.body, 'v3');
      assert.ok(Date.parse(third.message.editedAt) >= Date.parse(second.message.editedAt));
      const [stored] = await h.history(bob, conversation.id);
      assert.equal(stored.body, 'v3');
      assert.equal(stored.editedAt, third.at);
    });

    it('keeps an edited body byte for byte', async () => {
      const { alice, conversation } = await h.pair('edu');
      const sent = await h.send(alice, conversation.id, 'plain');
      const text = '👩‍👩‍👧‍👦 e\u0301 مرحبا 你好\nline2\t{"a":1} \\ </script>';
      const change = assertJson(await h.edit(alice, conversation.id, sent.id, text), 200);
      assert.equal(change.message.body, text);
      const [stored] = await h.history(alice, conversation.id);
      assert.equal(Buffer.from(stored.body, 'utf8').toString('hex'), Buffer.from(text, 'utf8').toString('hex'));
    });
  });

  describe('delete', () => {
    it("answers 200 with the deleted change: empty body, deletedAt set, editedAt as it was", async () => {
      const { alice, bob, conversation } = await h.pair('del');
      const sent = await h.send(alice, conversation.id, 'regrettable');
      const edited = assertJson(await h.edit(alice, conversation.id, sent.id, 'more regrettable'), 200);
      const change = assertJson(await h.remove(alice, conversation.id, sent.id), 200);
      assertChange(change, {
        conversationId: conversation.id,
        changeSeq: 3,
        type: 'deleted',
        actorId: alice.user.id,
        messageId: sent.id,
      });
      assert.equal(change.message.body, '');
      assert.equal(change.message.deletedAt, change.at);
      assert.equal(change.message.editedAt, edited.message.editedAt, 'a delete leaves editedAt alone');
      assert.equal(change.message.seq, sent.seq);
      assert.equal(change.message.changeSeq, sent.changeSeq);

      const view = await h.conversation(bob, conversation.id);
      assert.equal(view.lastSeq, 1, 'a delete takes no seq');
      assert.equal(view.lastChangeSeq, 3);
    });

    it('keeps the tombstone in history at its seq, between the messages around it', async () => {
      const { alice, bob, conversation } = await h.pair('tomb');
      const sent = [];
      for (let i = 1; i <= 3; i += 1) sent.push(await h.send(alice, conversation.id, `m${i}`));
      assertJson(await h.remove(alice, conversation.id, sent[1].id), 200);
      const stored = await h.history(bob, conversation.id);
      assert.deepEqual(
        stored.map((m) => [m.seq, m.id, m.body, m.deletedAt === null]),
        [
          [1, sent[0].id, 'm1', true],
          [2, sent[1].id, '', false],
          [3, sent[2].id, 'm3', true],
        ],
      );
      // A send after the delete continues the seq after the tombstone.
      const next = await h.send(bob, conversation.id, 'm4');
      assert.equal(next.seq, 4);
      assert.equal(next.changeSeq, 5);
    });

    it('answers a second delete with the first deletion and records nothing new', async () => {
      const { alice, bob, conversation } = await h.pair('del2');
      const sent = await h.send(bob, conversation.id, 'twice');
      const first = assertJson(await h.remove(bob, conversation.id, sent.id), 200);
      const again = assertJson(await h.remove(bob, conversation.id, sent.id), 200);
      assert.deepEqual(again, first);
      // The owner's delete of the already deleted message also answers the first deletion.
      const byOwner = assertJson(await h.remove(alice, conversation.id, sent.id), 200);
      assert.deepEqual(byOwner, first);
      assert.equal((await h.conversation(alice, conversation.id)).lastChangeSeq, 2);
      assert.deepEqual(
        (await h.feed(alice, conversation.id)).map((c) => c.type),
        ['created', 'deleted'],
      );
    });

    it('refuses to edit a deleted message with 409', async () => {
      const { alice, conversation } = await h.pair('deled');
      const sent = await h.send(alice, conversation.id, 'gone soon');
      assertJson(await h.remove(alice, conversation.id, sent.id), 200);
      assertProblem(await h.edit(alice, conversation.id, sent.id, 'back again?'), 409, 'conflict');
      const [stored] = await h.history(alice, conversation.id);
      assert.equal(stored.body, '');
      assert.equal(stored.editedAt, null);
      assert.equal((await h.conversation(alice, conversation.id)).lastChangeSeq, 2);
    });
  });

  describe('change feed', () => {
    /**
     * alice and bob: m1 (a), m2 (b), edit m1 (a), m3 (a), delete m2 (b), edit m3 (a),
     * m4 (b), delete m1 (owner a). Eight changes over four messages.
     */
    async function scripted(prefix) {
      const { alice, bob, conversation } = await h.pair(prefix);
      const id = conversation.id;
      const m1 = await h.send(alice, id, 'one');
      const m2 = await h.send(bob, id, 'two');
      const e1 = assertJson(await h.edit(alice, id, m1.id, 'one, edited'), 200);
      const m3 = await h.send(alice, id, 'three');
      const d2 = assertJson(await h.remove(bob, id, m2.id), 200);
      const e3 = assertJson(await h.edit(alice, id, m3.id, 'three, edited'), 200);
      const m4 = await h.send(bob, id, 'four');
      const d1 = assertJson(await h.remove(alice, id, m1.id), 200);
      return { alice, bob, id, m1, m2, m3, m4, e1, d2, e3, d1 };
    }

    it('numbers sends, edits and deletes 1..n without gaps, each entry with the message as it is now', async () => {
      const s = await scripted('feed');
      const { alice, bob, id } = s;
      assert.deepEqual(
        [s.m1, s.m2, s.e1, s.m3, s.d2, s.e3, s.m4, s.d1].map((x) => x.changeSeq),
        [1, 2, 3, 4, 5, 6, 7, 8],
        'the answers carry consecutive changeSeqs',
      );

      const feed = assertJson(await h.changes(bob, id), 200);
      assert.equal(feed.nextCursor, null);
      const entries = feed.items;
      assert.deepEqual(
        entries.map((c) => [c.changeSeq, c.type, c.message.id, c.actorId]),
        [
          [1, 'created', s.m1.id, alice.user.id],
          [2, 'created', s.m2.id, bob.user.id],
          [3, 'edited', s.m1.id, alice.user.id],
          [4, 'created', s.m3.id, alice.user.id],
          [5, 'deleted', s.m2.id, bob.user.id],
          [6, 'edited', s.m3.id, alice.user.id],
          [7, 'created', s.m4.id, bob.user.id],
          [8, 'deleted', s.m1.id, alice.user.id],
        ],
      );
      for (const entry of entries) {
        assertChange(entry, {
          conversationId: id,
          changeSeq: entry.changeSeq,
          type: entry.type,
          actorId: entry.actorId,
          messageId: entry.message.id,
        });
      }

      // Every entry shows the message's current state, whichever change it is.
      const current = new Map((await h.history(alice, id)).map((m) => [m.id, m]));
      assert.equal(current.size, 4);
      for (const entry of entries) assert.deepEqual(entry.message, current.get(entry.message.id), `entry ${entry.changeSeq}`);
      assert.equal(current.get(s.m1.id).body, '', 'm1: deleted after its edit');
      assert.notEqual(current.get(s.m1.id).editedAt, null, 'm1 keeps the time of its edit');
      assert.equal(current.get(s.m2.id).body, '');
      assert.equal(current.get(s.m3.id).body, 'three, edited');
      assert.equal(current.get(s.m4.id).body, 'four');
      assert.deepEqual(
        [...current.values()].map((m) => [m.seq, m.changeSeq]),
        [
          [1, 1],
          [2, 2],
          [3, 4],
          [4, 7],
        ],
        'each message keeps seq and the changeSeq of its creation',
      );

      // Creation entries: actor = sender, at = createdAt. Others: at = the change's time.
      for (const entry of entries.filter((c) => c.type === 'created')) {
        assert.equal(entry.actorId, entry.message.senderId);
        assert.equal(entry.at, entry.message.createdAt);
        assert.equal(entry.changeSeq, entry.message.changeSeq);
      }
      assert.equal(entries[5].at, s.e3.at);
      assert.equal(entries[5].message.editedAt, s.e3.at);
      assert.equal(entries[7].at, entries[7].message.deletedAt);
      // The answers of the edit and delete calls are the feed's own entries (their
      // message then, the message now: compare everything else).
      for (const answer of [s.e1, s.d2, s.e3, s.d1]) {
        const entry = entries[answer.changeSeq - 1];
        assert.deepEqual({ ...entry, message: null }, { ...answer, message: null });
      }

      const view = await h.conversation(alice, id);
      assert.equal(view.lastSeq, 4);
      assert.equal(view.lastChangeSeq, 8);
      const listed = assertJson(await ctx.client.get('/api/v1/conversations?limit=100', { token: bob.accessToken }), 200);
      assert.equal(listed.items.find((c) => c.id === id).lastChangeSeq, 8);
    });

    it('pages with after and limit: nextCursor is the last changeSeq while more follow, null at the end', async () => {
      const { bob, id } = await scripted('page');
      const all = assertJson(await h.changes(bob, id, '?after=0&limit=100'), 200).items;
      assert.equal(all.length, 8);
      for (let limit = 1; limit <= 9; limit += 1) {
        const pages = [];
        let after = 0;
        for (let i = 0; i < 20; i += 1) {
          const page = assertJson(await h.changes(bob, id, `?after=${after}&limit=${limit}`), 200);
          pages.push(page);
          const seen = pages.flatMap((p) => p.items).length;
          if (seen < all.length) {
            assert.equal(page.items.length, limit, `limit ${limit}: a page before the end is full`);
            assert.equal(page.nextCursor, String(page.items.at(-1).changeSeq), `limit ${limit}: the next after=`);
          } else {
            assert.equal(page.nextCursor, null, `limit ${limit}: the end of the feed has no next page`);
          }
          if (page.nextCursor === null) break;
          after = page.nextCursor;
        }
        assert.deepEqual(
          pages.flatMap((p) => p.items),
          all,
          `limit ${limit}: the pages together are the feed, once each and in order`,
        );
        assert.equal(pages.length, Math.ceil(8 / limit), `limit ${limit}: number of pages`);
      }
      for (let after = 0; after <= 8; after += 1) {
        const page = assertJson(await h.changes(bob, id, `?after=${after}`), 200);
        assert.deepEqual(
          page.items.map((c) => c.changeSeq),
          Array.from({ length: 8 - after }, (_, i) => after + 1 + i),
          `after=${after}`,
        );
      }
      const beyond = assertJson(await h.changes(bob, id, '?after=1000'), 200);
      assert.deepEqual(beyond, { items: [], nextCursor: null });
    });

    it('pages 50 by default and 100 at most', async () => {
      const { alice, conversation } = await h.pair('many');
      const id = conversation.id;
      const sent = [];
      for (let i = 1; i <= 60; i += 1) sent.push(await h.send(alice, id, `n${i}`));
      for (const m of sent.slice(0, 45)) assertJson(await h.edit(alice, id, m.id, `${m.body}'`), 200);
      // 60 creations and 45 edits: 105 changes.
      const first = assertJson(await h.changes(alice, id), 200);
      assert.equal(first.items.length, 50);
      assert.equal(first.nextCursor, '50');
      const big = assertJson(await h.changes(alice, id, '?limit=100'), 200);
      assert.deepEqual(
        big.items.map((c) => c.changeSeq),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.equal(big.nextCursor, '100');
      const rest = assertJson(await h.changes(alice, id, `?after=${big.nextCursor}&limit=100`), 200);
      assert.deepEqual(
        rest.items.map((c) => [c.changeSeq, c.type]),
        [
          [101, 'edited'],
          [102, 'edited'],
          [103, 'edited'],
          [104, 'edited'],
          [105, 'edited'],
        ],
      );
      assert.equal(rest.nextCursor, null);
      const all = await h.feed(alice, id, 7);
      assert.equal(all.length, 105);
      assert.deepEqual(
        all.map((c) => c.changeSeq),
        Array.from({ length: 105 }, (_, i) => i + 1),
      );
      assert.equal(all.filter((c) => c.type === 'created').length, 60);
    });

    it('starts empty, and rejects a bad after or limit with 400', async () => {
      const { alice, conversation } = await h.pair('feedbad');
      assert.deepEqual(assertJson(await h.changes(alice, conversation.id), 200), { items: [], nextCursor: null });
      await h.send(alice, conversation.id, 'something');
      for (const after of ['-1', 'abc', '1.5', '0x10', '99999999999999999999']) {
        assertFieldError(await h.changes(alice, conversation.id, `?after=${encodeURIComponent(after)}`), 'after');
      }
      for (const limit of ['0', '101', '-1', 'ten']) {
        assertFieldError(await h.changes(alice, conversation.id, `?limit=${limit}`), 'limit');
      }
      const ok = assertJson(await h.changes(alice, conversation.id, '?after=0&limit=1'), 200);
      assert.equal(ok.items.length, 1);
    });
  });

  describe('who may change what', () => {
    it('answers 404 to a non-member on PATCH, DELETE and GET changes, and changes nothing', async () => {
      const { alice, conversation } = await h.pair('nm');
      const carol = await registerUser(ctx.client, 'nmc');
      const sent = await h.send(alice, conversation.id, 'members only');
      for (const res of [
        await h.edit(carol, conversation.id, sent.id, 'intruder'),
        await h.remove(carol, conversation.id, sent.id),
        await h.changes(carol, conversation.id),
      ]) {
        const problem = assertProblem(res, 404, 'not_found');
        assert.equal(problem.detail, 'conversation not found');
      }
      const [stored] = await h.history(alice, conversation.id);
      assert.equal(stored.body, 'members only');
      assert.equal((await h.conversation(alice, conversation.id)).lastChangeSeq, 1);
    });

    it('answers 404 for a conversation that does not exist and for a message not in the conversation', async () => {
      const { alice, conversation } = await h.pair('nf');
      const mine = await h.send(alice, conversation.id, 'here');
      const elsewhere = await h.pair('nf2');
      const foreign = await h.send(elsewhere.alice, elsewhere.conversation.id, 'there');
      // The same user is in both conversations: the message exists, just not in this one.
      const both = await h.group(alice, [elsewhere.alice]);
      const inBoth = await h.send(alice, both.id, 'shared');

      const missingConversation = '987654321987654321';
      for (const res of [
        await h.edit(alice, missingConversation, mine.id, 'x'),
        await h.remove(alice, missingConversation, mine.id),
        await h.changes(alice, missingConversation),
      ]) {
        assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
      }
      for (const messageId of [foreign.id, inBoth.id, '987654321987654321']) {
        assert.equal(
          assertProblem(await h.edit(alice, conversation.id, messageId, 'x'), 404, 'not_found').detail,
          'message not found',
        );
        assert.equal(
          assertProblem(await h.remove(alice, conversation.id, messageId), 404, 'not_found').detail,
          'message not found',
        );
      }
      // Ids that are not ids at all.
      for (const [conversationId, messageId] of [
        ['abc', mine.id],
        ['0', mine.id],
        ['-5', mine.id],
        [conversation.id, 'abc'],
        [conversation.id, '0'],
        [conversation.id, '12345678901234567890123'],
      ]) {
        assertProblem(await h.edit(alice, conversationId, messageId, 'x'), 404, 'not_found');
        assertProblem(await h.remove(alice, conversationId, messageId), 404, 'not_found');
      }
      assertProblem(await h.changes(alice, 'abc'), 404, 'not_found');
      assert.equal((await h.history(alice, both.id))[0].body, 'shared');
      assert.equal((await h.conversation(alice, conversation.id)).lastChangeSeq, 1);
    });

    it('answers 401 without a valid token', async () => {
      const { alice, conversation } = await h.pair('unauth');
      const sent = await h.send(alice, conversation.id, 'hi');
      const base = `/api/v1/conversations/${conversation.id}`;
      assertProblem(await ctx.client.patch(`${base}/messages/${sent.id}`, { body: { body: 'x' } }), 401, 'unauthenticated');
      assertProblem(await ctx.client.del(`${base}/messages/${sent.id}`), 401, 'unauthenticated');
      assertProblem(await ctx.client.get(`${base}/changes`), 401, 'unauthenticated');
      assertProblem(
        await ctx.client.get(`${base}/changes`, { token: 'not-a-token' }),
        401,
        'unauthenticated',
      );
    });

    it("refuses to edit another member's message with 403, the group owner's included", async () => {
      const { alice, bob, conversation } = await h.pair('other');
      const fromAlice = await h.send(alice, conversation.id, "alice's words");
      const fromBob = await h.send(bob, conversation.id, "bob's words");
      assertProblem(await h.edit(bob, conversation.id, fromAlice.id, 'rewritten'), 403, 'forbidden');
      assertProblem(await h.edit(alice, conversation.id, fromBob.id, 'rewritten by the owner'), 403, 'forbidden');
      assert.deepEqual(
        (await h.history(alice, conversation.id)).map((m) => [m.body, m.editedAt]),
        [
          ["alice's words", null],
          ["bob's words", null],
        ],
      );
      assert.equal((await h.conversation(alice, conversation.id)).lastChangeSeq, 2);
    });

    it("lets a group's owner delete anyone's message, but not a plain member", async () => {
      const alice = await registerUser(ctx.client, 'own');
      const bob = await registerUser(ctx.client, 'ownb');
      const carol = await registerUser(ctx.client, 'ownc');
      const group = await h.group(alice, [bob, carol]);
      const fromBob = await h.send(bob, group.id, 'from bob');
      const fromAlice = await h.send(alice, group.id, 'from the owner');

      assertProblem(await h.remove(carol, group.id, fromBob.id), 403, 'forbidden');
      assertProblem(await h.remove(bob, group.id, fromAlice.id), 403, 'forbidden');
      assert.equal((await h.conversation(carol, group.id)).lastChangeSeq, 2);

      const byOwner = assertJson(await h.remove(alice, group.id, fromBob.id), 200);
      assertChange(byOwner, {
        conversationId: group.id,
        changeSeq: 3,
        type: 'deleted',
        actorId: alice.user.id,
        messageId: fromBob.id,
      });
      assert.equal(byOwner.message.senderId, bob.user.id);
      assert.equal(byOwner.message.body, '');
    });

    it("gives no one a right over the other's messages in a direct conversation", async () => {
      const [alice, bob] = [await registerUser(ctx.client, 'dira'), await registerUser(ctx.client, 'dirb')];
      const direct = await h.direct(alice, bob);
      const fromBob = await h.send(bob, direct.id, 'mine to delete');
      const fromAlice = await h.send(alice, direct.id, 'and this is mine');
      assertProblem(await h.remove(alice, direct.id, fromBob.id), 403, 'forbidden');
      assertProblem(await h.remove(bob, direct.id, fromAlice.id), 403, 'forbidden');
      const own = assertJson(await h.remove(bob, direct.id, fromBob.id), 200);
      assert.equal(own.actorId, bob.user.id);
      assert.equal(own.changeSeq, 3);
    });

    it('refuses a former member with 404, even for their own message', async () => {
      const { alice, bob, conversation } = await h.pair('left');
      const fromBob = await h.send(bob, conversation.id, 'before leaving');
      const left = await ctx.client.del(`/api/v1/conversations/${conversation.id}/members/${bob.user.id}`, {
        token: bob.accessToken,
      });
      assert.equal(left.status, 204, left.text);
      assertProblem(await h.edit(bob, conversation.id, fromBob.id, 'after leaving'), 404, 'not_found');
      assertProblem(await h.remove(bob, conversation.id, fromBob.id), 404, 'not_found');
      assertProblem(await h.changes(bob, conversation.id), 404, 'not_found');
      assert.equal((await h.history(alice, conversation.id))[0].body, 'before leaving');
    });

    it("lets a group admin delete others' messages but not edit them (role set in the store)", async () => {
      const alice = await registerUser(ctx.client, 'gadm');
      const bob = await registerUser(ctx.client, 'gadmb');
      const carol = await registerUser(ctx.client, 'gadmc');
      const group = await h.group(alice, [bob, carol]);
      const fromCarol = await h.send(carol, group.id, 'from carol');
      const fromAlice = await h.send(alice, group.id, 'from the owner');
      assertProblem(await h.remove(bob, group.id, fromCarol.id), 403, 'forbidden');

      // The API has no call that makes a member admin: set the role in the database of
      // the stopped server.
      await ctx.server.stop();
      const script = [
        'import sqlite3, sys',
        'db = sqlite3.connect(sys.argv[1])',
        "n = db.execute(\"UPDATE members SET role = 'admin' WHERE conversation_id = ? AND user_id = ?\",",
        '               (int(sys.argv[2]), int(sys.argv[3]))).rowcount',
        'db.commit()',
        'print(n)',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, path.join(ctx.server.dataDir, 'talkline.db'), group.id, bob.user.id], {
        encoding: 'utf8',
      });
      await ctx.server.restart();
      assert.equal(run.status, 0, `python3: ${run.stderr}`);
      assert.equal(run.stdout.trim(), '1', 'one member row became admin');
      const view = await h.conversation(bob, group.id);
      assert.equal(view.members.find((m) => m.userId === bob.user.id).role, 'admin');

      assertProblem(await h.edit(bob, group.id, fromCarol.id, 'admin rewrite'), 403, 'forbidden');
      const byAdmin = assertJson(await h.remove(bob, group.id, fromCarol.id), 200);
      assertChange(byAdmin, {
        conversationId: group.id,
        changeSeq: 3,
        type: 'deleted',
        actorId: bob.user.id,
        messageId: fromCarol.id,
      });
      const ownerMessage = assertJson(await h.remove(bob, group.id, fromAlice.id), 200);
      assert.equal(ownerMessage.changeSeq, 4, "an admin may delete the owner's message too");
      assertProblem(await h.remove(carol, group.id, fromAlice.id), 403, 'forbidden');
    });
  });

  describe('bad input', () => {
    it('applies the body rules of a send to an edit, and records nothing for a refused one', async () => {
      const { alice, conversation } = await h.pair('body');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'original');
      for (const payload of [
        { body: '' },
        {},
        { body: null },
        { body: 42 },
        { body: ['x'] },
        { body: 'a'.repeat(4001) },
        { body: 'ding\u0007dong' },
        { body: 'nul\u0000byte' },
      ]) {
        assertFieldError(await h.patch(alice, id, sent.id, payload), 'body');
      }
      const invalidUtf8 = Buffer.concat([Buffer.from('{"body":"a', 'utf8'), Buffer.from([0xc3, 0x28]), Buffer.from('b"}')]);
      assertProblem(
        await ctx.client.patch(`/api/v1/conversations/${id}/messages/${sent.id}`, {
          token: alice.accessToken,
          rawBody: invalidUtf8,
        }),
        400,
        'invalid_argument',
      );
      assertProblem(
        await ctx.client.patch(`/api/v1/conversations/${id}/messages/${sent.id}`, {
          token: alice.accessToken,
          rawBody: '{"body": "unterminated',
        }),
        400,
        'invalid_argument',
      );
      assertProblem(
        await ctx.client.patch(`/api/v1/conversations/${id}/messages/${sent.id}`, {
          token: alice.accessToken,
          rawBody: '["body"]',
        }),
        400,
        'invalid_argument',
      );
      assertProblem(
        await ctx.client.patch(`/api/v1/conversations/${id}/messages/${sent.id}`, {
          token: alice.accessToken,
          rawBody: 'body=x',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
        'unsupported_media_type',
      );
      assert.equal((await h.history(alice, id))[0].body, 'original');
      assert.equal((await h.conversation(alice, id)).lastChangeSeq, 1);

      // The limit is in characters: 4000 astral emoji are fine.
      const emoji = '😀'.repeat(4000);
      const change = assertJson(await h.edit(alice, id, sent.id, emoji), 200);
      assert.equal(change.message.body, emoji);
      assert.equal(change.changeSeq, 2, 'the refused edits took no changeSeq');
    });

    it('checks the body before membership: a bad edit is 400 for anyone', async () => {
      const { alice, conversation } = await h.pair('order');
      const carol = await registerUser(ctx.client, 'orderc');
      const sent = await h.send(alice, conversation.id, 'x');
      assertFieldError(await h.edit(carol, conversation.id, sent.id, ''), 'body');
    });

    it('accepts a clientChangeId of 1-64 printable ASCII characters and refuses anything else with 400', async () => {
      const { alice, conversation } = await h.pair('ckey');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'keyed');
      const bad = ['k'.repeat(65), 'with space', 'tab\there', 'caf\u00e9', 'new\nline', 'del\u007f', ''];
      for (const key of bad) {
        assertFieldError(await h.edit(alice, id, sent.id, 'edited', key), 'clientChangeId');
      }
      for (const key of [42, true, { a: 1 }, ['k']]) {
        assertFieldError(await h.patch(alice, id, sent.id, { body: 'edited', clientChangeId: key }), 'clientChangeId');
      }
      for (const key of bad) {
        assertFieldError(
          await h.remove(alice, id, sent.id, `?clientChangeId=${encodeURIComponent(key)}`),
          'clientChangeId',
        );
      }
      const [stored] = await h.history(alice, id);
      assert.equal(stored.body, 'keyed');
      assert.equal(stored.deletedAt, null);
      assert.equal((await h.conversation(alice, id)).lastChangeSeq, 1);

      const longest = `${'!~'.repeat(31)}Az`;
      assert.equal(longest.length, 64);
      const edited = assertJson(await h.edit(alice, id, sent.id, 'edited', longest), 200);
      assert.equal(edited.changeSeq, 2);
      const one = assertJson(await h.remove(alice, id, sent.id, '?clientChangeId=x'), 200);
      assert.equal(one.changeSeq, 3);
    });
  });

  describe('idempotent retries', () => {
    it('answers a retried edit with the first change and records it once', async () => {
      const { alice, bob, conversation } = await h.pair('retry');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'draft');
      const key = `edit-${uniqueSuffix(10)}`;
      const first = assertJson(await h.edit(alice, id, sent.id, 'final', key), 200);
      const again = assertJson(await h.edit(alice, id, sent.id, 'final', key), 200);
      assert.deepEqual(again, first);
      assert.equal((await h.conversation(bob, id)).lastChangeSeq, 2);
      assert.deepEqual(
        (await h.feed(bob, id)).map((c) => c.type),
        ['created', 'edited'],
      );
    });

    it('answers a retry after later changes with the first change and the message as it is now', async () => {
      const { alice, conversation } = await h.pair('retry2');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'v1');
      const key = `edit-${uniqueSuffix(10)}`;
      const first = assertJson(await h.edit(alice, id, sent.id, 'v2', key), 200);
      const later = assertJson(await h.edit(alice, id, sent.id, 'v3'), 200);
      const retry = assertJson(await h.edit(alice, id, sent.id, 'v2', key), 200);
      assert.equal(retry.changeSeq, first.changeSeq);
      assert.equal(retry.type, 'edited');
      assert.equal(retry.at, first.at);
      assert.equal(retry.actorId, alice.user.id);
      assert.deepEqual(retry.message, later.message, 'the message as it is now, not as the first change left it');
      // The key with another body is another edit, not a retry: refused, nothing edited.
      assertProblem(await h.edit(alice, id, sent.id, 'v4', key), 409, 'conflict');
      assert.equal((await h.conversation(alice, id)).lastChangeSeq, 3);
      assert.equal(assertJson(await h.changes(alice, id, '?after=0'), 200).items.at(-1).message.body, 'v3');
    });

    it('answers a retried delete with the first deletion', async () => {
      const { alice, conversation } = await h.pair('rdel');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'doomed');
      const key = `del-${uniqueSuffix(10)}`;
      const first = assertJson(await h.remove(alice, id, sent.id, `?clientChangeId=${key}`), 200);
      const again = assertJson(await h.remove(alice, id, sent.id, `?clientChangeId=${key}`), 200);
      assert.deepEqual(again, first);
      assert.equal((await h.conversation(alice, id)).lastChangeSeq, 2);
    });

    it('answers a key reused for another message, or for another kind of change, with 409', async () => {
      const { alice, conversation } = await h.pair('reuse');
      const id = conversation.id;
      const one = await h.send(alice, id, 'one');
      const two = await h.send(alice, id, 'two');
      const key = `k-${uniqueSuffix(10)}`;
      assertJson(await h.edit(alice, id, one.id, 'one, edited', key), 200);

      const otherMessage = assertProblem(await h.edit(alice, id, two.id, 'two, edited', key), 409, 'conflict');
      assert.equal(otherMessage.detail, 'clientChangeId was already used for a different change');
      assertProblem(await h.remove(alice, id, one.id, `?clientChangeId=${key}`), 409, 'conflict');
      assertProblem(await h.remove(alice, id, two.id, `?clientChangeId=${key}`), 409, 'conflict');

      // The key belongs to the user across conversations.
      const elsewhere = await h.group(alice, [await registerUser(ctx.client, 'reusex')]);
      const three = await h.send(alice, elsewhere.id, 'three');
      assertProblem(await h.edit(alice, elsewhere.id, three.id, 'x', key), 409, 'conflict');

      assert.deepEqual(
        (await h.history(alice, id)).map((m) => [m.body, m.deletedAt]),
        [
          ['one, edited', null],
          ['two', null],
        ],
      );
      assert.equal((await h.conversation(alice, id)).lastChangeSeq, 3);
      assert.equal((await h.history(alice, elsewhere.id))[0].body, 'three');
    });

    it("keeps each user's keys apart: the same key from another user is a new change", async () => {
      const { alice, bob, conversation } = await h.pair('keys');
      const id = conversation.id;
      const fromAlice = await h.send(alice, id, 'a');
      const fromBob = await h.send(bob, id, 'b');
      const key = `shared-${uniqueSuffix(10)}`;
      const byAlice = assertJson(await h.edit(alice, id, fromAlice.id, 'a2', key), 200);
      const byBob = assertJson(await h.edit(bob, id, fromBob.id, 'b2', key), 200);
      assert.deepEqual([byAlice.changeSeq, byBob.changeSeq], [3, 4]);
      assert.equal(byBob.message.body, 'b2');
    });

    it('answers a key used by a refused request as if it was never used', async () => {
      const { alice, bob, conversation } = await h.pair('refkey');
      const id = conversation.id;
      const fromAlice = await h.send(alice, id, 'a');
      const fromBob = await h.send(bob, id, 'b');
      const key = `refused-${uniqueSuffix(10)}`;
      assertProblem(await h.edit(bob, id, fromAlice.id, 'not yours', key), 403, 'forbidden');
      const ok = assertJson(await h.edit(bob, id, fromBob.id, 'b2', key), 200);
      assert.equal(ok.changeSeq, 3);
    });
  });

  describe('search follows edits and deletes', () => {
    it('finds the new words of an edited message, not the old ones, and nothing of a deleted one', async () => {
      const { alice, bob, conversation } = await h.pair('srch');
      const before = `aardvark${uniqueSuffix(8)}`;
      const after = `bandicoot${uniqueSuffix(8)}`;
      const kept = `capybara${uniqueSuffix(8)}`;
      const target = await h.send(alice, conversation.id, `the ${before} sat`);
      const other = await h.send(bob, conversation.id, `a ${kept} and a ${before}`);

      const ids = async (q) => assertJson(await h.search(bob, { q }), 200).items.map((m) => m.id);
      assert.deepEqual(await ids(before), [other.id, target.id]);

      assertJson(await h.edit(alice, conversation.id, target.id, `the ${after} sat`), 200);
      assert.deepEqual(await ids(before), [other.id], 'the old word no longer finds the edited message');
      assert.deepEqual(await ids(after), [target.id], 'the new word finds it');
      const [hit] = assertJson(await h.search(bob, { q: after }), 200).items;
      assert.equal(hit.body, `the ${after} sat`);
      assert.notEqual(hit.editedAt, null);

      assertJson(await h.remove(alice, conversation.id, target.id), 200);
      assert.deepEqual(await ids(after), [], 'a deleted message is not found');
      assertJson(await h.remove(bob, conversation.id, other.id), 200);
      assert.deepEqual(await ids(before), []);
      assert.deepEqual(await ids(kept), []);
    });

    it('follows an edit made right after the send', async () => {
      const { alice, conversation } = await h.pair('srch2');
      const word = `dugong${uniqueSuffix(8)}`;
      const fresh = `echidna${uniqueSuffix(8)}`;
      const sent = await h.send(alice, conversation.id, word);
      const [edited] = await Promise.all([
        h.edit(alice, conversation.id, sent.id, fresh),
        h.send(alice, conversation.id, 'unrelated'),
      ]);
      assertJson(edited, 200);
      assert.deepEqual(assertJson(await h.search(alice, { q: word }), 200).items, []);
      assert.deepEqual(
        assertJson(await h.search(alice, { q: fresh }), 200).items.map((m) => m.id),
        [sent.id],
      );
    });
  });
});

describe('site admin', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: SITE_ADMIN_ENV });
  const h = messageHelpers(() => ctx);

  it("deletes other members' messages in a group and a direct conversation, but edits only its own", async () => {
    const root = await loginSiteAdmin(ctx.client);
    const alice = await registerUser(ctx.client, 'sa');
    const bob = await registerUser(ctx.client, 'sab');
    const group = await h.group(alice, [bob, root]);
    const view = await h.conversation(root, group.id);
    assert.equal(view.members.find((m) => m.userId === root.user.id).role, 'member');
    const fromBob = await h.send(bob, group.id, 'moderate me');
    const fromAlice = await h.send(alice, group.id, "the owner's");

    assertProblem(await h.edit(root, group.id, fromBob.id, 'rewritten'), 403, 'forbidden');
    const removed = assertJson(await h.remove(root, group.id, fromBob.id), 200);
    assertChange(removed, {
      conversationId: group.id,
      changeSeq: 3,
      type: 'deleted',
      actorId: root.user.id,
      messageId: fromBob.id,
    });
    assert.equal(assertJson(await h.remove(root, group.id, fromAlice.id), 200).changeSeq, 4);

    const direct = await h.direct(root, bob);
    const inDirect = await h.send(bob, direct.id, 'direct words');
    assert.equal(assertJson(await h.remove(root, direct.id, inDirect.id), 200).actorId, root.user.id);
    const own = await h.send(root, direct.id, 'mine');
    assert.equal(assertJson(await h.edit(root, direct.id, own.id, 'mine, edited'), 200).changeSeq, 4);
  });

  it('has no right in a conversation it is not a member of', async () => {
    const root = await loginSiteAdmin(ctx.client);
    const { alice, conversation } = await h.pair('sanm');
    const sent = await h.send(alice, conversation.id, 'private');
    assertProblem(await h.remove(root, conversation.id, sent.id), 404, 'not_found');
    assertProblem(await h.changes(root, conversation.id), 404, 'not_found');
    assert.equal((await h.history(alice, conversation.id))[0].body, 'private');
  });
});

describe('edit window', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_EDIT_WINDOW_SECONDS: '1' } });
  const h = messageHelpers(() => ctx);

  it('refuses an edit once the window has passed, with 403; deletes and retries still work', async () => {
    const { alice, conversation } = await h.pair('win');
    const id = conversation.id;
    const young = await h.send(alice, id, 'young');
    const key = `win-${uniqueSuffix(10)}`;
    const inTime = assertJson(await h.edit(alice, id, young.id, 'young, edited', key), 200);
    const old = await h.send(alice, id, 'soon too old');

    await sleep(2_500); // well past the one-second window
    const problem = assertProblem(await h.edit(alice, id, old.id, 'too late'), 403, 'forbidden');
    assert.equal(problem.detail, 'the edit window has passed');
    // The retry of an edit made in time is answered, however late it comes.
    assert.deepEqual(assertJson(await h.edit(alice, id, young.id, 'young, edited', key), 200), inTime);
    const removed = assertJson(await h.remove(alice, id, old.id), 200);
    assert.equal(removed.changeSeq, 4, 'created, edited, created, deleted');
    assert.deepEqual(
      (await h.history(alice, id)).map((m) => m.body),
      ['young, edited', ''],
    );
  });

});

describe('edit window of 0', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_EDIT_WINDOW_SECONDS: '0' } });
  const h = messageHelpers(() => ctx);

  it('lets a message be edited at any age', async () => {
    const { alice, conversation } = await h.pair('nowin');
    const sent = await h.send(alice, conversation.id, 'old words');
    await sleep(1_500); // older than a one-second window would allow
    const change = assertJson(await h.edit(alice, conversation.id, sent.id, 'new words'), 200);
    assert.equal(change.message.body, 'new words');
  });
});
