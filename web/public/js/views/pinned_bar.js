// The "Pinned" bar at the top of the open conversation: its pinned messages, the latest
// pin first; choosing one takes the reader to it.
import { $, el } from '../dom.js';
import { pinnedList } from '../pins.js';
import { displayName, state } from '../state.js';
import { jumpToMessage } from './jump.js';

let renderedSignature = null;

function pinText(message) {
  if (message.body) return message.body;
  return message.attachments?.length ? `📎 ${message.attachments[0].name}` : '';
}

export function renderPinnedBar() {
  const pins = state.openId ? pinnedList(state.openId) : [];
  const items = pins.map(({ message }) => ({
    seq: message.seq,
    name: message.senderId === state.me.id ? 'You' : displayName(message.senderId),
    text: pinText(message),
  }));
  const signature = JSON.stringify(items);
  if (signature === renderedSignature) return;
  renderedSignature = signature;
  $('pinned-bar').hidden = items.length === 0;
  $('pinned-title').textContent = items.length > 1 ? `Pinned (${items.length})` : 'Pinned';
  $('pinned-list').replaceChildren(
    ...items.map((item) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'pinned-item',
            'aria-label': `Pinned message from ${item.name}: ${item.text}. Show it`,
            onclick: () => jumpToMessage(item.seq),
          },
          el('strong', { text: `${item.name}: ` }),
          el('span', { text: item.text }),
        ),
      ),
    ),
  );
}
