// The open conversation: title and presence, its settings panel and pinned bar, the
// messages (rebuilt only where they changed), "load older", who is typing, and the
// message being answered.
import { loadOlder } from '../chat.js';
import { $ } from '../dom.js';
import { conversationName, orderedMessages, otherMember, state, typingNames } from '../state.js';
import { renderGroupSettings } from './group_settings.js';
import { messageItem, messageSignature } from './message_item.js';
import { renderPinnedBar } from './pinned_bar.js';
import { renderReplyBar } from './reply_bar.js';

const rendered = new Map(); // message key → {signature, element}
let renderedFor = null;

function keyOf(message) {
  return message.pending ? `pending:${message.clientMsgId}` : String(message.seq);
}

function presenceText(conversation) {
  const other = otherMember(conversation);
  if (other) return state.presence.get(other) === 'online' ? 'online' : 'offline';
  const count = conversation.members?.length ?? 0;
  return `${count} member${count === 1 ? '' : 's'}`;
}

export function renderConversation() {
  const conversation = state.conversations.get(state.openId);
  const list = $('messages');
  $('composer').hidden = !conversation;
  renderGroupSettings();
  renderPinnedBar();
  renderReplyBar();
  if (!conversation) {
    $('conversation-title').textContent = 'Pick a conversation';
    $('conversation-presence').textContent = '';
    $('typing').textContent = '';
    $('load-older').hidden = true;
    list.replaceChildren();
    rendered.clear();
    renderedFor = null;
    return;
  }
  $('conversation-title').textContent = conversationName(conversation);
  $('conversation-presence').textContent = presenceText(conversation);
  $('load-older').hidden = !state.older.get(conversation.id);

  if (renderedFor !== conversation.id) {
    rendered.clear();
    list.replaceChildren();
    renderedFor = conversation.id;
    $('conversation-error').textContent = '';
  }
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const wanted = orderedMessages(conversation.id);
  const keys = new Set(wanted.map(keyOf));
  for (const [key, entry] of rendered) {
    if (!keys.has(key)) {
      entry.element.remove();
      rendered.delete(key);
    }
  }
  let previous = null;
  for (const message of wanted) {
    const key = keyOf(message);
    const signature = messageSignature(message);
    let entry = rendered.get(key);
    if (!entry || entry.signature !== signature) {
      const element = messageItem(message);
      if (entry) entry.element.replaceWith(element);
      entry = { signature, element };
      rendered.set(key, entry);
    }
    const expectedPosition = previous ? previous.nextSibling : list.firstChild;
    if (expectedPosition !== entry.element) list.insertBefore(entry.element, expectedPosition);
    previous = entry.element;
  }
  if (nearBottom) list.scrollTop = list.scrollHeight;

  const typers = typingNames(conversation.id);
  $('typing').textContent = typers.length ? `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…` : '';
}

export function bindConversation() {
  $('load-older').onclick = async () => {
    const list = $('messages');
    const fromBottom = list.scrollHeight - list.scrollTop;
    await loadOlder(state.openId);
    requestAnimationFrame(() => (list.scrollTop = list.scrollHeight - fromBottom));
  };
  $('back').onclick = () => {
    document.body.classList.remove('show-chat');
    document.querySelector(`[data-conversation-id="${state.openId}"]`)?.focus();
  };
}
