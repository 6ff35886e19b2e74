// Reply previews. The server fills a reply's replyPreview when the reply is read, but does
// not send the reply again when the answered message changes later: the previews held
// here follow the edits and deletes of their targets themselves.
import { messagesOf, state } from './state.js';

// The server's default TALKLINE_REPLY_PREVIEW_CHARS: a preview made here looks like its.
const PREVIEW_CHARS = 100;

/** A replyPreview for `target`, as the server would make it. */
export function previewOf(target) {
  const chars = [...(target.body ?? '')];
  const deleted = Boolean(target.deletedAt);
  return {
    id: target.id,
    seq: target.seq,
    senderId: target.senderId,
    body: deleted ? null : chars.slice(0, PREVIEW_CHARS).join(''),
    truncated: !deleted && chars.length > PREVIEW_CHARS,
    deleted,
  };
}

/** Refreshes the previews of loaded replies to a message that was edited or deleted. */
export function applyPreviewChange(change) {
  if (change.type !== 'edited' && change.type !== 'deleted') return;
  if (!state.older.has(change.conversationId)) return;
  for (const message of messagesOf(change.conversationId).values()) {
    if (message.replyPreview?.id === change.message.id) message.replyPreview = previewOf(change.message);
  }
}

/** What a preview shows of the answered message's text. */
export function previewText(preview) {
  if (preview.deleted) return 'deleted';
  if (!preview.body) return 'an attachment';
  return preview.truncated ? `${preview.body}…` : preview.body;
}
