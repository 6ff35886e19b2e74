// Shared plumbing of the cluster tests of a conversation's change feed (edits and
// deletes, reactions, pins made through one node and read on the others): the cluster
// with each test's sockets closed after it, how they connect, and how long they wait.
// The rest (feedOf, the acks, changesOver) is ../chat/feed_helpers.mjs.

import { afterEach } from "node:test";

import { waitFeed as waitFeedWithin } from "../chat/feed_helpers.mjs";
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
