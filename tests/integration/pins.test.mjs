import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertFieldError, assertJson, assertProblem, registerUser, uniqueSuffix, useServer } from './harness.mjs';
import { SITE_ADMIN_ENV, assertFeedChange, loginSiteAdmin, messageHelpers, rfc3339, sleep } from './message_helpers.mjs';

// Pins over HTTP: PUT and DELETE of .../pins/{messageId}, GET .../pins. In a group its
// owner and admins pin and unpin, in a direct conversation either member, and a site admin
// in any conversation they are a member of. Pinning and unpinning are changes of the
// conversation's feed (pinned / unpinned, emoji null); a repeat answers the latest change
// that made it so; a delete unpins the message without a change of its own. The list
// shows the latest pin first, each message as it is now with the reader's `me` marks.

const NO_SUCH_ID = '987654321987654321';
const THUMBS = '\u{1F44D}';
const PARTY = '\u{1F389}';

/** messageHelpers plus pins: pin and unpin as sent, the list, leaving a group. */
function helpers(get) {
  const client = () => get().client;
  const h = messageHelpers(get);
  return Object.assign(h, {
    /** PUT …/pins/{messageId}, with `clientChangeId` in the query when given. */
    pin(user, conversationId, messageId, clientChangeId) {
      const query = clientChangeId === undefined ? '' : `?clientChangeId=${encodeURIComponent(clientChangeId)}`;
      return client().put(`/api/v1/conversations/${conversationId}/pins/${messageId}${query}`, { token: user?.accessToken });
    },
    /** DELETE …/pins/{messageId}, with `clientChangeId` in the query when given. */
    unpin(user, conversationId, messageId, clientChangeId) {
      const query = clientChangeId === undefined ? '' : `?clientChangeId=${encodeURIComponent(clientChangeId)}`;
      return client().del(`/api/v1/conversations/${conversationId}/pins/${messageId}${query}`, { token: user?.accessToken });
    },
    pinsRes(user, conversationId) {
      return client().get(`/api/v1/conversations/${conversationId}/pins`, { token: user?.accessToken });
    },
    /** The items of GET …/pins as `user` reads them. */
    async pins(user, conversationId) {
      const answer = assertJson(await h.pinsRes(user, conversationId), 200);
      assert.deepEqual(Object.keys(answer), ['items'], `GET pins: ${JSON.stringify(answer)}`);
      for (const item of answer.items) {
        assert.deepEqual(Object.keys(item).sort(), ['message', 'pinnedAt', 'pinnedBy'], JSON.stringify(item));
        assert.match(item.pinnedAt, rfc3339);
      }
      return answer.items;
    },
    /** The ids of the pinned messages, in listed order. */
    async pinnedIds(user, conversationId) {
      return (await h.pins(user, conversationId)).map((p) => p.message.id);
    },
    async leave(user, conversationId) {
      const res = await client().del(`/api/v1/conversations/${conversationId}/members/${user.user.id}`, {
        token: user.accessToken,
      });
      assert.equal(res.status, 204, res.text);
    },
  });
}

/** A pin change carries no emoji. */
function assertPinChange(change, expected) {
  assertFeedChange(change, { ...expected, emoji: null });
}

const FORBIDDEN = 'only a group owner or admin can pin a message';

