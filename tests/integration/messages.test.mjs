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
  startServer,
  uniqueSuffix,
  createGroup as createGroupIn,
  useServer,
} from './harness.mjs';

describe('messages', () => {
  let server;
  let client;

  useServer((started) => ({ server, client } = started));

  const createGroup = (owner, members, title) => createGroupIn(client, owner, members, title);

  /// A fresh group of two, so every test starts at seq 1.
  async function pair(prefix) {
    const alice = await registerUser(client, `${prefix}a`);
    const bob = await registerUser(client, `${prefix}b`);
    const conversation = await createGroup(alice, [bob]);
    return { alice, bob, conversation };
  }

  function post(sender, conversationId, body) {
    return client.post(`/api/v1/conversations/${conversationId}/messages`, { token: sender.accessToken, body });
  }

  async function send(sender, conversationId, text, extra = {}) {
    const res = await post(sender, conversationId, { clientMsgId: `m-${uniqueSuffix(16)}`, body: text, ...extra });
    return assertJson(res, 201);
  }

  function history(user, conversationId, query = '') {
    return client.get(`/api/v1/conversations/${conversationId}/messages${query}`, { token: user.accessToken });
  }

  async function allMessages(user, conversationId) {
    const pages = await collectPages(client, user.accessToken, (cursor) =>
      `/api/v1/conversations/${conversationId}/messages?limit=100&after=${cursor ?? '0'}`,
    );
    return pages.flatMap((p) => p.items);
  }

  describe('send', () => {
    it('answers 201 with the stored message', async () => {
      const { alice, conversation } = await pair('send');
      const res = await post(alice, conversation.id, { clientMsgId: 'first-message', body: 'hello there' });
      const message = assertJson(res, 201);
      assert.match(message.id, idPattern);
      assert.equal(message.conversationId, conversation.id);
      assert.equal(message.seq, 1);
      assert.equal(message.senderId, alice.user.id);
      assert.equal(message.clientMsgId, 'first-message');
      assert.equal(message.body, 'hello there');
      assert.equal(message.replyTo, null);
      assert.ok(!Number.isNaN(Date.parse(message.createdAt)), `createdAt: ${message.createdAt}`);
    });

    it('answers a retry with the same clientMsgId with 200 and the same message, stored once', async () => {
      const { alice, conversation } = await pair('retry');
      const payload = { clientMsgId: `retry-${uniqueSuffix(8)}`, body: 'only once please' };
      const first = assertJson(await post(alice, conversation.id, payload), 201);
      const second = assertJson(await post(alice, conversation.id, payload), 200);
      assert.equal(second.id, first.id);
      assert.equal(second.seq, first.seq);
      assert.equal(second.createdAt, first.createdAt);
      assert.equal(second.body, first.body);

      const items = await allMessages(alice, conversation.id);
      assert.equal(items.length, 1);
      assert.equal(items[0].id, first.id);
    });

    it('answers the same clientMsgId with a different body with 409', async () => {
      const { alice, conversation } = await pair('clash');
      const clientMsgId = `clash-${uniqueSuffix(8)}`;
      assertJson(await post(alice, conversation.id, { clientMsgId, body: 'original' }), 201);
      assertProblem(await post(alice, conversation.id, { clientMsgId, body: 'different' }), 409, 'conflict');
      const items = await allMessages(alice, conversation.id);
      assert.deepEqual(
        items.map((m) => m.body),
        ['original'],
      );
    });

    const samples = [
      ['emoji ZWJ sequences', '👩‍👩‍👧‍👦 👨🏽‍💻 🏳️‍🌈 ❤️‍🔥'],
      ['combining marks (kept decomposed)', 'e\u0301 a\u0308 Z\u0324\u0354\u0367\u0311\u0313'],
      ['RTL Arabic', 'مرحبا بالعالم'],
      ['RTL Hebrew', 'שלום עולם'],
      ['mixed direction with marks', 'abc \u200Fשלום\u200E 123'],
      ['CJK', '你好，世界 こんにちは 안녕하세요'],
      ['newline and tab', 'line1\nline2\tTab'],
      ['leading and trailing spaces', '   padded on both sides   '],
      ['JSON-looking text and escapes', '{"a":1} \\ " \' </script>'],
    ];
    for (const [label, text] of samples) {
      it(`keeps the body byte for byte: ${label}`, async () => {
        const { alice, bob, conversation } = await pair('utf');
        const sent = await send(alice, conversation.id, text);
        assert.equal(sent.body, text);
        const stored = await allMessages(bob, conversation.id);
        assert.equal(stored.length, 1);
        assert.equal(Buffer.from(stored[0].body, 'utf8').toString('hex'), Buffer.from(text, 'utf8').toString('hex'));
      });
    }

    it('rejects an empty body with 400 on body', async () => {
      const { alice, conversation } = await pair('empty');
      assertFieldError(await post(alice, conversation.id, { clientMsgId: 'e1', body: '' }), 'body');
    });

    it('counts the limit in characters: 4001 is too many, 4000 astral emoji are fine', async () => {
      const { alice, conversation } = await pair('len');
      assertFieldError(await post(alice, conversation.id, { clientMsgId: 'long1', body: 'a'.repeat(4001) }), 'body');

      const emoji = '😀'.repeat(4000);
      const sent = assertJson(await post(alice, conversation.id, { clientMsgId: 'long2', body: emoji }), 201);
      assert.equal(sent.body, emoji);
      assert.equal([...sent.body].length, 4000);
      assert.equal(sent.seq, 1, 'the rejected message took no seq');
    });

    it('rejects a control character with 400', async () => {
      const { alice, conversation } = await pair('ctl');
      assertFieldError(await post(alice, conversation.id, { clientMsgId: 'bell', body: 'ding\u0007dong' }), 'body');
    });

    it('rejects invalid UTF-8 with 400', async () => {
      const { alice, conversation } = await pair('utf8');
      const rawBody = Buffer.concat([
        Buffer.from('{"clientMsgId":"broken-utf8","body":"a', 'utf8'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('b"}', 'utf8'),
      ]);
      const res = await client.post(`/api/v1/conversations/${conversation.id}/messages`, {
        token: alice.accessToken,
        rawBody,
      });
      assertProblem(res, 400, 'invalid_argument');
      assert.equal((await allMessages(alice, conversation.id)).length, 0);
    });

    it('rejects a missing clientMsgId with 400', async () => {
      const { alice, conversation } = await pair('nocid');
      assertFieldError(await post(alice, conversation.id, { body: 'hi' }), 'clientMsgId');
    });

    it('accepts replyTo naming a message of the conversation', async () => {
      const { alice, bob, conversation } = await pair('reply');
      const original = await send(alice, conversation.id, 'question?');
      const reply = await send(bob, conversation.id, 'answer!', { replyTo: original.id });
      assert.equal(reply.replyTo, original.id);
      const stored = await allMessages(alice, conversation.id);
      assert.equal(stored[1].replyTo, original.id);
    });

    it('rejects replyTo naming no message, or a message of another conversation', async () => {
      const { alice, conversation } = await pair('reply2');
      assertFieldError(
        await post(alice, conversation.id, { clientMsgId: 'r1', body: 'x', replyTo: '987654321987654' }),
        'replyTo',
      );
      const elsewhere = await pair('reply3');
      const foreign = await send(elsewhere.alice, elsewhere.conversation.id, 'not yours');
      assertFieldError(
        await post(alice, conversation.id, { clientMsgId: 'r2', body: 'x', replyTo: foreign.id }),
        'replyTo',
      );
      assert.equal((await allMessages(alice, conversation.id)).length, 0);
    });
  });

  describe('history', () => {
    let ctx;

    before(async () => {
      ctx = await pair('hist');
      for (let i = 1; i <= 25; i += 1) await send(ctx.alice, ctx.conversation.id, `message ${i}`);
    });

    function seqs(page) {
      return page.items.map((m) => m.seq);
    }

    function range(from, to) {
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }

    it('pages backwards from the newest with before=', async () => {
      const { bob, conversation } = ctx;
      const newest = assertJson(await history(bob, conversation.id, '?limit=10'), 200);
      assert.deepEqual(seqs(newest), range(16, 25));
      assert.equal(newest.nextCursor, '16');
      assert.equal(newest.items[9].body, 'message 25');

      const middle = assertJson(await history(bob, conversation.id, '?before=16&limit=10'), 200);
      assert.deepEqual(seqs(middle), range(6, 15));
      assert.equal(middle.nextCursor, '6');

      const oldest = assertJson(await history(bob, conversation.id, '?before=6&limit=10'), 200);
      assert.deepEqual(seqs(oldest), range(1, 5));
      assert.equal(oldest.nextCursor, null);
    });

    it('pages forwards with after=', async () => {
      const { bob, conversation } = ctx;
      const start = assertJson(await history(bob, conversation.id, '?after=0&limit=10'), 200);
      assert.deepEqual(seqs(start), range(1, 10));
      assert.equal(start.nextCursor, '10');

      const tail = assertJson(await history(bob, conversation.id, '?after=20&limit=10'), 200);
      assert.deepEqual(seqs(tail), range(21, 25));
      assert.equal(tail.nextCursor, null);

      const beyond = assertJson(await history(bob, conversation.id, '?after=25'), 200);
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.nextCursor, null);
    });

    it('rejects before and after together, and limits outside 1..100', async () => {
      const { bob, conversation } = ctx;
      assertProblem(await history(bob, conversation.id, '?before=10&after=5'), 400, 'invalid_argument');
      assertProblem(await history(bob, conversation.id, '?limit=0'), 400, 'invalid_argument');
      assertProblem(await history(bob, conversation.id, '?limit=101'), 400, 'invalid_argument');
      assertProblem(await history(bob, conversation.id, '?limit=ten'), 400, 'invalid_argument');
      assertProblem(await history(bob, conversation.id, '?before=abc'), 400, 'invalid_argument');
    });
  });

  describe('read receipts', () => {
    it('moves readSeq forward only, and refuses a seq past the last message', async () => {
      const { alice, bob, conversation } = await pair('read');
      for (let i = 1; i <= 6; i += 1) await send(alice, conversation.id, `r${i}`);
      const read = (seq) => client.post(`/api/v1/conversations/${conversation.id}/read`, { token: bob.accessToken, body: { seq } });

      const first = assertJson(await read(5), 200);
      assert.equal(first.readSeq, 5);
      const back = assertJson(await read(3), 200);
      assert.equal(back.readSeq, 5, 'a read cursor never moves back');
      assertProblem(await read(7), 400, 'invalid_argument');
      assertFieldError(await read('5'), 'seq');

      const view = assertJson(await client.get(`/api/v1/conversations/${conversation.id}`, { token: bob.accessToken }), 200);
      assert.equal(view.members.find((m) => m.userId === bob.user.id).readSeq, 5);
    });

    it('reports unreadCount = lastSeq - readSeq for the other member', async () => {
      const alice = await registerUser(client, 'unra');
      const bob = await registerUser(client, 'unrb');
      const direct = assertJson(
        await client.post('/api/v1/conversations', { token: alice.accessToken, body: { type: 'direct', userId: bob.user.id } }),
        201,
      );
      for (let i = 1; i <= 4; i += 1) await send(alice, direct.id, `unread ${i}`);

      const unreadFor = async () => {
        const list = assertJson(await client.get('/api/v1/conversations', { token: bob.accessToken }), 200);
        const entry = list.items.find((c) => c.id === direct.id);
        assert.ok(entry, 'the conversation is listed for bob');
        return entry;
      };
      let entry = await unreadFor();
      assert.equal(entry.lastSeq, 4);
      assert.equal(entry.unreadCount, 4);
      assert.equal(entry.lastMessage.body, 'unread 4');

      assertJson(await client.post(`/api/v1/conversations/${direct.id}/read`, { token: bob.accessToken, body: { seq: 1 } }), 200);
      entry = await unreadFor();
      assert.equal(entry.unreadCount, 3);
      const single = assertJson(await client.get(`/api/v1/conversations/${direct.id}`, { token: bob.accessToken }), 200);
      assert.equal(single.unreadCount, 3);
    });
  });

  describe('search', () => {
    let word;
    let alice;
    let bob;
    let carol;
    let shared;
    let second;
    let hidden;
    let mine;

    before(async () => {
      word = `pangolin${uniqueSuffix(8)}`;
      alice = await registerUser(client, 'sea');
      bob = await registerUser(client, 'seb');
      carol = await registerUser(client, 'sec');
      shared = await createGroup(alice, [bob]);
      second = await createGroup(bob, [alice]);
      hidden = await createGroup(bob, [carol]);
      mine = [];
      mine.push(await send(alice, shared.id, `first ${word} sighting`));
      await send(bob, hidden.id, `a private ${word} that alice must never see`);
      mine.push(await send(bob, shared.id, `second ${word} in the shared room`));
      mine.push(await send(alice, second.id, `third ${word}, other room`));
      await send(alice, shared.id, 'nothing to find here');
      mine.push(await send(bob, second.id, `fourth ${word.toUpperCase()} shouting`));
      await send(carol, hidden.id, `${word} again, still private`);
    });

    function search(user, params) {
      return client.get(`/api/v1/search/messages?${new URLSearchParams(params)}`, { token: user.accessToken });
    }

    it("finds only messages of the caller's conversations, newest first", async () => {
      const found = assertJson(await search(alice, { q: word }), 200);
      const ids = found.items.map((m) => m.id);
      assert.deepEqual(ids, mine.map((m) => m.id).reverse());
      for (const message of found.items) assert.notEqual(message.conversationId, hidden.id);
      assert.equal(found.nextCursor, null);
    });

    it('narrows to one conversation with conversationId', async () => {
      const found = assertJson(await search(alice, { q: word, conversationId: second.id }), 200);
      assert.deepEqual(
        found.items.map((m) => m.id),
        [mine[3].id, mine[2].id],
      );
    });

    it('pages with limit and cursor without losing or repeating a hit', async () => {
      const pages = await collectPages(client, alice.accessToken, (cursor) => {
        const params = new URLSearchParams({ q: word, limit: '3' });
        if (cursor) params.set('cursor', cursor);
        return `/api/v1/search/messages?${params}`;
      });
      assert.equal(pages.length, 2);
      assert.deepEqual(
        pages.flatMap((p) => p.items.map((m) => m.id)),
        mine.map((m) => m.id).reverse(),
      );
    });

    it('requires q', async () => {
      assertFieldError(await client.get('/api/v1/search/messages', { token: alice.accessToken }), 'q');
    });

    for (const q of ['"', '*', 'NEAR(', 'a OR', '-x', 'AND', '"unbalanced', 'body:x', '^x', '(x', 'x)', "'; DROP TABLE messages; --", 'NOT', '{a b}', '\\']) {
      it(`never fails with 500 on the query ${JSON.stringify(q)}`, async () => {
        const res = await search(alice, { q });
        assert.ok(res.status === 200 || res.status === 400, `status ${res.status}: ${res.text}`);
        if (res.status === 200) {
          for (const message of res.json.items) assert.notEqual(message.conversationId, hidden.id);
        } else {
          assertProblem(res, 400, 'invalid_argument');
        }
      });
    }
  });
});
