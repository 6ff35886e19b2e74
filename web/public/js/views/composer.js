// Writing: Enter sends (Shift+Enter for a new line), typing is announced while keys
// are pressed, a chosen file is uploaded and sent with the text, and a message being
// answered goes with it as replyTo.
import { api } from '../api.js';
import { sendMessage } from '../chat.js';
import { $ } from '../dom.js';
import { request } from '../socket.js';
import { state } from '../state.js';
import { cancelReply, replyTarget } from './reply_bar.js';

let typingSince = 0;
let typingTimer = null;

function setTyping(typing) {
  if (!state.openId || !state.connected) return;
  clearTimeout(typingTimer);
  if (typing) {
    // The server relays at most one per second anyway; this spares the traffic.
    if (Date.now() - typingSince > 1000) {
      typingSince = Date.now();
      request('typing', { conversationId: state.openId, typing: true }).catch(() => {});
    }
    typingTimer = setTimeout(() => setTyping(false), 3000);
  } else if (typingSince) {
    typingSince = 0;
    request('typing', { conversationId: state.openId, typing: false }).catch(() => {});
  }
}

function note(text) {
  $('composer-note').textContent = text;
}

async function submit() {
  const input = $('composer-input');
  const fileInput = $('composer-file');
  const body = input.value.trim();
  const file = fileInput.files[0];
  if (!state.openId || (!body && !file)) return;
  const conversationId = state.openId;
  input.value = '';
  setTyping(false);
  let attachmentIds = [];
  if (file) {
    note(`Uploading ${file.name}…`);
    try {
      const upload = await api.upload(file);
      attachmentIds = [upload.id];
      note('');
    } catch (error) {
      note(`Could not upload ${file.name}: ${error.message}`);
      input.value = body;
      return;
    } finally {
      fileInput.value = '';
    }
  }
  const replyTo = replyTarget();
  if (replyTo) cancelReply();
  await sendMessage(conversationId, body, attachmentIds, replyTo);
}

export function bindComposer() {
  const input = $('composer-input');
  input.addEventListener('input', () => setTyping(input.value.length > 0));
  input.addEventListener('blur', () => setTyping(false));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });
  $('composer').onsubmit = (event) => {
    event.preventDefault();
    submit();
  };
  $('composer-file').addEventListener('change', () => {
    const file = $('composer-file').files[0];
    note(file ? `${file.name} will be sent with your next message (press Send).` : '');
  });
}
