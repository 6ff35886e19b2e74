// The HTTP API (docs/openapi.json) with bearer tokens. A 401 triggers one token refresh
// and a retry; when the refresh fails too the session is over and onSignedOut runs.
import { clearSession, getSession, saveSession } from './session.js';

const BASE = '/api/v1';
let refreshing = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.code = problem?.code;
    this.fields = problem?.errors ?? [];
  }
}

/**
 * What to tell the user of a failed call: the fields a validation error names (its
 * detail only says that validation failed), else the server's detail.
 */
export function describeError(error) {
  const fields = error?.fields?.map((f) => `${f.field} ${f.message}`).join('; ');
  return fields || error?.message || 'something went wrong';
}

export function setSignedOutHandler(handler) {
  onSignedOut = handler;
}

// One refresh at a time across the user's tabs (Web Locks; a page without them, off a
// secure origin, still shares one attempt among its own callers).
function acrossTabs(work) {
  return navigator.locks ? navigator.locks.request('talkline.refresh', work) : work();
}

/**
 * Gets a new access token with the refresh token; concurrent callers share one attempt.
 * A refresh token is good for one use: when another tab has used it meanwhile, its new
 * tokens are already stored and are taken instead of refreshing again.
 */
export function refreshTokens() {
  const before = getSession();
  if (!before?.refreshToken) return Promise.resolve(false);
  refreshing ??= acrossTabs(async () => {
    const session = getSession();
    if (!session?.refreshToken) return false;
    if (session.refreshToken !== before.refreshToken) return true;
    const res = await fetch(`${BASE}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
    if (!res.ok) return false;
    saveSession(await res.json());
    return true;
  })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

async function send(method, path, { body, raw, contentType, auth = true } = {}) {
  const headers = {};
  if (auth && getSession()) headers.Authorization = `Bearer ${getSession().accessToken}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers['Content-Type'] = contentType || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  return fetch(BASE + path, { method, headers, body: payload });
}

/** One API call; resolves to the parsed JSON (or null for 204), throws ApiError. */
export async function call(method, path, options = {}) {
  let res = await send(method, path, options);
  if (res.status === 401 && options.auth !== false) {
    if (await refreshTokens()) {
      res = await send(method, path, options);
    } else {
      clearSession();
      onSignedOut();
    }
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** A protected file (an attachment or its thumbnail) as an object URL. */
export async function fetchBlobUrl(url) {
  const get = () => fetch(url, { headers: { Authorization: `Bearer ${getSession()?.accessToken}` } });
  let res = await get();
  if (res.status === 401 && (await refreshTokens())) res = await get();
  if (!res.ok) throw new ApiError(res.status, null);
  return URL.createObjectURL(await res.blob());
}

export const api = {
  register: (username, password) => call('POST', '/auth/register', { body: { username, password }, auth: false }),
  login: (username, password) => call('POST', '/auth/login', { body: { username, password }, auth: false }),
  logout: () => call('POST', '/auth/logout'),
  user: (id) => call('GET', `/users/${id}`),
  findUsers: (q) => call('GET', `/users?q=${encodeURIComponent(q)}&limit=20`),
  conversations: () => call('GET', '/conversations?limit=100'),
  conversation: (id) => call('GET', `/conversations/${id}`),
  createDirect: (userId) => call('POST', '/conversations', { body: { type: 'direct', userId } }),
  createGroup: (title, memberIds) => call('POST', '/conversations', { body: { type: 'group', title, memberIds } }),
  messages: (id, before) => call('GET', `/conversations/${id}/messages?limit=30${before ? `&before=${before}` : ''}`),
  pins: (id) => call('GET', `/conversations/${id}/pins`),
  updateConversation: (id, changes) => call('PATCH', `/conversations/${id}`, { body: changes }),
  addMembers: (id, userIds) => call('POST', `/conversations/${id}/members`, { body: { userIds } }),
  removeMember: (id, userId) => call('DELETE', `/conversations/${id}/members/${userId}`),
  setMemberRole: (id, userId, role) => call('PATCH', `/conversations/${id}/members/${userId}`, { body: { role } }),
  updateMe: (changes) => call('PATCH', '/users/me', { body: changes }),
  search: (q) => call('GET', `/search/messages?q=${encodeURIComponent(q)}&limit=20`),
  upload: (file) =>
    call('POST', `/uploads?name=${encodeURIComponent(file.name)}`, { raw: file, contentType: file.type }),
};
