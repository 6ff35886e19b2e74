// The HTTP API subset the benchmark needs, on node:http, with TalkLine's shapes:
// register, login, create a conversation, read a conversation's history, and the liveness
// probe. Errors are problem+json, mapped once in `serve`.

import { AppError, toProblem } from "./errors.mjs";

const kMaxBodyBytes = 1_000_000;

export function createApiHandler(chat) {
  const routes = {
    "POST /api/v1/auth/register": async (req) => [201, await chat.register(await readJson(req))],
    "POST /api/v1/auth/login": async (req) => [200, await chat.login(await readJson(req))],
    "POST /api/v1/conversations": async (req) => {
      const callerId = authenticate(chat, req);
      const { conversation, created } = await chat.conversationCreate(callerId, await readJson(req));
      return [created ? 201 : 200, conversation];
    },
    "GET /healthz": async () => [200, { status: "ok" }],
  };
  // The routes with a path parameter, tried in order after the exact ones miss.
  const patterns = [
    ["GET", /^\/api\/v1\/conversations\/([^/]+)\/messages$/, async (req, [id], query) => {
      const callerId = authenticate(chat, req);
      const params = { before: lastParam(query, "before"), after: lastParam(query, "after"), limit: lastParam(query, "limit") };
      return [200, await chat.messageHistory(callerId, decodePathSegment(id), params)];
    }],
  ];

  function route(method, path) {
    const exact = routes[`${method} ${path}`];
    if (exact) return [exact, []];
    for (const [m, pattern, handler] of patterns) {
      const match = m === method && pattern.exec(path);
      if (match) return [handler, match.slice(1)];
    }
    return [null, []];
  }

  return async function serve(req, res) {
    const mark = req.url.indexOf("?");
    const path = mark < 0 ? req.url : req.url.slice(0, mark);
    const rawQuery = mark < 0 ? "" : req.url.slice(mark + 1);
    const [handler, params] = route(req.method, path);
    try {
      if (!handler) throw new AppError("not_found", "no such route");
      const [status, body] = await handler(req, params, new URLSearchParams(rawQuery));
      send(res, status, "application/json", body);
    } catch (err) {
      if (!(err instanceof AppError)) console.error(err);
      const problem = toProblem(err);
      send(res, problem.status, "application/problem+json", problem);
    }
  };
}

function authenticate(chat, req) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) throw new AppError("unauthenticated", "a bearer token is required");
  try {
    return chat.tokens.verify(header.slice(7));
  } catch (err) {
    throw new AppError("unauthenticated", err.message);
  }
}

// TalkLine's query parser keeps the last value of a repeated key; URLSearchParams.get the first.
function lastParam(query, name) {
  return query.getAll(name).at(-1);
}

// A path segment percent-decoded like TalkLine's; a malformed escape stays as sent and then
// fails the id check.
function decodePathSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > kMaxBodyBytes) throw new AppError("payload_too_large", "body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new AppError("invalid_argument", "body is not valid JSON", [{ field: "body", message: "must be JSON" }]);
  }
}

function send(res, status, type, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