describe('pins', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started));
  const h = helpers(() => ctx);

  describe('pin and unpin', () => {
    it('answers a pin with a pinned change and an unpin with an unpinned one; each takes a changeSeq, no seq', async () => {
      const { alice, bob, conversation } = await h.pair('pin');
      const id = conversation.id;
      const sent = await h.send(bob, id, 'pin me');
      assert.deepEqual(await h.pins(alice, id), [], 'nothing is pinned at first');

      const pinned = assertJson(await h.pin(alice, id, sent.id), 200);
      assertPinChange(pinned, { conversationId: id, changeSeq: 2, type: 'pinned', actorId: alice.user.id, messageId: sent.id });
      const message = pinned.message;
      assert.equal(message.body, 'pin me');
      assert.equal(message.seq, sent.seq);
      assert.equal(message.senderId, bob.user.id);
      assert.equal(message.changeSeq, sent.changeSeq, "a pin leaves the message's changeSeq as it was");
      assert.equal(message.editedAt, null, 'a pin is not an edit');
      assert.equal(message.deletedAt, null);
      assert.deepEqual(message.reactions, []);
      let view = await h.conversation(bob, id);
      assert.equal(view.lastSeq, 1, 'a pin takes no seq');
      assert.equal(view.lastChangeSeq, 2);

      for (const reader of [alice, bob]) {
        const [item] = await h.pins(reader, id);
        assert.equal(item.pinnedBy, alice.user.id);
        assert.equal(item.pinnedAt, pinned.at, 'pinnedAt is the time of the pin');
        assert.deepEqual(item.message, { ...sent, reactions: [] });
      }

      const unpinned = assertJson(await h.unpin(alice, id, sent.id), 200);
      assertPinChange(unpinned, {
        conversationId: id,
        changeSeq: 3,
        type: 'unpinned',
        actorId: alice.user.id,
        messageId: sent.id,
      });
      assert.ok(Date.parse(unpinned.at) >= Date.parse(pinned.at));
      assert.deepEqual(await h.pins(bob, id), []);
      view = await h.conversation(alice, id);
      assert.equal(view.lastSeq, 1);
      assert.equal(view.lastChangeSeq, 3);
      assert.deepEqual(
        (await h.history(bob, id)).map((m) => [m.id, m.body, m.changeSeq, m.editedAt]),
        [[sent.id, 'pin me', 1, null]],
        'pins leave the message in history as it was',
      );
    });

    it('lists the latest pin first; unpinning takes a message out and pinning it again puts it on top', async () => {
      const { alice, bob, conversation } = await h.pair('order');
      const id = conversation.id;
      const m = [];
      for (let i = 0; i < 4; i += 1) m.push(await h.send(i % 2 ? alice : bob, id, `m${i}`)); // 1..4
      // Pinned neither in seq order nor its reverse, milliseconds apart (pins of one
      // millisecond are the next test's).
      const p2 = assertJson(await h.pin(alice, id, m[2].id), 200); // 5
      await sleep(5);
      const p0 = assertJson(await h.pin(alice, id, m[0].id), 200); // 6
      await sleep(5);
      const p3 = assertJson(await h.pin(alice, id, m[3].id), 200); // 7
      assert.deepEqual([p2, p0, p3].map((c) => c.changeSeq), [5, 6, 7]);
      const listed = await h.pins(bob, id);
      assert.deepEqual(listed.map((p) => p.message.id), [m[3].id, m[0].id, m[2].id]);
      assert.deepEqual(listed.map((p) => p.pinnedAt), [p3.at, p0.at, p2.at]);
      assert.deepEqual(listed.map((p) => p.message.body), ['m3', 'm0', 'm2']);

      // A repeat moves nothing.
      assert.equal(assertJson(await h.pin(alice, id, m[2].id), 200).changeSeq, 5);
      assert.deepEqual(await h.pinnedIds(bob, id), [m[3].id, m[0].id, m[2].id]);

      assertJson(await h.unpin(alice, id, m[0].id), 200); // 8
      assert.deepEqual(await h.pinnedIds(bob, id), [m[3].id, m[2].id]);
      await sleep(5);
      const again = assertJson(await h.pin(alice, id, m[0].id), 200); // 9
      assert.equal(again.changeSeq, 9);
      const now = await h.pins(alice, id);
      assert.deepEqual(now.map((p) => p.message.id), [m[0].id, m[3].id, m[2].id]);
      assert.equal(now[0].pinnedAt, again.at, 'pinnedAt is the latest pin');
      assert.equal(await h.lastChangeSeq(alice, id), 9);
    });

    it('lists pins made at once in the order of their changeSeq, latest first', async () => {
      const { alice, conversation } = await h.pair('burst');
      const id = conversation.id;
      const sent = [];
      for (let i = 0; i < 8; i += 1) sent.push(await h.send(alice, id, `b${i}`));
      // Pinned at once, newest message first: several pins fall in one millisecond, and
      // the latest of them is the one with the highest changeSeq, whatever its message.
      const changes = await Promise.all([...sent].reverse().map((m) => h.pin(alice, id, m.id)));
      const byChangeSeq = changes
        .map((res) => assertJson(res, 200))
        .sort((x, y) => y.changeSeq - x.changeSeq)
        .map((c) => c.message.id);
      assert.deepEqual(await h.pinnedIds(alice, id), byChangeSeq);
    });

    it('shows each pinned message as it is now, its reactions marked with me for the reader', async () => {
      const alice = await registerUser(ctx.client, 'mea');
      const bob = await registerUser(ctx.client, 'meb');
      const carol = await registerUser(ctx.client, 'mec');
      const group = await h.group(alice, [bob, carol]);
      const id = group.id;
      const one = await h.send(bob, id, 'one');
      const two = await h.send(carol, id, 'two');
      assertJson(await h.pin(alice, id, one.id), 200); // 3
      assertJson(await h.pin(alice, id, two.id), 200); // 4
      assertJson(await h.react(alice, id, one.id, THUMBS), 200);
      assertJson(await h.react(bob, id, one.id, THUMBS), 200);
      assertJson(await h.react(bob, id, one.id, PARTY), 200);
      assertJson(await h.edit(bob, id, one.id, 'one, edited after the pin'), 200);

      const seenBy = async (user) => {
        const [first, second] = await h.pins(user, id);
        assert.equal(first.message.id, two.id);
        assert.deepEqual(first.message.reactions, [], 'no reactions, no entries');
        assert.equal(second.message.id, one.id);
        assert.equal(second.message.body, 'one, edited after the pin');
        assert.notEqual(second.message.editedAt, null);
        return second.message.reactions;
      };
      assert.deepEqual(await seenBy(alice), [
        { emoji: THUMBS, count: 2, me: true },
        { emoji: PARTY, count: 1, me: false },
      ]);
      assert.deepEqual(await seenBy(bob), [
        { emoji: THUMBS, count: 2, me: true },
        { emoji: PARTY, count: 1, me: true },
      ]);
      assert.deepEqual(await seenBy(carol), [
        { emoji: THUMBS, count: 2, me: false },
        { emoji: PARTY, count: 1, me: false },
      ]);
      // The listed message is the one history shows.
      const inHistory = (await h.history(bob, id)).find((m) => m.id === one.id);
      assert.deepEqual((await h.pins(bob, id))[1].message, inHistory);
    });
  });

  describe('repeats', () => {
    it('answers a pin of a pinned message and an unpin of an unpinned one with the latest change that made it so, and records nothing', async () => {
      const { alice, bob, conversation } = await h.pair('rep');
      const id = conversation.id;
      const sent = await h.send(bob, id, 'again and again');
      const on = assertJson(await h.pin(alice, id, sent.id), 200); // 2
      assert.deepEqual(assertJson(await h.pin(alice, id, sent.id), 200), on);
      assert.equal(await h.lastChangeSeq(alice, id), 2);

      const off = assertJson(await h.unpin(alice, id, sent.id), 200); // 3
      assert.deepEqual(assertJson(await h.unpin(alice, id, sent.id), 200), off);
      assert.equal(await h.lastChangeSeq(alice, id), 3);

      const on2 = assertJson(await h.pin(alice, id, sent.id), 200); // 4
      assert.equal(on2.changeSeq, 4);
      const on2Again = assertJson(await h.pin(alice, id, sent.id), 200);
      assert.equal(on2Again.changeSeq, 4, 'the latest pin, not the first');
      assert.equal(on2Again.type, 'pinned');
      const off2 = assertJson(await h.unpin(alice, id, sent.id), 200); // 5
      const off2Again = assertJson(await h.unpin(alice, id, sent.id), 200);
      assert.equal(off2Again.changeSeq, 5, 'the latest unpin, not the first');
      assert.deepEqual(off2Again, off2);
      assert.equal(await h.lastChangeSeq(alice, id), 5);
      assert.deepEqual(
        (await h.feed(bob, id)).map((c) => [c.changeSeq, c.type, c.actorId, c.emoji]),
        [
          [1, 'created', bob.user.id, null],
          [2, 'pinned', alice.user.id, null],
          [3, 'unpinned', alice.user.id, null],
          [4, 'pinned', alice.user.id, null],
          [5, 'unpinned', alice.user.id, null],
        ],
      );
    });

    it('answers the change of whoever made it so: in a direct conversation, the other member’s pin', async () => {
      const alice = await registerUser(ctx.client, 'dra');
      const bob = await registerUser(ctx.client, 'drb');
      const direct = await h.direct(alice, bob);
      const sent = await h.send(alice, direct.id, 'pinned by bob');
      const byBob = assertJson(await h.pin(bob, direct.id, sent.id), 200); // 2
      assert.equal(byBob.actorId, bob.user.id);
      const byAlice = assertJson(await h.pin(alice, direct.id, sent.id), 200);
      assert.deepEqual(byAlice, byBob, "alice's repeat answers bob's pin");
      const [item] = await h.pins(alice, direct.id);
      assert.equal(item.pinnedBy, bob.user.id);
      const off = assertJson(await h.unpin(alice, direct.id, sent.id), 200); // 3
      assert.equal(off.actorId, alice.user.id);
      assert.deepEqual(assertJson(await h.unpin(bob, direct.id, sent.id), 200), off);
      assert.equal(await h.lastChangeSeq(bob, direct.id), 3);
    });

    it('answers 404 pin not found to unpinning a message never pinned, and records nothing', async () => {
      const { alice, bob, conversation } = await h.pair('never');
      const id = conversation.id;
      const sent = await h.send(bob, id, 'never pinned');
      const other = await h.send(bob, id, 'pinned');
      assertJson(await h.pin(alice, id, other.id), 200); // 3
      const problem = assertProblem(await h.unpin(alice, id, sent.id), 404, 'not_found');
      assert.equal(problem.detail, 'pin not found');
      assert.equal(
        assertProblem(await h.unpin(alice, id, sent.id, `never-${uniqueSuffix(8)}`), 404, 'not_found').detail,
        'pin not found',
      );
      assert.equal(await h.lastChangeSeq(alice, id), 3);
      assert.deepEqual(await h.pinnedIds(bob, id), [other.id]);
    });
  });

  describe('who may pin', () => {
    it("lets a group's owner pin and unpin any member's message, and refuses the other members with 403", async () => {
      const alice = await registerUser(ctx.client, 'whoa');
      const bob = await registerUser(ctx.client, 'whob');
      const carol = await registerUser(ctx.client, 'whoc');
      const group = await h.group(alice, [bob, carol]);
      const id = group.id;
      const view = await h.conversation(alice, id);
      assert.deepEqual(
        Object.fromEntries(view.members.map((m) => [m.userId, m.role])),
        { [alice.user.id]: 'owner', [bob.user.id]: 'member', [carol.user.id]: 'member' },
      );
      const fromBob = await h.send(bob, id, "bob's");
      const fromAlice = await h.send(alice, id, "alice's");

      // A plain member may not pin, not even their own message, and may not unpin.
      for (const [user, message] of [
        [bob, fromBob],
        [bob, fromAlice],
        [carol, fromBob],
      ]) {
        for (const res of [await h.pin(user, id, message.id), await h.unpin(user, id, message.id)]) {
          assert.equal(assertProblem(res, 403, 'forbidden').detail, FORBIDDEN);
        }
      }
      assert.equal(await h.lastChangeSeq(alice, id), 2);
      assertJson(await h.pin(alice, id, fromBob.id), 200); // 3
      assertJson(await h.pin(alice, id, fromAlice.id), 200); // 4
      // Nor unpin what the owner pinned, nor repeat it.
      for (const res of [
        await h.unpin(bob, id, fromBob.id),
        await h.pin(bob, id, fromBob.id),
        await h.unpin(carol, id, fromAlice.id, `k-${uniqueSuffix(8)}`),
      ]) {
        assert.equal(assertProblem(res, 403, 'forbidden').detail, FORBIDDEN);
      }
      assert.deepEqual(await h.pinnedIds(carol, id), [fromAlice.id, fromBob.id], 'every member reads the pins');
      assertJson(await h.unpin(alice, id, fromBob.id), 200); // 5
      assert.equal(await h.lastChangeSeq(alice, id), 5);
    });

    it('lets a member the owner made an admin pin and unpin, and no longer once made a plain member again', async () => {
      const alice = await registerUser(ctx.client, 'wadm');
      const bob = await registerUser(ctx.client, 'wadb');
      const group = await h.group(alice, [bob]);
      const id = group.id;
      const message = await h.send(alice, id, 'pin me, admin');
      assert.equal(assertProblem(await h.pin(bob, id, message.id), 403, 'forbidden').detail, FORBIDDEN);
      const setRole = (role) =>
        ctx.client.patch(`/api/v1/conversations/${id}/members/${bob.user.id}`, {
          token: alice.accessToken,
          body: { role },
        });
      assertJson(await setRole('admin'), 200);
      assertFeedChange(assertJson(await h.pin(bob, id, message.id), 200), {
        conversationId: id,
        type: 'pinned',
        actorId: bob.user.id,
        messageId: message.id,
        emoji: null,
      });
      assertJson(await h.unpin(bob, id, message.id), 200);
      assertJson(await setRole('member'), 200);
      assert.equal(assertProblem(await h.pin(bob, id, message.id), 403, 'forbidden').detail, FORBIDDEN);
    });

    it('lets either member of a direct conversation pin and unpin, whoever sent the message or pinned it', async () => {
      const alice = await registerUser(ctx.client, 'dira');
      const bob = await registerUser(ctx.client, 'dirb');
      const direct = await h.direct(alice, bob);
      const id = direct.id;
      const fromAlice = await h.send(alice, id, "alice's");
      const fromBob = await h.send(bob, id, "bob's");
      assertPinChange(assertJson(await h.pin(bob, id, fromAlice.id), 200), {
        conversationId: id,
        changeSeq: 3,
        type: 'pinned',
        actorId: bob.user.id,
        messageId: fromAlice.id,
      });
      assert.equal(assertJson(await h.pin(alice, id, fromBob.id), 200).changeSeq, 4);
      const pins = await h.pins(bob, id);
      assert.deepEqual(
        pins.map((p) => [p.message.id, p.pinnedBy]),
        [
          [fromBob.id, alice.user.id],
          [fromAlice.id, bob.user.id],
        ],
      );
      assert.equal(assertJson(await h.unpin(alice, id, fromAlice.id), 200).actorId, alice.user.id); // 5
      assert.equal(assertJson(await h.unpin(bob, id, fromBob.id), 200).changeSeq, 6);
      assert.deepEqual(await h.pins(alice, id), []);
    });

    it('answers 404 conversation not found to a non-member, a former member, and a conversation that does not exist', async () => {
      const { alice, bob, conversation } = await h.pair('nm');
      const carol = await registerUser(ctx.client, 'nmc');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'members only');
      assertJson(await h.pin(alice, id, sent.id), 200); // 2
      for (const res of [
        await h.pin(carol, id, sent.id),
        await h.unpin(carol, id, sent.id),
        await h.pinsRes(carol, id),
        await h.pin(alice, NO_SUCH_ID, sent.id),
        await h.unpin(alice, NO_SUCH_ID, sent.id),
        await h.pinsRes(alice, NO_SUCH_ID),
      ]) {
        assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
      }
      // A direct conversation between two others is not carol's either.
      const direct = await h.direct(alice, bob);
      const said = await h.send(alice, direct.id, 'between us');
      for (const res of [await h.pin(carol, direct.id, said.id), await h.pinsRes(carol, direct.id)]) {
        assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
      }

      await h.leave(bob, id);
      for (const res of [await h.pinsRes(bob, id), await h.unpin(bob, id, sent.id), await h.pin(bob, id, sent.id)]) {
        assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
      }
      assert.equal(await h.lastChangeSeq(alice, id), 2);
      assert.deepEqual(await h.pinnedIds(alice, id), [sent.id]);
    });

    it('answers 404 message not found for a message of another conversation or none at all', async () => {
      const { alice, conversation } = await h.pair('nf');
      const mine = await h.send(alice, conversation.id, 'here');
      const elsewhere = await h.pair('nf2');
      const foreign = await h.send(elsewhere.alice, elsewhere.conversation.id, 'there');
      // Alice owns both: the message exists, only not in this conversation.
      const both = await h.group(alice, [elsewhere.alice]);
      const inBoth = await h.send(alice, both.id, 'shared');
      for (const messageId of [foreign.id, inBoth.id, NO_SUCH_ID]) {
        for (const res of [await h.pin(alice, conversation.id, messageId), await h.unpin(alice, conversation.id, messageId)]) {
          assert.equal(assertProblem(res, 404, 'not_found').detail, 'message not found');
        }
      }
      for (const [conversationId, messageId] of [
        ['abc', mine.id],
        ['0', mine.id],
        [conversation.id, 'abc'],
        [conversation.id, '0'],
        [conversation.id, '12345678901234567890123'],
      ]) {
        assertProblem(await h.pin(alice, conversationId, messageId), 404, 'not_found');
        assertProblem(await h.unpin(alice, conversationId, messageId), 404, 'not_found');
      }
      assertProblem(await h.pinsRes(alice, 'abc'), 404, 'not_found');
      assert.deepEqual(await h.pins(alice, both.id), []);
      assert.deepEqual(await h.pins(elsewhere.alice, elsewhere.conversation.id), []);
      assert.equal(await h.lastChangeSeq(alice, conversation.id), 1);
    });

    it('answers 401 without a valid token', async () => {
      const { alice, conversation } = await h.pair('unauth');
      const sent = await h.send(alice, conversation.id, 'hi');
      for (const user of [undefined, { accessToken: 'not-a-token' }]) {
        assertProblem(await h.pin(user, conversation.id, sent.id), 401, 'unauthenticated');
        assertProblem(await h.unpin(user, conversation.id, sent.id), 401, 'unauthenticated');
        assertProblem(await h.pinsRes(user, conversation.id), 401, 'unauthenticated');
      }
      assert.equal(await h.lastChangeSeq(alice, conversation.id), 1);
    });
  });

  describe('deleted messages', () => {
    it('unpins a message when it is deleted, without a change of its own, and refuses to pin or unpin it with 409', async () => {
      const { alice, bob, conversation } = await h.pair('gone');
      const id = conversation.id;
      const doomed = await h.send(bob, id, 'soon gone'); // 1
      const kept = await h.send(bob, id, 'stays'); // 2
      const never = await h.send(bob, id, 'deleted, never pinned'); // 3
      assertJson(await h.pin(alice, id, doomed.id), 200); // 4
      assertJson(await h.pin(alice, id, kept.id), 200); // 5
      assert.deepEqual(await h.pinnedIds(bob, id), [kept.id, doomed.id]);

      // The sender deletes it: no owner is needed to take a pin away this way.
      const deleted = assertJson(await h.remove(bob, id, doomed.id), 200); // 6
      assert.equal(deleted.changeSeq, 6);
      assert.equal(deleted.type, 'deleted');
      assert.deepEqual(await h.pinnedIds(alice, id), [kept.id]);
      assert.deepEqual(await h.pinnedIds(bob, id), [kept.id]);
      assertJson(await h.remove(alice, id, never.id), 200); // 7

      for (const res of [
        await h.pin(alice, id, doomed.id),
        await h.unpin(alice, id, doomed.id),
        await h.pin(alice, id, never.id),
        await h.unpin(alice, id, never.id),
        await h.pin(alice, id, doomed.id, `gone-${uniqueSuffix(8)}`),
      ]) {
        assert.equal(assertProblem(res, 409, 'conflict').detail, 'the message was deleted');
      }
      assert.equal(await h.lastChangeSeq(alice, id), 7);
      assert.deepEqual(await h.pinnedIds(bob, id), [kept.id]);

      // The feed keeps the pin, shows the tombstone, and has no unpinned entry.
      const feed = await h.feed(bob, id);
      assert.deepEqual(
        feed.map((c) => [c.changeSeq, c.type, c.message.id]),
        [
          [1, 'created', doomed.id],
          [2, 'created', kept.id],
          [3, 'created', never.id],
          [4, 'pinned', doomed.id],
          [5, 'pinned', kept.id],
          [6, 'deleted', doomed.id],
          [7, 'deleted', never.id],
        ],
      );
      assert.equal(feed[3].message.body, '');
      assert.notEqual(feed[3].message.deletedAt, null);
    });
  });

  describe('clientChangeId', () => {
    it('answers a retried pin or unpin with the first change, even after later changes', async () => {
      const { alice, bob, conversation } = await h.pair('retry');
      const id = conversation.id;
      const sent = await h.send(bob, id, 'retry me');
      const pinKey = `pk-${uniqueSuffix(10)}`;
      const first = assertJson(await h.pin(alice, id, sent.id, pinKey), 200); // 2
      assert.deepEqual(assertJson(await h.pin(alice, id, sent.id, pinKey), 200), first);
      assert.equal(await h.lastChangeSeq(bob, id), 2);

      const unpinKey = `uk-${uniqueSuffix(10)}`;
      const off = assertJson(await h.unpin(alice, id, sent.id, unpinKey), 200); // 3
      assert.equal(off.changeSeq, 3);
      // The pin's retry after the unpin: the first change, and no new pin.
      const late = assertJson(await h.pin(alice, id, sent.id, pinKey), 200);
      assert.equal(late.changeSeq, 2);
      assert.equal(late.type, 'pinned');
      assert.equal(late.at, first.at);
      assert.deepEqual(await h.pins(bob, id), [], 'the late retry pinned nothing');
      assert.deepEqual(assertJson(await h.unpin(alice, id, sent.id, unpinKey), 200), off);
      assert.equal(await h.lastChangeSeq(bob, id), 3);

      // A fresh key makes a new pin.
      assert.equal(assertJson(await h.pin(alice, id, sent.id, `pk2-${uniqueSuffix(10)}`), 200).changeSeq, 4);
    });

    it('answers 409 to a key reused for another message, kind or conversation, or used by a reaction, edit or delete, and records nothing', async () => {
      const { alice, bob, conversation } = await h.pair('reuse');
      const id = conversation.id;
      const one = await h.send(alice, id, 'one');
      const two = await h.send(alice, id, 'two');
      const key = `k-${uniqueSuffix(10)}`;
      assertJson(await h.pin(alice, id, one.id, key), 200); // 3

      const elsewhere = await h.group(alice, [bob]);
      const three = await h.send(alice, elsewhere.id, 'three');
      const conflicts = [
        await h.pin(alice, id, two.id, key),
        await h.unpin(alice, id, one.id, key),
        await h.pin(alice, elsewhere.id, three.id, key),
        await h.react(alice, id, one.id, THUMBS, key),
        await h.edit(alice, id, one.id, 'one, edited', key),
        await h.remove(alice, id, two.id, `?clientChangeId=${key}`),
      ];
      for (const res of conflicts) {
        assert.equal(assertProblem(res, 409, 'conflict').detail, 'clientChangeId was already used for a different change');
      }

      // Keys of a reaction, an edit and a delete are not a pin's either.
      const reactKey = `r-${uniqueSuffix(10)}`;
      const editKey = `e-${uniqueSuffix(10)}`;
      assertJson(await h.react(alice, id, two.id, THUMBS, reactKey), 200); // 4
      assertJson(await h.edit(alice, id, two.id, 'two, edited', editKey), 200); // 5
      for (const k of [reactKey, editKey]) {
        assertProblem(await h.pin(alice, id, two.id, k), 409, 'conflict');
        assertProblem(await h.unpin(alice, id, one.id, k), 409, 'conflict');
      }
      assert.equal(await h.lastChangeSeq(alice, id), 5);
      assert.deepEqual(await h.pinnedIds(alice, id), [one.id]);
      assert.deepEqual(await h.pins(alice, elsewhere.id), []);
      assert.deepEqual(
        (await h.history(alice, id)).map((m) => m.body),
        ['one', 'two, edited'],
      );
    });

    it("keeps each user's keys apart", async () => {
      const alice = await registerUser(ctx.client, 'keysa');
      const bob = await registerUser(ctx.client, 'keysb');
      const direct = await h.direct(alice, bob);
      const id = direct.id;
      const one = await h.send(alice, id, 'one');
      const two = await h.send(alice, id, 'two');
      const key = `shared-${uniqueSuffix(10)}`;
      const byAlice = assertJson(await h.pin(alice, id, one.id, key), 200);
      const byBob = assertJson(await h.pin(bob, id, two.id, key), 200);
      assert.deepEqual([byAlice.changeSeq, byBob.changeSeq], [3, 4]);
      assert.equal(byBob.actorId, bob.user.id);
      assert.deepEqual(await h.pinnedIds(alice, id), [two.id, one.id]);
    });

    it('refuses a key that is not 1-64 printable ASCII characters with 400, before anything else', async () => {
      const { alice, bob, conversation } = await h.pair('badkey');
      const id = conversation.id;
      const sent = await h.send(alice, id, 'keys');
      const bad = ['k'.repeat(65), 'with space', 'tab\there', 'caf\u00e9', 'new\nline', 'del\u007f', ''];
      for (const key of bad) {
        assertFieldError(await h.pin(alice, id, sent.id, key), 'clientChangeId');
      }
      assertJson(await h.pin(alice, id, sent.id), 200); // 2
      for (const key of bad) {
        assertFieldError(await h.unpin(alice, id, sent.id, key), 'clientChangeId');
      }
      assert.equal(await h.lastChangeSeq(alice, id), 2);
      assert.deepEqual(await h.pinnedIds(bob, id), [sent.id]);
      const longest = `${'!~'.repeat(31)}Az`;
      assert.equal(assertJson(await h.unpin(alice, id, sent.id, longest), 200).changeSeq, 3);
      assert.equal(assertJson(await h.pin(alice, id, sent.id, 'x'), 200).changeSeq, 4);
    });
  });

  describe('the change feed', () => {
    it('has every pin and unpin next to the other changes, with emoji null, and each entry matches its answer', async () => {
      const { alice, bob, conversation } = await h.pair('feed');
      const id = conversation.id;
      const m1 = await h.send(bob, id, 'one'); // 1
      const p1 = assertJson(await h.pin(alice, id, m1.id), 200); // 2
      const m2 = await h.send(alice, id, 'two'); // 3
      const r1 = assertJson(await h.react(bob, id, m1.id, THUMBS), 200); // 4
      const p2 = assertJson(await h.pin(alice, id, m2.id), 200); // 5
      const u1 = assertJson(await h.unpin(alice, id, m1.id), 200); // 6
      const e1 = assertJson(await h.edit(alice, id, m2.id, 'two, edited'), 200); // 7
      assert.deepEqual(
        [m1, p1, m2, r1, p2, u1, e1].map((x) => x.changeSeq),
        [1, 2, 3, 4, 5, 6, 7],
      );
      const forBob = await h.feed(bob, id);
      assert.deepEqual(
        forBob.map((c) => [c.changeSeq, c.type, c.actorId, c.emoji, c.message.id]),
        [
          [1, 'created', bob.user.id, null, m1.id],
          [2, 'pinned', alice.user.id, null, m1.id],
          [3, 'created', alice.user.id, null, m2.id],
          [4, 'reacted', bob.user.id, THUMBS, m1.id],
          [5, 'pinned', alice.user.id, null, m2.id],
          [6, 'unpinned', alice.user.id, null, m1.id],
          [7, 'edited', alice.user.id, null, m2.id],
        ],
      );
      for (const answer of [p1, p2, u1]) {
        const entry = forBob[answer.changeSeq - 1];
        assertPinChange(entry, {
          conversationId: id,
          changeSeq: answer.changeSeq,
          type: answer.type,
          actorId: alice.user.id,
          messageId: answer.message.id,
        });
        assert.deepEqual({ ...entry, message: null }, { ...answer, message: null }, `entry ${answer.changeSeq}`);
      }
      // Entries carry the message as it is now, marked for the reader.
      assert.deepEqual(forBob[1].message.reactions, [{ emoji: THUMBS, count: 1, me: true }]);
      assert.equal(forBob[4].message.body, 'two, edited');
      const forAlice = await h.feed(alice, id);
      assert.deepEqual(forAlice[1].message.reactions, [{ emoji: THUMBS, count: 1, me: false }]);
      assert.deepEqual(
        forAlice.map((c) => ({ ...c, message: null })),
        forBob.map((c) => ({ ...c, message: null })),
      );
      // Pages walk the pin changes like any other.
      assert.deepEqual(await h.feed(bob, id, 2), forBob);
      const tail = assertJson(
        await ctx.client.get(`/api/v1/conversations/${id}/changes?after=4`, { token: bob.accessToken }),
        200,
      ).items;
      assert.deepEqual(tail.map((c) => [c.changeSeq, c.type]), [
        [5, 'pinned'],
        [6, 'unpinned'],
        [7, 'edited'],
      ]);
    });
  });
});

