// The `redis` mode store: every user, conversation and message in one Redis, so that several
// peer processes serve the same chat (with the Redis adapter carrying message:new between
// them). Held in Redis's memory: how durable it is is the Redis server's persistence setting
// (the benchmark's throwaway Redis has none).
//
// Each step that must be atomic across processes — a send's retry check, membership check,
// next seq and insert; a conversation's creation; a cursor move — is one Lua script, run with
// EVALSHA: one round trip, and Redis runs scripts one at a time. Scripts are loaded when the
// store opens; the Redis must not be flushed while the peer runs.
//
// Keys, all under "peer:":
//   ids                          counter for user, conversation and message ids
//   username:<name>              user id
//   user:<id>                    hash username, displayName, passwordHash, createdAt
//   direct:<low id>:<high id>    conversation id of the pair's direct conversation
//   conv:<id>                    hash type, title, createdBy, createdAt, lastSeq, lastActivityAt
//   members:<conversation id>    hash user id -> "<role> <joinedAt>"
//   cursors:<conversation id>    hash user id -> "<deliveredSeq> <readSeq>"
//   messages:<conversation id>   list of message JSON; seq s is at index s - 1
//   clientmsg:<sender>:<client>  the message JSON, for retries
//   msgconv                      hash message id -> conversation id (replyTo checks)

import { createClient } from "redis";

import { AppError } from "./errors.mjs";

// ARGV: username, displayName, passwordHash, createdAt. The new id, or nil when the name is taken.
const kUserInsert = `
local nameKey = 'peer:username:' .. ARGV[1]
if redis.call('EXISTS', nameKey) == 1 then return false end
local id = tostring(redis.call('INCR', 'peer:ids'))
redis.call('SET', nameKey, id)
redis.call('HSET', 'peer:user:' .. id, 'username', ARGV[1], 'displayName', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4])
return id`;

// ARGV: type, title ('' for none), createdBy, createdAt, direct key ('' for a group), member
// ids... {'no_user'}, {'existing', id} (the pair's direct conversation) or {'created', id}.
const kConversationCreate = `
for i = 6, #ARGV do
  if redis.call('EXISTS', 'peer:user:' .. ARGV[i]) == 0 then return {'no_user'} end
end
if ARGV[5] ~= '' then
  local existing = redis.call('GET', 'peer:direct:' .. ARGV[5])
  if existing then return {'existing', existing} end
end
local id = tostring(redis.call('INCR', 'peer:ids'))
if ARGV[5] ~= '' then redis.call('SET', 'peer:direct:' .. ARGV[5], id) end
local conv = 'peer:conv:' .. id
redis.call('HSET', conv, 'type', ARGV[1], 'createdBy', ARGV[3], 'createdAt', ARGV[4], 'lastSeq', 0, 'lastActivityAt', ARGV[4])
if ARGV[2] ~= '' then redis.call('HSET', conv, 'title', ARGV[2]) end
for i = 6, #ARGV do
  local role = 'member'
  if ARGV[i] == ARGV[3] then role = 'owner' end
  redis.call('HSET', 'peer:members:' .. id, ARGV[i], role .. ' ' .. ARGV[4])
  redis.call('HSET', 'peer:cursors:' .. id, ARGV[i], '0 0')
end
return {'created', id}`;

