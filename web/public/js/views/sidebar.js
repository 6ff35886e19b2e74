// The conversation list, with unread and mention counts and presence, and the forms
// beside it: search, a direct chat by username, a new group.
import { api, describeError } from '../api.js';
import { createGroup, ensureUsers, openConversation, startDirect } from '../chat.js';
import { $, el, formatTime } from '../dom.js';
import { conversationName, displayName, otherMember, state } from '../state.js';

function preview(message) {
  if (!message) return 'No messages yet';
  if (message.deletedAt) return 'Message deleted';
  if (message.body) return message.body;
  return message.attachments?.length ? `📎 ${message.attachments[0].name}` : '';
}

function conversationItem(conversation) {
  const other = otherMember(conversation);
  const online = other && state.presence.get(other) === 'online';
  const unread = conversation.unreadCount ?? 0;
  const mentions = conversation.mentionCount ?? 0;
  const label = [
    conversationName(conversation),
    online ? 'online' : null,
    unread ? `${unread} unread` : null,
    mentions ? `${mentions} mentioning you` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return el(
    'li',
    {},
    el(
      'button',
      {
        type: 'button',
        class: `conversation-item${conversation.id === state.openId ? ' active' : ''}`,
        'aria-current': conversation.id === state.openId ? 'true' : null,
        'aria-label': label,
        'data-conversation-id': conversation.id,
        onclick: () => openConversation(conversation.id).then(() => document.body.classList.add('show-chat')),
      },
      el('span', { class: other ? `dot${online ? ' online' : ''}` : 'dot group', 'aria-hidden': 'true' }),
      el(
        'span',
        { class: 'conversation-text' },
        el('span', { class: 'conversation-name', text: conversationName(conversation) }),
        el('span', { class: 'conversation-preview', text: preview(conversation.lastMessage) }),
      ),
      el(
        'span',
        { class: 'conversation-meta' },
        conversation.lastMessage ? el('time', { text: formatTime(conversation.lastMessage.createdAt) }) : null,
        mentions ? el('span', { class: 'badge mention', text: `@${mentions}`, title: 'Mentions' }) : null,
        unread ? el('span', { class: 'badge', text: String(unread), title: 'Unread' }) : null,
      ),
    ),
  );
}

export function renderSidebar() {
  const list = [...state.conversations.values()].sort((a, b) =>
    (b.lastActivityAt ?? b.createdAt ?? '').localeCompare(a.lastActivityAt ?? a.createdAt ?? ''),
  );
  $('conversation-list').replaceChildren(...list.map(conversationItem));
}

function showError(error) {
  $('sidebar-error').textContent = error ? describeError(error) : '';
}

async function runSearch(q) {
  const results = $('search-results');
  const page = await api.search(q);
  await ensureUsers(page.items.map((m) => m.senderId));
  results.hidden = false;
  results.replaceChildren(
    el('h2', { class: 'list-title', text: `Results for “${q}”` }),
    page.items.length === 0 ? el('p', { class: 'hint', text: 'No messages found.' }) : null,
    el(
      'ul',
      { class: 'results' },
      page.items.map((message) =>
        el(
          'li',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'result',
              onclick: () => openConversation(message.conversationId).then(() => document.body.classList.add('show-chat')),
            },
            el('strong', { text: `${displayName(message.senderId)}: ` }),
            message.body,
          ),
        ),
      ),
    ),
    el('button', { type: 'button', class: 'secondary', text: 'Close results', onclick: () => (results.hidden = true) }),
  );
}

export function bindSidebar() {
  $('search-form').onsubmit = (event) => {
    event.preventDefault();
    showError(null);
    runSearch($('search-input').value.trim()).catch(showError);
  };
  $('direct-form').onsubmit = (event) => {
    event.preventDefault();
    showError(null);
    startDirect($('direct-username').value)
      .then(() => {
        $('direct-username').value = '';
        document.body.classList.add('show-chat');
        $('composer-input').focus();
      })
      .catch(showError);
  };
  $('group-form').onsubmit = (event) => {
    event.preventDefault();
    showError(null);
    const names = $('group-members').value.split(',').map((s) => s.trim()).filter(Boolean);
    createGroup($('group-title').value.trim(), names)
      .then(() => {
        event.target.reset();
        event.target.closest('details').open = false;
        document.body.classList.add('show-chat');
      })
      .catch(showError);
  };
}
