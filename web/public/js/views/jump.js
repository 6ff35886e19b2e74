// Taking the reader to a message of the open conversation (from a reply's preview or the
// pinned bar): scrolled into view, focused for keyboard and screen reader users, and
// briefly highlighted. A message that is not loaded is said to be so instead.
import { $ } from '../dom.js';

export function jumpToMessage(seq) {
  const item = seq ? $('messages').querySelector(`.message[data-seq="${Number(seq)}"]`) : null;
  if (!item) {
    $('announcer').textContent = 'That message is not loaded: load older messages to see it.';
    return false;
  }
  item.tabIndex = -1;
  item.scrollIntoView({ block: 'center' });
  item.focus({ preventScroll: true });
  item.classList.add('highlight');
  setTimeout(() => item.classList.remove('highlight'), 1600);
  return true;
}
