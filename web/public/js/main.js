// Start-up and wiring: sign-in or chat, the socket's hooks, and rendering on change.
import { api, call, setSignedOutHandler } from './api.js';
import { ensureUsers, loadConversations, markRead, openConversation } from './chat.js';
import { $ } from './dom.js';
import { conversationUpdated } from './group.js';
import { clearSession, getSession } from './session.js';
import { connect, disconnect, sendReceipt, setSocketHooks } from './socket.js';
import { changed, conversationName, displayName, reset, state, subscribe, upsertConversation } from './state.js';
import { showAuth } from './views/auth_view.js';
import { bindComposer } from './views/composer.js';
import { bindConversation, renderConversation } from './views/conversation_view.js';
import { bindGroupSettings } from './views/group_settings.js';
import { ui } from './views/message_item.js';
import { bindProfileForm, renderMe, resetProfileForm } from './views/profile_form.js';
import { bindReplyBar } from './views/reply_bar.js';
import { bindSidebar, renderSidebar } from './views/sidebar.js';

let bannerTimer = null;
let wasOffline = false;

function showBanner(status) {
  const banner = $('connection-banner');
  clearTimeout(bannerTimer);
  if (status === 'offline') {
    wasOffline = true;
    banner.textContent = 'Connection lost. Reconnecting…';
    banner.className = 'banner offline';
    banner.hidden = false;
  } else if (wasOffline) {
    wasOffline = false;
    banner.textContent = 'Back online.';
    banner.className = 'banner online';
    banner.hidden = false;
    bannerTimer = setTimeout(() => (banner.hidden = true), 2500);
  }
}

async function onMessage(message) {
  if (!state.conversations.has(message.conversationId)) {
    upsertConversation(await api.conversation(message.conversationId));
  }
  await ensureUsers([message.senderId, message.replyPreview?.senderId]);
  if (message.senderId === state.me.id) return;
  sendReceipt('delivered', message.conversationId, message.seq);
  const conversation = state.conversations.get(message.conversationId);
  const me = conversation.members?.find((m) => m.userId === state.me.id);
  if (message.conversationId === state.openId && document.visibilityState !== 'hidden') {
    markRead(message.conversationId);
  } else if (message.seq > (me?.readSeq ?? 0)) {
    conversation.unreadCount = Math.max(conversation.unreadCount ?? 0, message.seq - (me?.readSeq ?? 0));
    if (message.mentions?.includes(state.me.id)) conversation.mentionCount = (conversation.mentionCount ?? 0) + 1;
  }
  $('announcer').textContent = `New message from ${displayName(message.senderId)}: ${message.body || 'an attachment'}`;
  changed();
}

async function onConversation(conversation) {
  const known = state.conversations.get(conversation.id);
  const name = known ? conversationName(known) : null;
  const wasOpen = state.openId === conversation.id;
  if (!(await conversationUpdated(conversation)) && name) {
    $('announcer').textContent = `You are no longer a member of ${name}.`;
    if (wasOpen) document.body.classList.remove('show-chat');
  }
}

async function startChat() {
  const session = getSession();
  state.me = session.user;
  $('auth-screen').hidden = true;
  $('chat-screen').hidden = false;
  state.users.set(state.me.id, state.me);
  renderMe();
  setSocketHooks({
    onStatus: showBanner,
    onMessage,
    onConversation: (conversation) => onConversation(conversation).catch((error) => console.warn(error)),
    onSignedOut: () => signOut('Your session has ended. Please sign in again.'),
    onConnect: async () => {
      await loadConversations();
      if (state.openId) await openConversation(state.openId);
    },
  });
  connect();
  try {
    state.me = await call('GET', '/users/me');
    state.users.set(state.me.id, state.me);
    renderMe();
  } catch {
    // signed out meanwhile: the handler below took over
  }
}

function signOut(note = '') {
  disconnect();
  clearSession();
  reset();
  ui.editing = ui.reacting = ui.confirmDelete = ui.replyTo = null;
  resetProfileForm();
  document.body.classList.remove('show-chat');
  changed();
  showAuth(startChat, note);
}

subscribe(() => {
  if (!state.me) return;
  renderSidebar();
  renderConversation();
});
ui.rerender = changed;
setSignedOutHandler(() => signOut('Your session has ended. Please sign in again.'));
bindSidebar();
bindConversation();
bindComposer();
bindReplyBar();
bindGroupSettings();
bindProfileForm();
$('logout').onclick = async () => {
  await api.logout().catch(() => {});
  signOut();
};
document.addEventListener('visibilitychange', () => {
  if (state.openId) markRead(state.openId);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && (ui.editing || ui.reacting || ui.confirmDelete || ui.replyTo)) {
    ui.editing = ui.reacting = ui.confirmDelete = ui.replyTo = null;
    changed();
  }
});

if (getSession()?.accessToken) startChat();
else showAuth(startChat);
