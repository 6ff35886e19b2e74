// The web client's record of what it has applied (web/public/js/state.js), run in Node:
// acks of my own changes must not make the client drop events of the ordered stream
// that are numbered below them, and an older snapshot of a message never replaces a
// newer one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

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