describe('site admin pins', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: SITE_ADMIN_ENV });
  const h = helpers(() => ctx);

  it('pins and unpins in a group where it is a plain member, and in a direct conversation', async () => {
    const root = await loginSiteAdmin(ctx.client);
    const alice = await registerUser(ctx.client, 'sa');
    const bob = await registerUser(ctx.client, 'sab');
    const group = await h.group(alice, [bob, root]);
    const view = await h.conversation(root, group.id);
    assert.equal(view.members.find((m) => m.userId === root.user.id).role, 'member');
    const fromBob = await h.send(bob, group.id, 'pin me, admin');

    const pinned = assertJson(await h.pin(root, group.id, fromBob.id), 200);
    assertPinChange(pinned, {
      conversationId: group.id,
      changeSeq: 2,
      type: 'pinned',
      actorId: root.user.id,
      messageId: fromBob.id,
    });
    assert.deepEqual(
      (await h.pins(bob, group.id)).map((p) => [p.message.id, p.pinnedBy]),
      [[fromBob.id, root.user.id]],
    );
    // The owner may unpin what the site admin pinned, and the other way round.
    assertJson(await h.unpin(alice, group.id, fromBob.id), 200); // 3
    assertJson(await h.pin(alice, group.id, fromBob.id), 200); // 4
    assert.equal(assertJson(await h.unpin(root, group.id, fromBob.id), 200).changeSeq, 5);
    assert.equal(assertProblem(await h.pin(bob, group.id, fromBob.id), 403, 'forbidden').detail, FORBIDDEN);

    const direct = await h.direct(root, bob);
    const said = await h.send(bob, direct.id, 'direct words');
    assert.equal(assertJson(await h.pin(root, direct.id, said.id), 200).actorId, root.user.id);
  });

  it('has no right in a conversation it is not a member of', async () => {
    const root = await loginSiteAdmin(ctx.client);
    const { alice, conversation } = await h.pair('sanm');
    const sent = await h.send(alice, conversation.id, 'private');
    for (const res of [
      await h.pin(root, conversation.id, sent.id),
      await h.unpin(root, conversation.id, sent.id),
      await h.pinsRes(root, conversation.id),
    ]) {
      assert.equal(assertProblem(res, 404, 'not_found').detail, 'conversation not found');
    }
    assert.deepEqual(await h.pins(alice, conversation.id), []);
  });
});