// ARGV: senderId, conversationId, clientMsgId, body, replyTo ('' for none), createdAt.
// {'retry', message}, {'not_member'}, {'bad_reply'} or {'new', message, member ids}. The checks
// run in Chat.messageSend's order; the message JSON has MemoryStore's key order.
const kMessageSend = `
local sender, cid, client, body, reply, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local retryKey = 'peer:clientmsg:' .. sender .. ':' .. client
local previous = redis.call('GET', retryKey)
if previous then return {'retry', previous} end
local members = 'peer:members:' .. cid
if redis.call('HEXISTS', members, sender) == 0 then return {'not_member'} end
if reply ~= '' and redis.call('HGET', 'peer:msgconv', reply) ~= cid then return {'bad_reply'} end
local seq = redis.call('HINCRBY', 'peer:conv:' .. cid, 'lastSeq', 1)
redis.call('HSET', 'peer:conv:' .. cid, 'lastActivityAt', at)
local id = tostring(redis.call('INCR', 'peer:ids'))
local replyJson = 'null'
if reply ~= '' then replyJson = '"' .. reply .. '"' end
local message = '{"id":"' .. id .. '","conversationId":"' .. cid .. '","seq":' .. seq .. ',"senderId":"' .. sender ..
  '","clientMsgId":' .. cjson.encode(client) .. ',"body":' .. cjson.encode(body) .. ',"replyTo":' .. replyJson ..
  ',"createdAt":"' .. at .. '","editedAt":null}'
redis.call('RPUSH', 'peer:messages:' .. cid, message)
redis.call('SET', retryKey, message)
redis.call('HSET', 'peer:msgconv', id, cid)
redis.call('HSET', 'peer:cursors:' .. cid, sender, seq .. ' ' .. seq)
return {'new', message, redis.call('HKEYS', members)}`;

// ARGV: conversationId, userId, before (0: the latest page), after (-1: none), limit. Up to
// limit message JSONs ascending by seq (MemoryStore.messageList's contract), or nil for a
// non-member.
const kMessageList = `
if redis.call('HEXISTS', 'peer:members:' .. ARGV[1], ARGV[2]) == 0 then return false end
local list = 'peer:messages:' .. ARGV[1]
local before, after, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local length = redis.call('LLEN', list)
-- Bounds are clamped to the length first: Lua would pass a huge one on as 9.0e+15.
if after >= 0 then
  if after >= length then return {} end
  return redis.call('LRANGE', list, after, math.min(after + limit, length) - 1)
end
local finish = length
if before > 0 then finish = math.min(before - 1, length) end
local start = math.max(0, finish - limit)
if finish <= start then return {} end
return redis.call('LRANGE', list, start, finish - 1)`;

// ARGV: conversationId, userId, type ('delivered' or 'read'), seq. {'not_member'},
// {'past_end'} or {'ok', deliveredSeq, readSeq[, member ids when the cursor moved]}: the rule
// of chat.mjs's moveCursors, here so that two devices on two processes cannot race.
const kReceipt = `
local cid, user, kind, seq = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local members = 'peer:members:' .. cid
if redis.call('HEXISTS', members, user) == 0 then return {'not_member'} end
if seq > tonumber(redis.call('HGET', 'peer:conv:' .. cid, 'lastSeq')) then return {'past_end'} end
local cursorsKey = 'peer:cursors:' .. cid
local d, r = string.match(redis.call('HGET', cursorsKey, user), '^(%d+) (%d+)$')
local delivered, read = tonumber(d), tonumber(r)
local newRead, newDelivered, moved = read, delivered, false
if kind == 'read' then
  newRead = math.max(read, seq)
  newDelivered = math.max(delivered, newRead)
  moved = newRead > read
else
  newDelivered = math.max(delivered, seq)
  moved = newDelivered > delivered
end
if newDelivered ~= delivered or newRead ~= read then
  redis.call('HSET', cursorsKey, user, newDelivered .. ' ' .. newRead)
end
if moved then return {'ok', newDelivered, newRead, redis.call('HKEYS', members)} end
return {'ok', newDelivered, newRead}`;

const kScripts = {
  userInsert: kUserInsert,
  conversationCreate: kConversationCreate,
  messageSend: kMessageSend,
  messageList: kMessageList,
  receipt: kReceipt,
};

export class RedisStore {
  #client;
  #sha = {};

  /** Connects to `url` (redis://host:port) and loads the scripts. */
  static async open(url) {
    const store = new RedisStore();
    store.#client = createClient({ url });
    // node-redis reconnects by itself; without a listener an error event would end the process.
    store.#client.on("error", (err) => console.error(`redis store: ${err.message}`));
    await store.#client.connect();
    for (const [name, script] of Object.entries(kScripts)) store.#sha[name] = await store.#client.scriptLoad(script);
    return store;
  }

  async close() {
    await this.#client.quit();
  }

