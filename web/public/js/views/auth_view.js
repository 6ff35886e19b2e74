// Sign in / create account.
import { api, describeError } from '../api.js';
import { $ } from '../dom.js';
import { saveSession } from '../session.js';

/** Shows the sign-in form; `note` says why when the page was signed out. */
export function showAuth(onSignedIn, note = '') {
  $('chat-screen').hidden = true;
  $('auth-screen').hidden = false;
  $('auth-error').textContent = note;
  $('auth-username').focus();
  const form = $('auth-form');
  form.onsubmit = async (event) => {
    event.preventDefault();
    const action = event.submitter?.value ?? 'login';
    const username = $('auth-username').value.trim();
    const password = $('auth-password').value;
    $('auth-error').textContent = '';
    try {
      const auth = action === 'register' ? await api.register(username, password) : await api.login(username, password);
      saveSession(auth);
      form.reset();
      onSignedIn();
    } catch (error) {
      $('auth-error').textContent = describeError(error);
    }
  };
}