describe('pin limit (TALKLINE_PINS_PER_CONVERSATION=2)', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), { env: { TALKLINE_PINS_PER_CONVERSATION: '2' } });
  const h = helpers(() => ctx);

  it('refuses a third pinned message with 409; a repeat is no new pin; an unpin or a delete frees a place', async () => {
    const { alice, bob, conversation } = await h.pair('lim');
    const id = conversation.id;
    const m = [];
    for (let i = 0; i < 4; i += 1) m.push(await h.send(bob, id, `m${i}`)); // 1..4
    assertJson(await h.pin(alice, id, m[0].id), 200); // 5
    assertJson(await h.pin(alice, id, m[1].id), 200); // 6
    const refused = assertProblem(await h.pin(alice, id, m[2].id), 409, 'conflict');
    assert.equal(refused.detail, 'a conversation holds at most 2 pinned messages');
    assert.equal(
      assertProblem(await h.pin(alice, id, m[3].id, `lim-${uniqueSuffix(8)}`), 409, 'conflict').detail,
      'a conversation holds at most 2 pinned messages',
    );
    assert.equal(assertJson(await h.pin(alice, id, m[1].id), 200).changeSeq, 6, 'pinning a pinned message is fine');
    assert.equal(await h.lastChangeSeq(alice, id), 6);
    assert.deepEqual(await h.pinnedIds(bob, id), [m[1].id, m[0].id]);

    // An unpin frees a place.
    assertJson(await h.unpin(alice, id, m[0].id), 200); // 7
    assertJson(await h.pin(alice, id, m[2].id), 200); // 8
    assertProblem(await h.pin(alice, id, m[3].id), 409, 'conflict');
    // So does a delete.
    assertJson(await h.remove(bob, id, m[1].id), 200); // 9
    assert.equal(assertJson(await h.pin(alice, id, m[3].id), 200).changeSeq, 10);
    assertProblem(await h.pin(alice, id, m[0].id), 409, 'conflict');
    assert.deepEqual(await h.pinnedIds(bob, id), [m[3].id, m[2].id]);
    assert.equal(await h.lastChangeSeq(alice, id), 10);
  });

  it('counts per conversation', async () => {
    const { alice, bob, conversation } = await h.pair('per');
    const other = await h.group(alice, [bob]);
    for (const id of [conversation.id, other.id]) {
      const sent = [];
      for (let i = 0; i < 3; i += 1) sent.push(await h.send(alice, id, `x${i}`));
      assertJson(await h.pin(alice, id, sent[0].id), 200);
      assertJson(await h.pin(alice, id, sent[1].id), 200);
      assertProblem(await h.pin(alice, id, sent[2].id), 409, 'conflict');
      assert.equal((await h.pins(bob, id)).length, 2);
    }
  });

  it('answers a retry of a pin made before the limit was reached with that pin', async () => {
    const { alice, conversation } = await h.pair('limretry');
    const id = conversation.id;
    const m = [];
    for (let i = 0; i < 3; i += 1) m.push(await h.send(alice, id, `r${i}`));
    const key = `lr-${uniqueSuffix(10)}`;
    const first = assertJson(await h.pin(alice, id, m[0].id, key), 200); // 4
    assertJson(await h.unpin(alice, id, m[0].id), 200); // 5
    assertJson(await h.pin(alice, id, m[1].id), 200); // 6
    assertJson(await h.pin(alice, id, m[2].id), 200); // 7
    assert.deepEqual(assertJson(await h.pin(alice, id, m[0].id, key), 200).changeSeq, first.changeSeq);
    assert.equal(await h.lastChangeSeq(alice, id), 7);
  });
});
