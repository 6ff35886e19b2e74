// One message: sender, time, the message it answers, body, attachments (thumbnails and
// downloads), reactions, the delivery state of my own messages, a pinned marker, and the
// actions: react, reply, pin, and edit / delete for my own.
import { describeError, fetchBlobUrl } from '../api.js';
import { deleteMessage, editMessage, togglePin, toggleReaction } from '../chat.js';
import { $, el, formatTime } from '../dom.js';
import { isPinned } from '../pins.js';
import { previewText } from '../replies.js';
import { canPin } from '../roles.js';
import { deliveryState, displayName, state } from '../state.js';
import { jumpToMessage } from './jump.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉'];
const STATE_LABELS = { sending: 'Sending…', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' };
const blobUrls = new Map(); // attachment url → object URL, fetched once with the token

// The UI state that lives between renders: which message is being edited or confirmed,
// and the message the composer answers.
export const ui = { editing: null, confirmDelete: null, reacting: null, replyTo: null, rerender: () => {} };

// An action refused by the server is said under the messages, not lost.
function reporting(work) {
  $('conversation-error').textContent = '';
  Promise.resolve()
    .then(work)
    .catch((error) => ($('conversation-error').textContent = describeError(error)));
}

function protectedImage(url, alt) {
  const img = el('img', { alt, loading: 'lazy', class: 'thumbnail' });
  const known = blobUrls.get(url);
  if (known) img.src = known;
  else
    fetchBlobUrl(url)
      .then((objectUrl) => {
        blobUrls.set(url, objectUrl);
        img.src = objectUrl;
      })
      .catch(() => (img.alt = `${alt} (unavailable)`));
  return img;
}

async function download(attachment) {
  let objectUrl = blobUrls.get(attachment.url);
  if (!objectUrl) {
    objectUrl = await fetchBlobUrl(attachment.url);
    blobUrls.set(attachment.url, objectUrl);
  }
  const link = el('a', { href: objectUrl, download: attachment.name });
  document.body.append(link);
  link.click();
  link.remove();
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function attachmentsOf(message) {
  if (!message.attachments?.length) return null;
  return el(
    'ul',
    { class: 'attachments' },
    message.attachments.map((a) =>
      el(
        'li',
        {},
        a.thumbnail ? protectedImage(a.thumbnail.url, a.name) : null,
        el('button', {
          type: 'button',
          class: 'link',
          text: `Download ${a.name} (${sizeText(a.size)})`,
          onclick: () => download(a),
        }),
      ),
    ),
  );
}

function reactionsOf(message) {
  if (message.deletedAt || message.pending) return null;
  const mine = state.myReactions.get(message.id) ?? new Set();
  const chips = message.reactions.map((r) =>
    el('button', {
      type: 'button',
      class: `chip${mine.has(r.emoji) ? ' mine' : ''}`,
      'aria-pressed': String(mine.has(r.emoji)),
      'aria-label': `${r.emoji} ${r.count}${mine.has(r.emoji) ? ', yours: remove' : ': add yours'}`,
      text: `${r.emoji} ${r.count}`,
      onclick: () => reporting(() => toggleReaction(message, r.emoji)),
    }),
  );
  const picker =
    ui.reacting === message.id
      ? el(
          'span',
          { class: 'picker', role: 'group', 'aria-label': 'Pick a reaction' },
          QUICK_REACTIONS.map((emoji) =>
            el('button', {
              type: 'button',
              class: 'chip',
              text: emoji,
              'aria-label': `React with ${emoji}`,
              onclick: () => {
                ui.reacting = null;
                reporting(() => toggleReaction(message, emoji));
              },
            }),
          ),
        )
      : null;
  return el('div', { class: 'reactions' }, chips, picker);
}

function replyPreviewOf(message) {
  const preview = message.replyPreview;
  if (!preview || message.deletedAt) return null;
  const name = preview.senderId === state.me.id ? 'You' : displayName(preview.senderId);
  const text = previewText(preview);
  return el(
    'button',
    {
      type: 'button',
      class: `reply-preview${preview.deleted ? ' deleted' : ''}`,
      'aria-label': `In reply to ${name}: ${text}. Show that message`,
      onclick: () => jumpToMessage(preview.seq),
    },
    el('span', { class: 'reply-sender', text: name }),
    el('span', { class: 'reply-text', text }),
  );
}

function actionsOf(message) {
  if (message.pending || message.deletedAt) return null;
  const mineMessage = message.senderId === state.me.id;
  const pinned = isPinned(message);
  const act = (text, label, handler) => el('button', { type: 'button', class: 'action', text, 'aria-label': label, onclick: handler });
  return el(
    'div',
    { class: 'actions' },
    act('React', 'Add a reaction', () => {
      ui.reacting = ui.reacting === message.id ? null : message.id;
      ui.rerender();
    }),
    act('Reply', 'Reply to this message', () => {
      ui.replyTo = message;
      ui.rerender();
      $('composer-input').focus();
    }),
    canPin(state.conversations.get(message.conversationId))
      ? act(pinned ? 'Unpin' : 'Pin', pinned ? 'Unpin this message' : 'Pin this message', () =>
          reporting(() => togglePin(message)),
        )
      : null,
    mineMessage && !message.attachments?.length
      ? act('Edit', 'Edit this message', () => {
          ui.editing = message.id;
          ui.rerender();
        })
      : null,
    mineMessage
      ? ui.confirmDelete === message.id
        ? act('Confirm delete', 'Confirm deleting this message', () => {
            ui.confirmDelete = null;
            reporting(() => deleteMessage(message));
          })
        : act('Delete', 'Delete this message', () => {
            ui.confirmDelete = message.id;
            ui.rerender();
          })
      : null,
  );
}

function editForm(message) {
  const input = el('textarea', { class: 'edit-input', 'aria-label': 'Edit message', rows: 2 });
  input.value = message.body;
  const form = el(
    'form',
    {
      class: 'edit',
      onsubmit: (event) => {
        event.preventDefault();
        ui.editing = null;
        if (input.value.trim() && input.value !== message.body) reporting(() => editMessage(message, input.value));
        else ui.rerender();
      },
    },
    input,
    el('button', { type: 'submit', text: 'Save' }),
    el('button', {
      type: 'button',
      class: 'secondary',
      text: 'Cancel',
      onclick: () => {
        ui.editing = null;
        ui.rerender();
      },
    }),
  );
  queueMicrotask(() => input.focus());
  return form;
}

/** A signature of everything the element shows, so unchanged messages are not rebuilt. */
export function messageSignature(message) {
  const mine = [...(state.myReactions.get(message.id) ?? [])].join();
  const flags = [ui.editing, ui.confirmDelete, ui.reacting].map((id) => id === message.id).join();
  const status = message.senderId === state.me.id ? deliveryState(message) : '';
  const conversation = state.conversations.get(message.conversationId);
  const preview = message.replyPreview;
  return [
    message.changeSeq,
    message.editedAt,
    message.deletedAt,
    JSON.stringify(message.reactions),
    mine,
    flags,
    status,
    message.failed,
    isPinned(message),
    canPin(conversation),
    preview ? `${JSON.stringify(preview)}${displayName(preview.senderId)}` : '',
  ].join('|');
}

export function messageItem(message) {
  const mineMessage = message.senderId === state.me.id;
  const status = mineMessage && !message.deletedAt ? deliveryState(message) : null;
  const pinned = isPinned(message);
  const body = message.deletedAt
    ? el('p', { class: 'body deleted', text: 'This message was deleted.' })
    : ui.editing === message.id
      ? editForm(message)
      : message.body
        ? el('p', { class: 'body', text: message.body })
        : null;
  return el(
    'li',
    {
      class: `message${mineMessage ? ' mine' : ''}${pinned ? ' pinned' : ''}`,
      'data-seq': message.seq ?? '',
      'data-state': status ?? '',
    },
    el(
      'div',
      { class: 'meta' },
      el('span', { class: 'sender', text: mineMessage ? 'You' : displayName(message.senderId) }),
      el('time', { datetime: message.createdAt, text: formatTime(message.createdAt) }),
      message.editedAt && !message.deletedAt ? el('span', { class: 'edited', text: '(edited)' }) : null,
      pinned ? el('span', { class: 'pin-marker' }, el('span', { 'aria-hidden': 'true', text: '📌 ' }), 'Pinned') : null,
    ),
    replyPreviewOf(message),
    body,
    attachmentsOf(message),
    reactionsOf(message),
    el(
      'div',
      { class: 'footer' },
      status ? el('span', { class: `status ${status}`, text: STATE_LABELS[status] }) : null,
      actionsOf(message),
    ),
  );
}
