// The web client's record of what it has applied (web/public/js/state.js, pins.js,
// replies.js), run in Node: acks of my own changes must not make the client drop events
// of the ordered stream that are numbered below them, an older snapshot of a message
// never replaces a newer one, a late pin change never undoes a newer one, and reply
// previews follow the messages they quote.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyPinChange, isPinned, pinnedList, setLoadedPins } from '../../web/public/js/pins.js';
import { applyPreviewChange, previewOf } from '../../web/public/js/replies.js';
import {
  noteChange,
  noteOwnChange,
  seenChange,
  state,
  supersededChange,
  upsertMessage,
} from '../../web/public/js/state.js';

const id = 'c1';

test('an ack that overtakes the stream waits until the stream reaches it', () => {
  noteChange(id, 10);
  noteOwnChange(id, 21); // a send right after a reconnect, acked before catch-up's 11..20
  assert.equal(state.lastChange.get(id), 10);
  for (let seq = 11; seq <= 20; seq++) {
    assert.equal(seenChange(id, seq), false, `event ${seq} is not dropped`);
    noteChange(id, seq);
  }
  assert.equal(state.lastChange.get(id), 21, 'the own change counts once the stream is contiguous with it');
  assert.equal(seenChange(id, 21), true);
  noteOwnChange(id, 22);
  assert.equal(state.lastChange.get(id), 22, 'an ack right after the mark moves it at once');
});

test('an own change below the mark is already counted', () => {
  noteOwnChange(id, 5);
  assert.equal(state.lastChange.get(id), 22);
  assert.equal(state.ownChanges.get(id).size, 0);
});

test('a change older than what is shown of its message is superseded', () => {
  upsertMessage({ id: 'm1', conversationId: 'c2', seq: 1, changeSeq: 3, body: 'hi' });
  const message = { id: 'm1', conversationId: 'c2', seq: 1, changeSeq: 3 };
  assert.equal(supersededChange({ changeSeq: 3, message }), true);
  assert.equal(supersededChange({ changeSeq: 4, message }), false);
  state.messageVersions.set('m1', 9);
  assert.equal(supersededChange({ changeSeq: 7, message }), true);
});

function pinChange(type, changeSeq, message, at = `2026-12-07T18:00:${String(changeSeq).padStart(2, '0')}.000Z`) {
  return { conversationId: message.conversationId, changeSeq, type, actorId: 'u1', at, message };
}

test('a pin change that arrives after a newer unpin does not pin again', () => {
  const message = { id: 'p1', conversationId: 'c3', seq: 1 };
  applyPinChange(pinChange('unpinned', 8, message));
  applyPinChange(pinChange('pinned', 7, message)); // my ack, overtaken by another member's unpin
  assert.equal(isPinned(message), false);
  applyPinChange(pinChange('pinned', 9, message));
  assert.equal(isPinned(message), true);
});

test('deleting a message unpins it for good', () => {
  const message = { id: 'p2', conversationId: 'c3', seq: 2 };
  applyPinChange(pinChange('pinned', 10, message));
  applyPinChange(pinChange('deleted', 11, { ...message, deletedAt: '2026-12-07T18:01:00.000Z' }));
  applyPinChange(pinChange('pinned', 10, message));
  assert.equal(isPinned(message), false);
});

test('pins read over HTTP keep what changed live meanwhile, latest pin first', () => {
  const older = { id: 'p3', conversationId: 'c4', seq: 3 };
  const newer = { id: 'p4', conversationId: 'c4', seq: 4 };
  const unpinned = { id: 'p5', conversationId: 'c4', seq: 5 };
  // The request went out at changeSeq 20; the answer still lists p5, unpinned at 21.
  applyPinChange(pinChange('pinned', 21, newer, '2026-12-07T18:05:00.000Z'));
  applyPinChange(pinChange('unpinned', 22, unpinned));
  setLoadedPins(
    'c4',
    [
      { message: older, pinnedBy: 'u1', pinnedAt: '2026-12-07T18:02:00.000Z' },
      { message: unpinned, pinnedBy: 'u1', pinnedAt: '2026-12-07T18:01:00.000Z' },
    ],
    20,
  );
  assert.deepEqual(
    pinnedList('c4').map((pin) => pin.message.id),
    ['p4', 'p3'],
  );
});

test('a reply preview follows the edit and the delete of the message it quotes', () => {
  state.older.set('c5', null);
  const target = { id: 't1', conversationId: 'c5', seq: 1, senderId: 'u1', body: 'first', changeSeq: 1 };
  upsertMessage(target);
  upsertMessage({ id: 'r1', conversationId: 'c5', seq: 2, senderId: 'u2', body: 'ok', changeSeq: 2, replyPreview: previewOf(target) });
  const reply = () => state.messages.get('c5').get(2);
  applyPreviewChange({ conversationId: 'c5', changeSeq: 3, type: 'edited', message: { ...target, body: 'x'.repeat(120) } });
  assert.equal(reply().replyPreview.body, 'x'.repeat(100));
  assert.equal(reply().replyPreview.truncated, true);
  applyPreviewChange({ conversationId: 'c5', changeSeq: 4, type: 'deleted', message: { ...target, body: '', deletedAt: '2026-12-07T18:03:00.000Z' } });
  assert.deepEqual(reply().replyPreview, { id: 't1', seq: 1, senderId: 'u1', body: null, truncated: false, deleted: true });
});
