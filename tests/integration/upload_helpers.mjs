// Uploads and downloads over raw HTTP for the attachment suites: bodies are bytes, not
// text, and every request has a connection of its own.
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';

import { assertJson, contractProblem } from './harness.mjs';

export function raw(baseUrl, method, urlPath, { token, body, headers = {}, offContract = false } = {}) {
  const url = new URL(urlPath, baseUrl);
  const outgoing = { ...headers };
  if (token) outgoing.authorization = `Bearer ${token}`;
  if (body !== undefined && outgoing['transfer-encoding'] === undefined) outgoing['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: outgoing, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const mismatch = offContract ? null : contractProblem(method, urlPath, res, bytes);
        if (mismatch) {
          reject(mismatch);
          return;
        }
        let json;
        try {
          json = JSON.parse(bytes.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, bytes, json, text: bytes.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function uploadHelpers(get) {
  const base = () => get().server.baseUrl;
  const h = {
    upload(user, body, { type = 'text/plain', name, disposition, headers = {} } = {}) {
      const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
      const extra = { ...headers };
      if (type !== undefined) extra['content-type'] = type;
      if (disposition !== undefined) extra['content-disposition'] = disposition;
      return raw(base(), 'POST', `/api/v1/uploads${query}`, { token: user?.accessToken, body, headers: extra });
    },
    async uploaded(user, body, options) {
      const res = await h.upload(user, body, options);
      return assertJson(res, 201);
    },
    download(user, id, headers = {}, method = 'GET') {
      return raw(base(), method, `/api/v1/attachments/${id}`, { token: user?.accessToken, headers });
    },
    send(user, conversationId, payload) {
      return get().client.post(`/api/v1/conversations/${conversationId}/messages`, {
        token: user.accessToken,
        body: { clientMsgId: `c-${crypto.randomUUID()}`, ...payload },
      });
    },
  };
  return h;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** An RGB PNG of width × height with a colour gradient. */
export function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([(x >> 4) * 16 & 0xff, (y >> 4) * 16 & 0xff, 128], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
export const sha256 = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex');