  #run(name, ...args) {
    return this.#client.sendCommand(["EVALSHA", this.#sha[name], "0", ...args.map(String)]);
  }

  // ---- users ----

  /** The new user; throws conflict when the name is taken. */
  async userInsert({ username, displayName, passwordHash, createdAt }) {
    const id = await this.#run("userInsert", username, displayName, passwordHash, createdAt);
    if (id === null) throw new AppError("conflict", "username is taken");
    return userView(id, { username, displayName, createdAt });
  }

  /** `{user, passwordHash}`, or null. */
  async userByName(username) {
    const id = await this.#client.get(`peer:username:${username}`);
    if (id === null) return null;
    const fields = await this.#client.hGetAll(`peer:user:${id}`);
    return { user: userView(id, fields), passwordHash: fields.passwordHash };
  }

  // ---- conversations ----

  /**
   * `{conversation, created}` (a direct conversation is one per pair: `created` false when it
   * existed), or null when one of `memberIds` is not a user.
   */
  async conversationCreate({ type, title, createdBy, memberIds, createdAt }) {
    const direct = type === "direct" ? directKey(memberIds[0], memberIds[1]) : "";
    const [outcome, id] = await this.#run("conversationCreate", type, title ?? "", createdBy, createdAt, direct, ...memberIds);
    if (outcome === "no_user") return null;
    return { conversation: await this.conversationView(id, createdBy), created: outcome === "created" };
  }

  /** The conversation as `viewer` sees it (MemoryStore's shape), or null when it does not exist. */
  async conversationView(id, viewer) {
    const [conv, members, cursors, last] = await this.#client
      .multi()
      .hGetAll(`peer:conv:${id}`)
      .hGetAll(`peer:members:${id}`)
      .hGetAll(`peer:cursors:${id}`)
      .lIndex(`peer:messages:${id}`, -1)
      .exec();
    if (!conv.type) return null;
    const memberList = Object.entries(members)
      .map(([userId, value]) => {
        const [role, joinedAt] = value.split(" ");
        const [deliveredSeq, readSeq] = (cursors[userId] ?? "0 0").split(" ").map(Number);
        return { userId, role, joinedAt, deliveredSeq, readSeq };
      })
      .sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1));
    const lastSeq = Number(conv.lastSeq);
    const own = memberList.find((m) => m.userId === viewer);
    return {
      id, type: conv.type, title: conv.title ?? null, createdBy: conv.createdBy, members: memberList, lastSeq,
      lastMessage: last ? JSON.parse(last) : null, unreadCount: own ? lastSeq - own.readSeq : 0,
      createdAt: conv.createdAt, lastActivityAt: conv.lastActivityAt,
    };
  }

  // ---- messages ----

  /**
   * `{status: "new", message, memberIds}`, `{status: "retry", message}` (the original),
   * `{status: "not_member"}` or `{status: "bad_reply"}`.
   */
  async messageSend({ conversationId, senderId, clientMsgId, body, replyTo, createdAt }) {
    const [status, message, memberIds] = await this.#run(
      "messageSend", senderId, conversationId, clientMsgId, body, replyTo ?? "", createdAt,
    );
    return { status, message: message === undefined ? undefined : JSON.parse(message), memberIds };
  }

  /** Up to `limit` messages ascending by seq (MemoryStore.messageList), or null for a non-member. */
  async messageList(conversationId, userId, { before, after, limit }) {
    const rows = await this.#run("messageList", conversationId, userId, before ?? 0, after ?? -1, limit);
    return rows === null ? null : rows.map((row) => JSON.parse(row));
  }

  // ---- cursors ----

  /**
   * `{status: "ok", deliveredSeq, readSeq, moved, memberIds}` (memberIds when moved),
   * `{status: "not_member"}` or `{status: "past_end"}`.
   */
  async receipt(conversationId, userId, type, seq) {
    const [status, deliveredSeq, readSeq, memberIds] = await this.#run("receipt", conversationId, userId, type, seq);
    return { status, deliveredSeq, readSeq, moved: memberIds !== undefined, memberIds: memberIds ?? null };
  }
}

function directKey(a, b) {
  return BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`;
}

function userView(id, { username, displayName, createdAt }) {
  return { id, username, displayName, bio: "", avatarUrl: null, role: "user", createdAt, lastSeenAt: null };
}
