// Uploads and downloads over raw HTTP for the attachment suites: bodies are bytes, not
// text, and every request has a connection of its own.
import crypto from 'node:crypto';
import http from 'node:http';

import { assertJson, contractProblem } from './harness.mjs';
import { encodePng } from './png.mjs';

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

/** An RGB PNG of width × height with a colour gradient. */
export function png(width, height) {
  return encodePng(width, height, (x, y) => [((x >> 4) * 16) & 0xff, ((y >> 4) * 16) & 0xff, 128]);
}
export const sha256 = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex');
