import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertJson, createGroup, freePort, makeTempDir, registerUser, startServer, api } from './harness.mjs';
import { sleep } from './message_helpers.mjs';
import { png, raw, sha256, uploadHelpers } from './upload_helpers.mjs';

// The server with TALKLINE_BLOB_BACKEND=s3 against a real S3-compatible server (s3rver,
// started here with tests/support/s3rver.mjs): uploads land in the bucket, members
// download them whole and by range, thumbnails too, and a delete frees the objects.

const BUCKET = 'talkline-it';
const PREFIX = 'it/';
const s3rverScript = fileURLToPath(new URL('../support/s3rver.mjs', import.meta.url));

async function waitForPort(port, child, log) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`s3rver exited while starting:\n${log()}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`s3rver did not listen within 30 s:\n${log()}`);
}

/** Every object key in the bucket, read from s3rver's directory (one folder per key). */
function storedKeys(directory) {
  const keys = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('._S3rver_object')) {
        keys.push(path.relative(path.join(directory, BUCKET), full).replace(/\._S3rver_object$/, ''));
      }
    }
  };
  if (fs.existsSync(path.join(directory, BUCKET))) walk(path.join(directory, BUCKET));
  return keys;
}

describe('attachments on the s3 backend', () => {
  const ctx = {};
  let s3 = null;
  let s3Dir = '';
  let s3Log = '';

  before(async () => {
    s3Dir = makeTempDir('talkline-s3-');
    const port = await freePort();
    // s3rver makes its continuation tokens with DES, which OpenSSL 3 keeps in the legacy provider.
    s3 = spawn(process.execPath, ['--openssl-legacy-provider', s3rverScript, String(port), s3Dir, BUCKET], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    s3.stdout.on('data', (chunk) => (s3Log += chunk));
    s3.stderr.on('data', (chunk) => (s3Log += chunk));
    await waitForPort(port, s3, () => s3Log);
    ctx.server = await startServer({
      env: {
        TALKLINE_BLOB_BACKEND: 's3',
        TALKLINE_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        TALKLINE_S3_BUCKET: BUCKET,
        TALKLINE_S3_REGION: 'us-east-1',
        TALKLINE_S3_ACCESS_KEY_ID: 'S3RVER',
        TALKLINE_S3_SECRET_ACCESS_KEY: 'S3RVER',
        TALKLINE_S3_KEY_PREFIX: PREFIX,
        TALKLINE_UPLOAD_SWEEP_INTERVAL_SECONDS: '1',
      },
    });
    ctx.client = api(ctx.server.baseUrl);
  });

  after(async () => {
    await ctx.server?.dispose();
    s3?.kill('SIGKILL');
    fs.rmSync(s3Dir, { recursive: true, force: true });
  });

  const h = uploadHelpers(() => ctx);

  it('stores uploads and thumbnails in the bucket, serves them to members and frees them on delete', async () => {
    const alice = await registerUser(ctx.client, 's3a');
    const bob = await registerUser(ctx.client, 's3b');
    const eve = await registerUser(ctx.client, 's3e');
    const group = await createGroup(ctx.client, alice, [bob]);

    const text = Buffer.from('kept in a bucket\n'.repeat(1000));
    const image = png(400, 200);
    const file = await h.uploaded(alice, text, { name: 'notes.txt' });
    const picture = await h.uploaded(alice, image, { type: 'image/png', name: 'wide.png' });
    assert.equal(file.sha256, sha256(text));
    assert.equal(picture.thumbnail.width, 320);
    assert.deepEqual(
      storedKeys(s3Dir).sort(),
      [`${PREFIX}t/${picture.id}`, `${PREFIX}u/${file.id}`, `${PREFIX}u/${picture.id}`].sort(),
    );

    const sent = assertJson(await h.send(alice, group.id, { body: 'both', attachmentIds: [file.id, picture.id] }), 201);
    assert.equal(sent.kind, 'file');

    const whole = await h.download(bob, file.id);
    assert.equal(whole.status, 200);
    assert.equal(sha256(whole.bytes), file.sha256);
    const part = await h.download(bob, file.id, { range: 'bytes=17-33' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 17-33/${text.length}`);
    assert.deepEqual(part.bytes, text.subarray(17, 34));
    const thumbnail = await raw(ctx.server.baseUrl, 'GET', picture.thumbnail.url, { token: bob.accessToken });
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers['content-type'], 'image/jpeg');
    assert.equal((await h.download(eve, file.id)).status, 404);

    const removed = await ctx.client.del(`/api/v1/conversations/${group.id}/messages/${sent.id}`, {
      token: alice.accessToken,
    });
    assertJson(removed, 200);
    assert.equal((await h.download(bob, file.id)).status, 404);
    const deadline = Date.now() + 15_000;
    while (storedKeys(s3Dir).length > 0 && Date.now() < deadline) await sleep(200);
    assert.deepEqual(storedKeys(s3Dir), [], 'the sweep removes the objects of a deleted message');
  });
});
