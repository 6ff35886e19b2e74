// `talkline admin backup` under traffic and `talkline admin restore` into a new data
// dir: every message acked before the backup began is there after the restore, with
// its id and seq, users log in with their passwords, and attachments download.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  api,
  assertJson,
  collectPages,
  createGroup,
  makeTempDir,
  registerUser,
  runBinary,
  startServer,
} from './harness.mjs';
import { raw, sha256 } from './upload_helpers.mjs';

// The socket.io client pinned for the end-to-end tests.
const { io } = createRequire(new URL('../e2e/package.json', import.meta.url))('socket.io-client');

// Tiny steps with a rest between them: the copy of even this small store takes long
// enough for sends to be acked while it runs.
const SLOW_BACKUP = { TALKLINE_BACKUP_STEP_PAGES: '1', TALKLINE_BACKUP_STEP_PAUSE_MS: '3' };

function connect(baseUrl, token) {
  const socket = io(baseUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

// Sends one message after another until stop() and records every acked one, in order.
function startSender(socket, conversationId, label) {
  const acked = [];
  let stopping = false;
  // Rejections surface in stop(), not as unhandled ones mid-test.
  const done = (async () => {
    for (let i = 1; !stopping; i += 1) {
      const answer = await socket
        .timeout(10_000)
        .emitWithAck('message:send', { conversationId, clientMsgId: `${label}-${i}`, body: `${label} says ${i}` });
      if (!answer.ok) throw new Error(`${label}: send ${i} refused: ${JSON.stringify(answer)}`);
      acked.push(answer.message);
    }
  })();
  done.catch(() => {});
  return {
    acked,
    async stop() {
      stopping = true;
      await done;
    },
  };
}

function setSchemaVersion(file, version) {
  const script = [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1])',
    'db.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", (int(sys.argv[2]),))',
    'db.commit()',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, file, String(version)], { encoding: 'utf8' });
  assert.equal(run.status, 0, `python3: ${run.stderr}`);
}

