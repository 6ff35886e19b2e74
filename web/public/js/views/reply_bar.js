// Above the composer while answering a message: whom and what is being answered, and a
// way out (the Cancel button, or Escape).
import { $ } from '../dom.js';
import { previewOf, previewText } from '../replies.js';
import { displayName, state } from '../state.js';
import { ui } from './message_item.js';

/** The message being answered in the open conversation, or null. */
export function replyTarget() {
  return ui.replyTo && ui.replyTo.conversationId === state.openId ? ui.replyTo : null;
}

export function cancelReply() {
  ui.replyTo = null;
  ui.rerender();
}

export function renderReplyBar() {
  const target = replyTarget();
  $('reply-bar').hidden = !target;
  if (!target) return;
  const name = target.senderId === state.me.id ? 'yourself' : displayName(target.senderId);
  $('reply-bar-text').textContent = `Replying to ${name}: ${previewText(previewOf(target))}`;
}

export function bindReplyBar() {
  $('reply-cancel').onclick = () => {
    cancelReply();
    $('composer-input').focus();
  };
}
