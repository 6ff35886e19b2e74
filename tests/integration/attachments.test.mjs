import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';

import { assertFieldError, assertJson, assertProblem, createGroup, registerUser, useServer } from './harness.mjs';
import { sleep } from './message_helpers.mjs';
import { png, raw, sha256, uploadHelpers } from './upload_helpers.mjs';

// Uploads and attachments over HTTP: POST /api/v1/uploads with the file as the raw body,
// attachmentIds on a send, GET/HEAD /api/v1/attachments/{id} (Range, ETag, disposition)
// and …/thumbnail; every limit; a delete and the sweep free the files.

const NO_SUCH_ID = '987654321987654321';


describe('uploads and attachments', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: {
      TALKLINE_UPLOAD_MAX_BYTES: String(64 * 1024),
      TALKLINE_UPLOAD_BYTES_PER_USER_PER_DAY: String(200 * 1024),
      TALKLINE_ATTACHMENTS_PER_MESSAGE: '3',
      TALKLINE_UPLOAD_SWEEP_INTERVAL_SECONDS: '1',
    },
  });
  const h = uploadHelpers(() => ctx);

  async function trio() {
    const alice = await registerUser(ctx.client, 'al');
    const bob = await registerUser(ctx.client, 'bo');
    const eve = await registerUser(ctx.client, 'ev');
    const group = await createGroup(ctx.client, alice, [bob]);
    return { alice, bob, eve, group };
  }

  it('stores an upload, attaches it to a message and serves it to members only', async () => {
    const { alice, bob, eve, group } = await trio();
    const content = Buffer.from('hello attachments\n'.repeat(200));
    const upload = await h.uploaded(alice, content, { type: 'text/plain; charset=utf-8', name: 'notes.txt' });
    assert.deepEqual(Object.keys(upload).sort(), ['contentType', 'createdAt', 'id', 'name', 'sha256', 'size', 'thumbnail', 'url']);
    assert.equal(upload.size, content.length);
    assert.equal(upload.sha256, sha256(content));
    assert.equal(upload.contentType, 'text/plain');
    assert.equal(upload.name, 'notes.txt');
    assert.equal(upload.thumbnail, null);
    assert.equal(upload.url, `/api/v1/attachments/${upload.id}`);

    // Before it is attached only its uploader sees it.
    assert.equal((await h.download(alice, upload.id)).status, 200);
    assertProblem(await h.download(bob, upload.id), 404, 'not_found');

    const sent = assertJson(await h.send(alice, group.id, { body: '', attachmentIds: [upload.id] }), 201);
    assert.equal(sent.kind, 'file');
    assert.equal(sent.body, '');
    assert.equal(sent.attachments.length, 1);
    assert.equal(sent.attachments[0].id, upload.id);
    assert.equal(sent.attachments[0].sha256, upload.sha256);

    const got = await h.download(bob, upload.id);
    assert.equal(got.status, 200);
    assert.equal(sha256(got.bytes), upload.sha256);
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    // Revalidated on each use, so no cache shows it once the caller may no longer read it.
    assert.equal(got.headers['cache-control'], 'private, no-cache');
    assert.equal(got.headers['content-disposition'], `attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`);
    assert.equal(got.headers.etag, `"${upload.sha256}"`);
    assertProblem(await h.download(eve, upload.id), 404, 'not_found');
    assertProblem(await h.download(bob, NO_SUCH_ID), 404, 'not_found');
    assert.equal((await h.download(undefined, upload.id)).status, 401);

    // Every view carries the attachment: history, the feed, search.
    const history = assertJson(
      await ctx.client.get(`/api/v1/conversations/${group.id}/messages`, { token: bob.accessToken }),
      200,
    );
    assert.equal(history.items[0].kind, 'file');
    assert.equal(history.items[0].attachments[0].name, 'notes.txt');
    const feed = assertJson(
      await ctx.client.get(`/api/v1/conversations/${group.id}/changes`, { token: bob.accessToken }),
      200,
    );
    assert.equal(feed.items[0].message.attachments[0].id, upload.id);
  });

  it('answers Range with 206 or 416, HEAD without a body, and If-None-Match with 304', async () => {
    const { alice } = await trio();
    const content = crypto.randomBytes(5000);
    const upload = await h.uploaded(alice, content, { type: 'application/octet-stream', name: 'blob.bin' });
    assert.equal(upload.contentType, 'application/octet-stream');

    const part = await h.download(alice, upload.id, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/5000`);
    assert.deepEqual(part.bytes, content.subarray(100, 200));
    const tail = await h.download(alice, upload.id, { range: 'bytes=-10' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.bytes, content.subarray(4990));
    const outside = await h.download(alice, upload.id, { range: 'bytes=6000-' });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers['content-range'], 'bytes */5000');
    // If-Range with another tag: the whole file.
    const stale = await h.download(alice, upload.id, { range: 'bytes=0-9', 'if-range': '"other"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.bytes.length, 5000);
    const fresh = await h.download(alice, upload.id, { range: 'bytes=0-9', 'if-range': `"${upload.sha256}"` });
    assert.equal(fresh.status, 206);

    const head = await h.download(alice, upload.id, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '5000');
    assert.equal(head.bytes.length, 0);

    const cached = await h.download(alice, upload.id, { 'if-none-match': `"${upload.sha256}"` });
    assert.equal(cached.status, 304);
    assert.equal(cached.bytes.length, 0);
  });

  it('takes the name from Content-Disposition and makes it safe', async () => {
    const { alice } = await trio();
    const upload = await h.uploaded(alice, Buffer.from('x'), {
      disposition: `attachment; filename="fallback.txt"; filename*=UTF-8''..%2F..%2Fr%C3%A9sum%C3%A9.txt`,
    });
    assert.equal(upload.name, 'résumé.txt');
    const got = await h.download(alice, upload.id);
    assert.match(got.headers['content-disposition'], /^attachment; filename="r_sum_.txt"; filename\*=UTF-8''r%C3%A9sum%C3%A9.txt$/);
    const unnamed = await h.uploaded(alice, Buffer.from('y'));
    assert.equal(unnamed.name, '');
  });

  it('makes a thumbnail of an image and serves images inline', async () => {
    const { alice, bob, group } = await trio();
    const image = png(64, 40);
    const upload = await h.uploaded(alice, image, { type: 'image/png', name: 'tiny.png' });
    assert.equal(upload.contentType, 'image/png');
    assert.ok(upload.thumbnail, `thumbnail: ${JSON.stringify(upload)}`);
    assert.equal(upload.thumbnail.contentType, 'image/jpeg');
    assert.equal(upload.thumbnail.width, 64);
    assert.equal(upload.thumbnail.height, 40);
    const sent = assertJson(await h.send(alice, group.id, { body: 'look', attachmentIds: [upload.id] }), 201);
    assert.equal(sent.kind, 'media');

    const thumb = await raw(ctx.server.baseUrl, 'GET', upload.thumbnail.url, { token: bob.accessToken });
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...thumb.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.equal(thumb.bytes.length, upload.thumbnail.size);
    const original = await h.download(bob, upload.id);
    assert.match(original.headers['content-disposition'], /^inline; /);

    // A big one is scaled down to the long side; a file that is not an image has none.
    const wide = await h.uploaded(alice, png(800, 200), { type: 'image/png' });
    assert.equal(wide.thumbnail.width, 320);
    assert.equal(wide.thumbnail.height, 80);
    const text = await h.uploaded(alice, Buffer.from('plain'));
    const none = await raw(ctx.server.baseUrl, 'GET', `${text.url}/thumbnail`, { token: alice.accessToken });
    assertProblem({ ...none, text: none.text }, 404, 'not_found');
  });

  it('refuses disallowed types and bytes that do not match the declared type, storing nothing', async () => {
    const { alice } = await trio();
    const fake = await h.upload(alice, Buffer.from('not a png at all'), { type: 'image/png' });
    assertProblem({ ...fake }, 415, 'unsupported_media_type');
    const html = await h.upload(alice, Buffer.from('<html><script>alert(1)</script></html>'), { type: 'text/html' });
    assertProblem(html, 415, 'unsupported_media_type');
    const zip = await h.upload(alice, Buffer.from('PK\x03\x04 zip bytes'), { type: 'application/zip' });
    assertProblem(zip, 415, 'unsupported_media_type');
    const empty = await h.upload(alice, Buffer.alloc(0));
    assertProblem(empty, 400, 'invalid_argument');
    assert.equal((await h.upload(undefined, Buffer.from('x'))).status, 401);
    assert.equal(fs.readdirSync(path.join(ctx.server.dataDir, 'blobs', 'tmp')).length, 0);
  });

  it('refuses an upload past the size limit with 413, declared or streamed', async () => {
    const { alice } = await trio();
    const big = Buffer.alloc(64 * 1024 + 1, 'a');
    assertProblem(await h.upload(alice, big), 413, 'payload_too_large');
    const chunked = await h.upload(alice, big, { headers: { 'transfer-encoding': 'chunked' } });
    assert.equal(chunked.status, 413);
  });

  it('keeps each user within the daily quota', async () => {
    const user = await registerUser(ctx.client, 'qu');
    const chunk = Buffer.alloc(60 * 1024, 'q');
    for (let i = 0; i < 3; i++) await h.uploaded(user, chunk);
    const over = await h.upload(user, chunk);
    const problem = assertProblem(over, 413, 'payload_too_large');
    assert.match(problem.detail, /quota/);
    // Someone else is not affected.
    await h.uploaded(await registerUser(ctx.client, 'qo'), chunk);
  });

  it('attaches only the sender\'s own uploads, each once, up to the limit', async () => {
    const { alice, bob, eve, group } = await trio();
    const mine = await h.uploaded(alice, Buffer.from('mine'));
    const theirs = await h.uploaded(bob, Buffer.from('theirs'));
    assertFieldError(await h.send(alice, group.id, { body: 'x', attachmentIds: [theirs.id] }), 'attachmentIds');
    assertFieldError(await h.send(alice, group.id, { body: 'x', attachmentIds: [NO_SUCH_ID] }), 'attachmentIds');
    assertFieldError(await h.send(alice, group.id, { body: 'x', attachmentIds: [mine.id, mine.id] }), 'attachmentIds');
    const many = [];
    for (let i = 0; i < 4; i++) many.push((await h.uploaded(alice, Buffer.from(`n${i}`))).id);
    assertFieldError(await h.send(alice, group.id, { body: 'x', attachmentIds: many }), 'attachmentIds');
    assertFieldError(await h.send(alice, group.id, { attachmentIds: [] }), 'body');

    const first = assertJson(await h.send(alice, group.id, { body: 'one', attachmentIds: [mine.id] }), 201);
    assertProblem(await h.send(alice, group.id, { body: 'two', attachmentIds: [mine.id] }), 409, 'conflict');
    // eve is no member: the conversation is not hers, whatever she attaches.
    const hers = await h.uploaded(eve, Buffer.from('hers'));
    assertProblem(await h.send(eve, group.id, { body: 'x', attachmentIds: [hers.id] }), 404, 'not_found');

    // A retry with the same attachments answers the original; with others it is refused.
    const retry = (attachmentIds) =>
      ctx.client.post(`/api/v1/conversations/${group.id}/messages`, {
        token: alice.accessToken,
        body: { clientMsgId: first.clientMsgId, body: 'one', attachmentIds },
      });
    const again = assertJson(await retry([mine.id]), 200);
    assert.equal(again.id, first.id);
    assertProblem(await retry([many[0]]), 409, 'conflict');
    const history = assertJson(
      await ctx.client.get(`/api/v1/conversations/${group.id}/messages`, { token: alice.accessToken }),
      200,
    );
    assert.equal(history.items.length, 1);
  });

  it('frees the files of a deleted message', async () => {
    const { alice, bob, group } = await trio();
    const upload = await h.uploaded(alice, png(20, 20), { type: 'image/png' });
    const sent = assertJson(await h.send(alice, group.id, { body: 'gone soon', attachmentIds: [upload.id] }), 201);
    const blobs = path.join(ctx.server.dataDir, 'blobs', 'objects');
    const countFiles = (dir) =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce(
        (n, entry) => n + (entry.isDirectory() ? countFiles(path.join(dir, entry.name)) : 1),
        0,
      );
    const before = countFiles(blobs);
    const removed = await ctx.client.del(`/api/v1/conversations/${group.id}/messages/${sent.id}`, {
      token: alice.accessToken,
    });
    const change = assertJson(removed, 200);
    assert.deepEqual(change.message.attachments, []);
    assert.equal(change.message.kind, 'text');
    assertProblem(await h.download(bob, upload.id), 404, 'not_found');
    assertProblem(await h.download(alice, upload.id), 404, 'not_found');
    // A cache revalidating its copy is told the file is gone, not that it is unchanged.
    assertProblem(await h.download(bob, upload.id, { 'if-none-match': `"${upload.sha256}"` }), 404, 'not_found');
    // The sweep frees the file and its thumbnail within its interval.
    const deadline = Date.now() + 10_000;
    while (countFiles(blobs) > before - 2 && Date.now() < deadline) await sleep(200);
    assert.equal(countFiles(blobs), before - 2);
  });
});

// A server of its own: the files these deletes free would otherwise change the count of
// files another case is watching.
describe('the daily quota after deletes', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: { TALKLINE_UPLOAD_BYTES_PER_USER_PER_DAY: String(200 * 1024), TALKLINE_UPLOAD_SWEEP_INTERVAL_SECONDS: '1' },
  });
  const h = uploadHelpers(() => ctx);

  it('counts uploads whose message was deleted: deleting gives no quota back', async () => {
    const alice = await registerUser(ctx.client, 'qd');
    const bob = await registerUser(ctx.client, 'qe');
    const group = await createGroup(ctx.client, alice, [bob]);
    const chunk = Buffer.alloc(60 * 1024, 'd');
    for (let i = 0; i < 3; i++) {
      const upload = await h.uploaded(alice, chunk);
      const sent = assertJson(await h.send(alice, group.id, { body: `file ${i}`, attachmentIds: [upload.id] }), 201);
      const removed = await ctx.client.del(`/api/v1/conversations/${group.id}/messages/${sent.id}`, {
        token: alice.accessToken,
      });
      assertJson(removed, 200);
    }
    const problem = assertProblem(await h.upload(alice, chunk), 413, 'payload_too_large');
    assert.match(problem.detail, /quota/);
  });
});

describe('allowed types and thumbnail sizes from the configuration', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: {
      TALKLINE_UPLOAD_ALLOWED_TYPES: 'image/png,text/plain',
      TALKLINE_THUMBNAIL_MAX_PIXELS: '64',
      TALKLINE_THUMBNAIL_MAX_SOURCE_PIXELS: '10000',
    },
  });
  const h = uploadHelpers(() => ctx);

  it('stores only the configured types', async () => {
    const alice = await registerUser(ctx.client, 'ty');
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    assertProblem(await h.upload(alice, pdf, { type: 'application/pdf' }), 415, 'unsupported_media_type');
    await h.uploaded(alice, Buffer.from('plain words'), { type: 'text/plain' });
  });

  it('sizes thumbnails to TALKLINE_THUMBNAIL_MAX_PIXELS and skips images past the source limit', async () => {
    const alice = await registerUser(ctx.client, 'tz');
    const small = await h.uploaded(alice, png(80, 40), { type: 'image/png' });
    assert.equal(small.thumbnail.width, 64);
    assert.equal(small.thumbnail.height, 32);
    const large = await h.uploaded(alice, png(200, 100), { type: 'image/png' });
    assert.equal(large.thumbnail, null, '20,000 pixels is past the 10,000 allowed');
  });
});

describe('the sweep of unattached uploads', () => {
  const ctx = {};
  useServer((started) => Object.assign(ctx, started), {
    env: { TALKLINE_UPLOAD_UNATTACHED_TTL_SECONDS: '2', TALKLINE_UPLOAD_SWEEP_INTERVAL_SECONDS: '1' },
  });
  const h = uploadHelpers(() => ctx);

  it('removes uploads no message took once past the TTL, and keeps attached ones', async () => {
    const alice = await registerUser(ctx.client, 'sw');
    const bob = await registerUser(ctx.client, 'sx');
    const group = await createGroup(ctx.client, alice, [bob]);
    const loose = await h.uploaded(alice, Buffer.from('loose'));
    const kept = await h.uploaded(alice, Buffer.from('kept'));
    assertJson(await h.send(alice, group.id, { body: 'keep', attachmentIds: [kept.id] }), 201);
    const deadline = Date.now() + 10_000;
    while ((await h.download(alice, loose.id)).status === 200 && Date.now() < deadline) await sleep(250);
    assertProblem(await h.download(alice, loose.id), 404, 'not_found');
    assert.equal((await h.download(bob, kept.id)).status, 200);
    // Too late to attach it now.
    assertFieldError(await h.send(alice, group.id, { body: 'late', attachmentIds: [loose.id] }), 'attachmentIds');
  });
});

describe('downloads streaming at once', () => {
  const ctx = {};
  // Two workers, one download slot: before the bound, two clients that never read held
  // both workers and every other handler waited for the request timeout.
  useServer((started) => Object.assign(ctx, started), {
    env: {
      TALKLINE_WORKER_THREADS: '2',
      TALKLINE_DOWNLOADS_MAX_CONCURRENT: '1',
      TALKLINE_UPLOAD_MAX_BYTES: String(32 << 20),
      TALKLINE_REQUEST_TIMEOUT_SECONDS: '10',
    },
  });
  const h = uploadHelpers(() => ctx);

  /** A GET of the attachment whose client reads nothing; resolves with its first bytes. */
  function stalledDownload(user, id) {
    const socket = net.connect(Number(new URL(ctx.server.baseUrl).port), '127.0.0.1');
    socket.on('error', () => {});
    const head = new Promise((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
    socket.write(`GET /api/v1/attachments/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.accessToken}\r\n\r\n`);
    return { socket, head };
  }

  it('answers 503 past the bound, keeps the API responsive, and frees the slot with the client', async () => {
    const alice = await registerUser(ctx.client, 'dl');
    const content = crypto.randomBytes(20 << 20);
    const upload = await h.uploaded(alice, content, { type: 'application/octet-stream' });

    const first = stalledDownload(alice, upload.id);
    assert.match(await first.head, /^HTTP\/1\.1 200/);
    first.socket.pause();
    const second = stalledDownload(alice, upload.id);
    assert.match(await second.head, /^HTTP\/1\.1 503/);
    assert.match(await second.head, /retry-after: 1/i);
    second.socket.destroy();
    const busy = await h.download(alice, upload.id);
    assertProblem(busy, 503, 'unavailable');
    assert.equal(busy.headers['retry-after'], '1');
    // A HEAD streams nothing and needs no slot.
    assert.equal((await h.download(alice, upload.id, {}, 'HEAD')).status, 200);

    const started = Date.now();
    assertJson(await ctx.client.get('/api/v1/conversations', { token: alice.accessToken }), 200);
    assert.ok(Date.now() - started < 3000, `the API waited ${Date.now() - started} ms`);

    first.socket.destroy();
    const deadline = Date.now() + 15_000;
    let got;
    do {
      got = await h.download(alice, upload.id, { range: 'bytes=0-9' });
      if (got.status !== 206) await sleep(200);
    } while (got.status !== 206 && Date.now() < deadline);
    assert.equal(got.status, 206);
    assert.deepEqual(got.bytes, content.subarray(0, 10));
  });
});
