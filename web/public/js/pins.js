// Which messages of a conversation are pinned. Messages carry no pinned flag: the list
// comes from GET …/pins and is kept current by the pin, unpin and delete changes of the
// feed. Each message's pin state remembers the changeSeq that set it, so a change that
// arrives late (my ack after another member's unpin) cannot undo a newer one.
import { state } from './state.js';

function pinsOf(conversationId) {
  let pins = state.pins.get(conversationId);
  if (!pins) {
    pins = new Map();
    state.pins.set(conversationId, pins);
  }
  return pins;
}

/**
 * Applies a change's effect on the pins. `fresh` says whether its message snapshot is
 * newer than any applied before (see supersededChange); only then does a pin show it.
 */
export function applyPinChange(change, { fresh = true } = {}) {
  const id = change.message.id;
  const pins = pinsOf(change.conversationId);
  if (change.type === 'pinned' || change.type === 'unpinned' || change.type === 'deleted') {
    if (change.changeSeq <= (state.pinVersions.get(id) ?? 0)) return;
    state.pinVersions.set(id, change.changeSeq);
    // Deleting a message unpins it, with no unpin change of its own.
    if (change.type === 'pinned' && !change.message.deletedAt) {
      pins.set(id, { message: change.message, pinnedBy: change.actorId, pinnedAt: change.at });
    } else {
      pins.delete(id);
    }
    return;
  }
  const pin = pins.get(id);
  if (pin && fresh) pin.message = change.message;
}

/**
 * Takes the list read over HTTP. A message whose pin state a live change set after
 * `sinceChangeSeq` (the conversation's mark when the request went out) keeps that state:
 * the answer may have been read before the change.
 */
export function setLoadedPins(conversationId, items, sinceChangeSeq) {
  const before = pinsOf(conversationId);
  const live = (id) => (state.pinVersions.get(id) ?? 0) > sinceChangeSeq;
  const next = new Map();
  for (const item of items) if (!live(item.message.id)) next.set(item.message.id, item);
  for (const [id, pin] of before) if (live(id)) next.set(id, pin);
  state.pins.set(conversationId, next);
}

/** The pinned messages, the latest pin first. */
export function pinnedList(conversationId) {
  const pins = state.pins.get(conversationId);
  if (!pins) return [];
  return [...pins.values()].sort((a, b) => (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? ''));
}

export function isPinned(message) {
  return Boolean(message.id && state.pins.get(message.conversationId)?.has(message.id));
}
