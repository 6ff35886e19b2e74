// Shared plumbing of the tests of a conversation's change feed over Socket.IO (edits and
// deletes, reactions, pins; chat/ and cluster/): the feed events a ChatClient recorded,
// the acks of the changes a socket makes, and GET …/changes to compare them with.
//
//   const ctx = useFeedServer(5);                        // sync pages of 5 changes
//   const change = await edit(a, id, sent.id, "hello");  // the ack must be ok
//   await waitFeed(b, id, 2);
//   assert.deepEqual(feedOf(b, id), (await changesOver(ctx.client, bob, id)).map(asEvent));

import assert from "node:assert/strict";

import { WAIT_MS, useChatServer } from "./helpers.mjs";

export const THUMBS = "\u{1F44D}";
export const PARTY = "\u{1F389}";
export const HEART = "\u2764\uFE0F";

/** The events that carry a conversation's changes, each with its changeSeq. */
export const FEED_EVENTS = ["message:new", "message:updated", "message:deleted", "message:reaction", "message:pin"];
/** The event a connection receives for each type of change. */
export const EVENT_OF_TYPE = {
  created: "message:new",
  edited: "message:updated",
  deleted: "message:deleted",
  reacted: "message:reaction",
  unreacted: "message:reaction",
  pinned: "message:pin",
  unpinned: "message:pin",
};

/**
 * One server for the calling file (useChatServer) whose sync and catch-up answer pages
 * of `page` changes, with a send rate limit no test reaches.
 */
export function useFeedServer(page) {
  return useChatServer({
    TALKLINE_SYNC_PAGE_SIZE: String(page),
    TALKLINE_MESSAGES_PER_SECOND_PER_USER: "100000",
    TALKLINE_MESSAGE_BURST_PER_USER: "100000",
  });
}

// ---- the feed a connection received ---------------------------------------------------

/** The feed events `client` received for `conversationId`, in arrival order. */
export function feedOf(client, conversationId) {
  return client.log
    .filter((e) => FEED_EVENTS.includes(e.event) && e.payload?.conversationId === conversationId)
    .map((e) => ({ event: e.event, changeSeq: e.payload.changeSeq, payload: e.payload }));
}

/** Waits until `client` has at least `count` feed events of `conversationId`. */
export function waitFeed(client, conversationId, count, timeoutMs = WAIT_MS) {
  return client.until(
    () => {
      const feed = feedOf(client, conversationId);
      return feed.length >= count ? feed : null;
    },
    `${count} feed events of ${conversationId}`,
    timeoutMs,
  );
}

/** [event, changeSeq] pairs, for compact comparisons. */
export function shape(feed) {
  return feed.map((e) => [e.event, e.changeSeq]);
}

/** The message of a feed event: message:new carries it, the others carry a change. */
export function messageOf(entry) {
  return entry.event === "message:new" ? entry.payload : entry.payload.message;
}

/** The feed entry a connection receives for `change` (a GET …/changes item without `me`). */
export function asEvent(change) {
  return {
    event: EVENT_OF_TYPE[change.type],
    changeSeq: change.changeSeq,
    payload: change.type === "created" ? change.message : change,
  };
}

/** A copy of a change or message with `me` taken out of every reaction entry. */
export function withoutMe(value) {
  return JSON.parse(JSON.stringify(value), (key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v) && "emoji" in v && "count" in v) {
      const { me, ...rest } = v;
      return rest;
    }
    return v;
  });
}

/** `from, from+1, …, to` (empty when `to < from`). */
export function range(from, to) {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Asserts a change as a socket carries it: exactly a change's fields, with these values (`reason` null unless given). */
export function assertSocketChange(change, { conversationId, changeSeq, type, actorId, messageId, emoji, reason = null }) {
  assert.deepEqual(
    Object.keys(change).sort(),
    ["actorId", "at", "changeSeq", "conversationId", "emoji", "message", "reason", "type"],
    JSON.stringify(change),
  );
  assert.equal(change.conversationId, conversationId);
  assert.equal(change.changeSeq, changeSeq);
  assert.equal(change.type, type);
  assert.equal(change.actorId, actorId);
  assert.equal(change.emoji, emoji);
  assert.equal(change.reason, reason);
  assert.equal(typeof change.at, "string");
  assert.equal(change.message.id, messageId);
}

// ---- changes made through a socket ----------------------------------------------------

/** Emits `event` with `payload`; the ack must be ok. Resolves with the ack. */
export async function ok(client, event, payload) {
  const answer = await client.ack(event, payload);
  assert.equal(answer?.ok, true, `${client.label}: ${event} refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** `fields` with clientChangeId added when one is given. */
function withKey(fields, clientChangeId) {
  return clientChangeId === undefined ? fields : { ...fields, clientChangeId };
}

/** message:edit that must succeed; resolves with the change. */
export async function edit(client, conversationId, messageId, body, clientChangeId) {
  return (await ok(client, "message:edit", withKey({ conversationId, messageId, body }, clientChangeId))).change;
}

/** message:delete that must succeed; resolves with the change. */
export async function remove(client, conversationId, messageId, clientChangeId) {
  return (await ok(client, "message:delete", withKey({ conversationId, messageId }, clientChangeId))).change;
}

/** reaction:add that must succeed; resolves with the change. */
export async function react(client, conversationId, messageId, emoji, clientChangeId) {
  return (await ok(client, "reaction:add", withKey({ conversationId, messageId, emoji }, clientChangeId))).change;
}

/** reaction:remove that must succeed; resolves with the change. */
export async function unreact(client, conversationId, messageId, emoji, clientChangeId) {
  return (await ok(client, "reaction:remove", withKey({ conversationId, messageId, emoji }, clientChangeId))).change;
}

/** pin:add that must succeed; resolves with the change. */
export async function pin(client, conversationId, messageId, clientChangeId) {
  return (await ok(client, "pin:add", withKey({ conversationId, messageId }, clientChangeId))).change;
}

/** pin:remove that must succeed; resolves with the change. */
export async function unpin(client, conversationId, messageId, clientChangeId) {
  return (await ok(client, "pin:remove", withKey({ conversationId, messageId }, clientChangeId))).change;
}

// ---- what HTTP reads ------------------------------------------------------------------

/** GET …/changes from `after` through `http` (an api() client), every page. */
export async function changesOver(http, user, conversationId, after = 0) {
  const items = [];
  let cursor = String(after);
  for (let i = 0; i < 1000; i += 1) {
    const res = await http.get(`/api/v1/conversations/${conversationId}/changes?limit=100&after=${cursor}`, {
      token: user.accessToken,
    });
    assert.equal(res.status, 200, `GET changes at ${http.baseUrl}: ${res.status} ${res.text}`);
    items.push(...res.json.items);
    if (res.json.nextCursor === null) return items;
    cursor = res.json.nextCursor;
  }
  assert.fail("the change feed did not end");
}

/** The items of GET …/pins through `http` (an api() client). */
export async function pinsOver(http, user, conversationId) {
  const res = await http.get(`/api/v1/conversations/${conversationId}/pins`, { token: user.accessToken });
  assert.equal(res.status, 200, `GET pins at ${http.baseUrl}: ${res.status} ${res.text}`);
  return res.json.items;
}
