// The open conversation's settings panel: for a group its title, members and their roles,
// adding, removing and leaving; for any conversation how long it keeps its messages.
// Controls show only where the server would allow them; a refusal is still said in the
// panel, with the server's own words.
import { describeError } from '../api.js';
import { $, el } from '../dom.js';
import { addMember, removeMember, renameGroup, setMemberRole, setRetention } from '../group.js';
import { canChangeRoles, canManage, canSetRetention } from '../roles.js';
import { displayName, state } from '../state.js';

const ROLE_NAMES = { owner: 'owner', admin: 'admin', member: 'member' };

let renderedFor = null;
let shownTitle = null;
let shownRetention;
let membersSignature = null;
let confirmLeave = false;

function say(error, note = '') {
  $('settings-error').textContent = error ? describeError(error) : '';
  $('settings-note').textContent = note;
}

// Runs a panel action; the panel's error line says why it failed.
async function act(work, done) {
  say(null);
  try {
    await work();
    say(null, done);
  } catch (error) {
    say(error);
  }
}

function memberItem(conversation, member) {
  const me = member.userId === state.me.id;
  const user = state.users.get(member.userId);
  const name = displayName(member.userId);
  const username = user && user.username !== name ? ` (@${user.username})` : '';
  const buttons = [];
  if (canChangeRoles(conversation) && member.role !== 'owner') {
    const promote = member.role === 'member';
    buttons.push(
      el('button', {
        type: 'button',
        class: 'secondary small',
        text: promote ? 'Make admin' : 'Make member',
        'aria-label': promote ? `Make ${name} an admin` : `Make ${name} a plain member`,
        'data-focus-key': `role:${member.userId}`,
        onclick: () =>
          act(
            () => setMemberRole(conversation.id, member.userId, promote ? 'admin' : 'member'),
            `${name} is now ${promote ? 'an admin' : 'a member'}.`,
          ),
      }),
    );
  }
  if (canManage(conversation) && member.role !== 'owner' && !me) {
    buttons.push(
      el('button', {
        type: 'button',
        class: 'secondary small',
        text: 'Remove',
        'aria-label': `Remove ${name} from the group`,
        'data-focus-key': `remove:${member.userId}`,
        onclick: () => act(() => removeMember(conversation.id, member.userId), `${name} was removed.`),
      }),
    );
  }
  return el(
    'li',
    { class: 'member', 'data-user-id': member.userId },
    el('span', { class: 'member-name', text: `${name}${username}${me ? ' (you)' : ''}` }),
    el('span', { class: 'member-role', text: ROLE_NAMES[member.role] ?? member.role }),
    buttons.length ? el('span', { class: 'member-actions' }, buttons) : null,
  );
}

function renderMembers(conversation) {
  const signature = JSON.stringify([
    conversation.id,
    canManage(conversation),
    canChangeRoles(conversation),
    conversation.members.map((m) => [m.userId, m.role, displayName(m.userId)]),
  ]);
  if (signature === membersSignature) return;
  membersSignature = signature;
  const list = $('member-list');
  // A rebuilt list keeps the keyboard where it was.
  const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
  list.replaceChildren(...conversation.members.map((m) => memberItem(conversation, m)));
  const again = focusKey && list.querySelector(`[data-focus-key="${focusKey}"]`);
  if (again) again.focus();
  else if (focusKey) $('conversation-settings').querySelector('summary').focus();
}

function retentionText(days) {
  return days ? `Messages are kept for ${days} day${days === 1 ? '' : 's'}.` : "Messages are kept as long as the server's setting says.";
}

export function renderGroupSettings() {
  const conversation = state.conversations.get(state.openId);
  const panel = $('conversation-settings');
  panel.hidden = !conversation;
  if (!conversation) {
    renderedFor = null;
    return;
  }
  const group = conversation.type === 'group';
  if (renderedFor !== conversation.id) {
    renderedFor = conversation.id;
    panel.open = false;
    shownTitle = null;
    shownRetention = undefined;
    confirmLeave = false;
    say(null);
  }
  $('settings-summary').textContent = group ? 'Group settings' : 'Conversation settings';
  // What someone else changed shows, unless the field is being typed in.
  if (conversation.title !== shownTitle && document.activeElement !== $('rename-title')) {
    shownTitle = conversation.title;
    $('rename-title').value = conversation.title ?? '';
  }
  if (conversation.retentionDays !== shownRetention && document.activeElement !== $('retention-days')) {
    shownRetention = conversation.retentionDays;
    $('retention-days').value = conversation.retentionDays ?? '';
  }
  $('retention-now').textContent = retentionText(conversation.retentionDays);
  $('rename-form').hidden = !canManage(conversation);
  $('retention-form').hidden = !canSetRetention(conversation);
  $('add-member-form').hidden = !canManage(conversation);
  $('members-section').hidden = !group;
  $('leave-group').hidden = !group;
  $('leave-group').textContent = confirmLeave ? 'Confirm leaving the group' : 'Leave group';
  if (group) renderMembers(conversation);
}

export function bindGroupSettings() {
  $('rename-form').onsubmit = (event) => {
    event.preventDefault();
    const title = $('rename-title').value.trim();
    act(() => renameGroup(state.openId, title), `Renamed to ${title}.`);
  };
  $('retention-form').onsubmit = (event) => {
    event.preventDefault();
    if ($('retention-days').validity.badInput) {
      say(new Error('Enter a whole number of days, or leave the field empty.'));
      return;
    }
    const raw = $('retention-days').value.trim();
    const days = raw === '' ? null : Number(raw);
    act(() => setRetention(state.openId, days), retentionText(days));
  };
  $('add-member-form').onsubmit = (event) => {
    event.preventDefault();
    const username = $('add-member-username').value.trim();
    act(async () => {
      await addMember(state.openId, username);
      $('add-member-username').value = '';
    }, `Added ${username}.`);
  };
  $('leave-group').onclick = () => {
    if (!confirmLeave) {
      confirmLeave = true;
      $('leave-group').textContent = 'Confirm leaving the group';
      return;
    }
    const id = state.openId;
    const name = state.conversations.get(id)?.title ?? 'the group';
    confirmLeave = false;
    act(async () => {
      await removeMember(id, state.me.id);
      $('announcer').textContent = `You left ${name}.`;
      document.body.classList.remove('show-chat');
    });
  };
}
