// Shared plumbing of the cluster tests of a conversation's change feed (edits and
// deletes, reactions, pins made through one node and read on the others): the cluster
// with each test's sockets closed after it, how they connect, and how long they wait.
// The rest (feedOf, the acks, changesOver) is ../chat/feed_helpers.mjs.

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { afterEach } from "node:test";

import { messageOf, waitFeed as waitFeedWithin, withoutMe } from "../chat/feed_helpers.mjs";
import { closeAllClients } from "../chat/helpers.mjs";
import { useCluster } from "./fixture.mjs";

export const WEBSOCKET = { transports: ["websocket"] };
export const POLLING = { transports: ["polling"] };
/** Longest wait for an event that crosses nodes. */
export const CROSS_NODE_MS = 10_000;
/** How long a test lets the cluster go on before concluding that nothing more arrives. */
export const SETTLE_MS = 500;

/** useCluster({ nodes }) for the calling file; the sockets a test opens are closed after it. */
export function useSocketCluster(nodes) {
  const ctx = useCluster({ nodes });
  afterEach(() => closeAllClients());
  return ctx;
}

/** Waits until `client` has at least `count` feed events of `conversationId`, from any node. */
export function waitFeed(client, conversationId, count) {
  return waitFeedWithin(client, conversationId, count, CROSS_NODE_MS);
}

/** Each message of `entries` (feed entries of acks, in changeSeq order) as the last of them left it. */
export function messagesNow(entries) {
  const now = new Map();
  for (const entry of entries) now.set(messageOf(entry).id, messageOf(entry));
  return now;
}

/** `entry` with its message replaced by `message`. */
function withMessage(entry, message) {
  if (entry.event === "message:new") return { ...entry, payload: message };
  return { ...entry, payload: { ...entry.payload, message } };
}

/**
 * Asserts that `feed` is `expected`, entry by entry, where an entry may carry its message
 * as it is now (`now`, from messagesNow) instead of as acked: a node that waited in vain
 * for another node's announcement reads the missing changes from the store, and a change
 * read there carries its message as it is now (docs/protocol.md). Reactions are compared
 * without `me`, which a store read fills in for the reader.
 */
export function assertFeed(feed, expected, now, label) {
  const shape = (entries) => entries.map((e) => [e.event, e.changeSeq]);
  assert.deepEqual(shape(feed), shape(expected), `${label}: the events and their order`);
  feed.forEach((entry, i) => {
    const acked = expected[i];
    if (isDeepStrictEqual(entry, acked)) return;
    const asNow = withMessage(acked, now.get(messageOf(acked).id));
    assert.deepEqual(withoutMe(entry), withoutMe(asNow), `${label}: change ${acked.changeSeq} neither as acked nor as it is now`);
  });
}
