// The web client's files at / and Swagger UI at /api/v1/docs/: content types, caching
// (ETag, 304, Cache-Control), the security headers, strict path handling (traversal,
// encoded traversal, dotfiles, symbolic links out of the directory, files over the size
// limit), files large enough to stream, API routes winning over files, and the off switch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertProblem, makeTempDir, request as apiRequest, startServer } from './harness.mjs';

// Files and pages are not operations of the HTTP API, so only the documented routes among
// these requests are checked against docs/openapi.json.
const DOCUMENTED = new Set(['/healthz', '/metrics', '/api/v1/openapi.json']);
function request(baseUrl, method, target, options = {}) {
  return apiRequest(baseUrl, method, target, { offContract: !DOCUMENTED.has(target), ...options });
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// A raw request target, sent as written: URL parsing would resolve the `..` away.
function rawGet(baseUrl, target, { method = 'GET', headers = {} } = {}) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// Over the size from which a file streams (64 KiB), and not a whole number of chunks.
const largeBundle = Buffer.from(
  Array.from({ length: 5 * 65536 + 123 }, (_, i) => (i * 31 + (i >> 8)) & 0xff),
);

// The raw bytes of an answer, to compare a binary body exactly.
function rawBytes(baseUrl, target, { method = 'GET', headers = {} } = {}) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function makeSite() {
  const root = makeTempDir('talkline-web-');
  const site = path.join(root, 'site');
  fs.mkdirSync(path.join(site, 'js'), { recursive: true });
  fs.writeFileSync(path.join(site, 'index.html'), '<!DOCTYPE html><title>home</title>');
  fs.writeFileSync(path.join(site, 'app.css'), 'body{}');
  fs.writeFileSync(path.join(site, 'js', 'main.js'), 'export const x = 1;');
  fs.writeFileSync(path.join(site, 'logo.PNG'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  fs.writeFileSync(path.join(site, 'notes.unknownext'), 'x');
  fs.writeFileSync(path.join(site, 'huge.bin'), Buffer.alloc((4 << 20) + 1));
  fs.writeFileSync(path.join(site, 'js', 'bundle.js'), largeBundle);
  fs.writeFileSync(path.join(site, '.env'), 'TALKLINE_JWT_SECRET=do-not-serve');
  fs.mkdirSync(path.join(site, '.git'));
  fs.writeFileSync(path.join(site, '.git', 'config'), 'secret');
  fs.mkdirSync(path.join(site, 'sub'));
  fs.writeFileSync(path.join(site, 'sub', 'index.html'), '<p>sub</p>');
  fs.writeFileSync(path.join(root, 'outside.txt'), 'outside the site');
  fs.symlinkSync(path.join(root, 'outside.txt'), path.join(site, 'escape.txt'));
  fs.symlinkSync(root, path.join(site, 'up'));
  fs.writeFileSync(path.join(site, 'inside-target.txt'), 'inside');
  fs.symlinkSync(path.join(site, 'inside-target.txt'), path.join(site, 'inside-link.txt'));
  return { root, site };
}

describe('web client files at /', () => {
  let server;
  let dirs;
  before(async () => {
    dirs = makeSite();
    server = await startServer({
      env: {
        TALKLINE_WEB_DIR: dirs.site,
        TALKLINE_API_DOCS_DIR: path.join(repoRoot, 'web/api-docs'),
        TALKLINE_WEB_MAX_FILE_BYTES: String(4 << 20),
      },
    });
  });
  after(async () => {
    await server?.dispose();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  });

  test('/ is index.html, revalidated on every use, with a strict CSP', async () => {
    const res = await request(server.baseUrl, 'GET', '/');
    assert.equal(res.status, 200);
    assert.equal(res.text, '<!DOCTYPE html><title>home</title>');
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const csp = res.headers['content-security-policy'];
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self' ws: wss:/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(res.headers.etag, /^"[^"]+"$/);
    const sub = await request(server.baseUrl, 'GET', '/sub/');
    assert.equal(sub.text, '<p>sub</p>');
  });

  test('content types follow the extension; other files get a short max-age', async () => {
    const cases = [
      ['/app.css', 'text/css; charset=utf-8'],
      ['/js/main.js', 'text/javascript; charset=utf-8'],
      ['/logo.PNG', 'image/png'],
      ['/notes.unknownext', 'application/octet-stream'],
    ];
    for (const [url, type] of cases) {
      const res = await request(server.baseUrl, 'GET', url);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers['content-type'], type, url);
      assert.equal(res.headers['cache-control'], 'public, max-age=300', url);
    }
  });

  test('If-None-Match with the ETag gives 304 without a body; HEAD gives the length only', async () => {
    const first = await request(server.baseUrl, 'GET', '/app.css');
    const again = await request(server.baseUrl, 'GET', '/app.css', { headers: { 'If-None-Match': first.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.etag, first.headers.etag);
    const other = await request(server.baseUrl, 'GET', '/app.css', { headers: { 'If-None-Match': '"other"' } });
    assert.equal(other.status, 200);
    const head = await request(server.baseUrl, 'HEAD', '/js/main.js');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers['content-length'], String('export const x = 1;'.length));
  });

  test('a file over 64 KiB streams byte-exact, with the same headers, 304 and HEAD as a small one', async () => {
    const res = await rawBytes(server.baseUrl, '/js/bundle.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(largeBundle.length));
    assert.equal(res.headers['transfer-encoding'], undefined);
    assert.ok(res.body.equals(largeBundle), 'the body is the file, byte for byte');
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(res.headers['content-security-policy'], /script-src 'self';/);
    assert.match(res.headers.etag, /^"[^"]+"$/);

    const head = await rawBytes(server.baseUrl, '/js/bundle.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(largeBundle.length));
    assert.equal(head.headers.etag, res.headers.etag);
    assert.equal(head.headers['content-type'], res.headers['content-type']);

    const again = await rawBytes(server.baseUrl, '/js/bundle.js', { headers: { 'If-None-Match': res.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, res.headers.etag);
  });

  test('traversal, encoded traversal, dotfiles and links out of the directory are 404 problems', async () => {
    const targets = [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/%2E%2E%2Foutside.txt',
      '/js/..%2f..%2foutside.txt',
      '/sub/%2e%2e/%2e%2e/outside.txt',
      '/..%5coutside.txt',
      '/.env',
      '/%2eenv',
      '/.git/config',
      '/escape.txt',
      '/up/outside.txt',
      '/js//main.js',
      '/missing.html',
      '/js',
      '/index.html%00.js',
      '/huge.bin',
    ];
    for (const target of targets) {
      const res = await rawGet(server.baseUrl, target);
      assert.ok(res.status === 404 || res.status === 400, `${target} gave ${res.status}`);
      assert.match(res.headers['content-type'], /^application\/problem\+json/, target);
      assert.doesNotMatch(res.text, /outside the site|do-not-serve|secret/, target);
    }
    const inside = await request(server.baseUrl, 'GET', '/inside-link.txt');
    assert.equal(inside.status, 200, 'a link that stays inside the directory is served');
    assert.equal(inside.text, 'inside');
  });

  test('API routes win over files, and unknown API URLs stay API 404s', async () => {
    fs.mkdirSync(path.join(dirs.site, 'api', 'v1'), { recursive: true });
    fs.writeFileSync(path.join(dirs.site, 'api', 'v1', 'nothing'), 'file');
    fs.writeFileSync(path.join(dirs.site, 'healthz'), 'file');
    const health = await request(server.baseUrl, 'GET', '/healthz');
    assert.deepEqual(health.json, { status: 'ok' });
    assertProblem(await request(server.baseUrl, 'GET', '/api/v1/nothing'), 404, 'not_found');
    const metrics = await request(server.baseUrl, 'GET', '/metrics');
    assert.match(metrics.headers['content-type'], /^text\/plain/);
  });

  test('only GET and HEAD reach the files', async () => {
    const res = await request(server.baseUrl, 'POST', '/app.css', { body: {} });
    assertProblem(res, 405, 'method_not_allowed');
    assert.equal(res.headers.allow, 'GET, HEAD');
  });

  test('Swagger UI at /api/v1/docs/ shows the served OpenAPI document, from local files only', async () => {
    const bare = await request(server.baseUrl, 'GET', '/api/v1/docs');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/api/v1/docs/');
    const page = await request(server.baseUrl, 'GET', '/api/v1/docs/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'no asset from another origin');
    const scripts = [...page.text.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(scripts.includes('vendor/swagger-ui-bundle.js'));
    for (const script of scripts) {
      const asset = await request(server.baseUrl, 'GET', `/api/v1/docs/${script}`);
      assert.equal(asset.status, 200, script);
      assert.match(asset.headers['content-type'], /^text\/javascript/, script);
    }
    const init = await request(server.baseUrl, 'GET', '/api/v1/docs/init.js');
    assert.match(init.text, /\/api\/v1\/openapi\.json/);
    const css = await request(server.baseUrl, 'GET', '/api/v1/docs/vendor/swagger-ui.css');
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'], /^text\/css/);
    const spec = await request(server.baseUrl, 'GET', '/api/v1/openapi.json');
    assert.equal(spec.status, 200);
    assert.match(spec.json.openapi, /^3\./);
    assert.ok(spec.json.paths['/api/v1/auth/login']);
  });
});

describe('TALKLINE_WEB_DIR=off', () => {
  let server;
  before(async () => {
    server = await startServer({ env: { TALKLINE_WEB_DIR: 'off', TALKLINE_API_DOCS_DIR: '' } });
  });
  after(async () => server?.dispose());

  test('/ is a 404 problem document and the API still answers', async () => {
    assertProblem(await request(server.baseUrl, 'GET', '/'), 404, 'not_found');
    assertProblem(await request(server.baseUrl, 'GET', '/index.html'), 404, 'not_found');
    assertProblem(await request(server.baseUrl, 'GET', '/api/v1/docs/'), 404, 'not_found');
    assert.equal((await request(server.baseUrl, 'GET', '/api/v1/openapi.json')).status, 200);
  });
});