describe('admin backup and restore', () => {
  let server;
  let restored;
  let work;
  const admin = (dataDir, ...args) => runBinary(['--data-dir', dataDir, 'admin', ...args], { env: SLOW_BACKUP });

  before(async () => {
    // Two senders as fast as acks come back: far above a person's rate limit.
    server = await startServer({
      env: { TALKLINE_MESSAGES_PER_SECOND_PER_USER: '100000', TALKLINE_MESSAGE_BURST_PER_USER: '100000' },
    });
    work = makeTempDir('talkline-backup-');
  });
  after(async () => {
    await server?.dispose();
    await restored?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('restores every message acked before a backup taken under traffic', async () => {
    const client = api(server.baseUrl);
    const alice = await registerUser(client, 'bka');
    const bob = await registerUser(client, 'bkb');
    const group = await createGroup(client, alice, [bob]);
    const direct = assertJson(
      await client.post('/api/v1/conversations', { token: bob.accessToken, body: { type: 'direct', userId: alice.user.id } }),
      201,
    );

    const fileBytes = Buffer.from('minutes of the meeting\n'.repeat(50));
    const upload = assertJson(
      await raw(server.baseUrl, 'POST', '/api/v1/uploads?name=minutes.txt', {
        token: alice.accessToken,
        body: fileBytes,
        headers: { 'content-type': 'text/plain' },
      }),
      201,
    );
    assertJson(
      await client.post(`/api/v1/conversations/${group.id}/messages`, {
        token: alice.accessToken,
        body: { clientMsgId: 'with-file', attachmentIds: [upload.id] },
      }),
      201,
    );

    const aliceSocket = await connect(server.baseUrl, alice.accessToken);
    const bobSocket = await connect(server.baseUrl, bob.accessToken);
    const senders = [startSender(aliceSocket, group.id, 'alice'), startSender(bobSocket, direct.id, 'bob')];
    try {
      while (senders.some((s) => s.acked.length < 30)) await new Promise((r) => setTimeout(r, 20));

      // Everything acked up to here was committed before the backup process started.
      const ackedBefore = senders.map((s) => [...s.acked]);
      const backupFile = path.join(work, 'talkline.backup.db');
      const blobsDir = path.join(work, 'blobs');
      const backup = await admin(server.dataDir, 'backup', backupFile, '--blobs', blobsDir);
      const ackedDuring = senders.reduce((sum, s, i) => sum + s.acked.length - ackedBefore[i].length, 0);
      assert.equal(backup.code, 0, `backup failed:\n${backup.stdout}\n${backup.stderr}`);
      assert.match(backup.stdout, /schema version \d+, \d+ pages in \d+ steps, source journal mode wal/);
      assert.match(backup.stdout, /blobs: 1 copied/);
      assert.ok(ackedDuring > 0, 'sends went on and were acked while the backup ran');

      // A restore never replaces the store of a running server, even with --force.
      const busy = await admin(server.dataDir, 'restore', backupFile, '--force');
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /using the data dir .*stop it first/);

      // Into a new data dir; then a second time only with --force.
      const newDir = path.join(work, 'restored');
      const restore = await admin(newDir, 'restore', backupFile, '--blobs', blobsDir);
      assert.equal(restore.code, 0, `restore failed:\n${restore.stdout}\n${restore.stderr}`);
      assert.match(restore.stdout, /blobs: 1 copied/);
      const again = await admin(newDir, 'restore', backupFile);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already holds a store; pass --force/);
      const forced = await admin(newDir, 'restore', backupFile, '--force', '--blobs', blobsDir);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /blobs: 0 copied .* 1 already there/);

      restored = await startServer({ args: ['--data-dir', newDir] });
      const restoredClient = api(restored.baseUrl);
      for (const user of [alice, bob]) {
        const login = await restoredClient.post('/api/v1/auth/login', {
          body: { username: user.username, password: user.password },
        });
        user.restoredToken = assertJson(login, 200).accessToken;
      }
      const conversations = [group.id, direct.id];
      for (const [i, conversationId] of conversations.entries()) {
        const pages = await collectPages(restoredClient, alice.restoredToken, (cursor) =>
          `/api/v1/conversations/${conversationId}/messages?limit=100&after=${cursor ?? '0'}`,
        );
        const stored = pages.flatMap((p) => p.items);
        stored.forEach((message, index) => assert.equal(message.seq, index + 1, 'seq is gap-free'));
        const bySeq = new Map(stored.map((m) => [m.seq, m]));
        for (const sent of ackedBefore[i]) {
          const found = bySeq.get(sent.seq);
          assert.ok(found, `message seq ${sent.seq} of ${conversationId} is restored`);
          assert.equal(found.id, sent.id);
          assert.equal(found.body, sent.body);
          assert.equal(found.clientMsgId, sent.clientMsgId);
        }
      }
      const download = await raw(restored.baseUrl, 'GET', `/api/v1/attachments/${upload.id}`, {
        token: bob.restoredToken,
      });
      assert.equal(download.status, 200);
      assert.equal(sha256(download.bytes), sha256(fileBytes));
    } finally {
      await Promise.allSettled(senders.map((s) => s.stop()));
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('refuses a backup from a newer schema, a damaged file, an existing backup file, and the live store as destination', async () => {
    const backupFile = path.join(work, 'second.db');
    assert.equal((await admin(server.dataDir, 'backup', backupFile)).code, 0);
    const exists = await admin(server.dataDir, 'backup', backupFile);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /already exists \(--force replaces it\)/);
    assert.equal((await admin(server.dataDir, 'backup', backupFile, '--force')).code, 0);

    // Never over the live store or the files SQLite keeps beside it, --force or not.
    for (const name of ['talkline.db', 'talkline.db-wal', 'talkline.db-shm', 'talkline.db.copy']) {
      const live = await admin(server.dataDir, 'backup', path.join(server.dataDir, name), '--force');
      assert.equal(live.code, 1, name);
      assert.match(live.stderr, /cannot back up into .*write the backup outside the data dir/, name);
    }
    assert.ok(!fs.existsSync(path.join(server.dataDir, 'talkline.db.copy')));
    const stillServing = await api(server.baseUrl).get('/healthz');
    assert.equal(stillServing.status, 200);

    const future = path.join(work, 'future.db');
    fs.copyFileSync(backupFile, future);
    setSchemaVersion(future, 9999);
    const newer = await admin(path.join(work, 'future-dir'), 'restore', future);
    assert.equal(newer.code, 1);
    assert.match(newer.stderr, /schema version 9999, newer than this binary's/);
    assert.ok(!fs.existsSync(path.join(work, 'future-dir', 'talkline.db')), 'nothing was restored');

    const damaged = path.join(work, 'damaged.db');
    fs.writeFileSync(damaged, Buffer.alloc(8192, 0x5a));
    const bad = await admin(path.join(work, 'damaged-dir'), 'restore', damaged);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a usable SQLite database/);
  });

  it('points to pg_dump when the store is PostgreSQL', async () => {
    const result = await runBinary(['--store', 'postgres://talkline@127.0.0.1:1/talkline', 'admin', 'backup', 'x.db']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pg_dump/);
  });
});
