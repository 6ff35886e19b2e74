// The signed-in user's own profile (PATCH /users/me): display name and a short bio.
// Others see a new display name the next time they load the user.
import { describeError } from '../api.js';
import { $ } from '../dom.js';
import { updateProfile } from '../chat.js';
import { state } from '../state.js';

/** The top bar's "Signed in as …". */
export function renderMe() {
  const me = state.me;
  if (!me) return;
  const name = me.displayName && me.displayName !== me.username ? `${me.displayName} (@${me.username})` : me.username;
  $('me-name').textContent = `Signed in as ${name}`;
}

// Set while the form holds what the user typed and has not saved yet.
let edited = false;

function fill() {
  if (edited) return;
  $('profile-display-name').value = state.me?.displayName || state.me?.username || '';
  $('profile-bio').value = state.me?.bio ?? '';
  $('profile-error').textContent = '';
  $('profile-note').textContent = '';
}

/** Forgets what was typed and closes the form, for the next user to sign in. */
export function resetProfileForm() {
  edited = false;
  $('profile').open = false;
  $('profile-form').reset();
}

export function bindProfileForm() {
  // The toggle event comes a task after the click: typing may have begun already.
  $('profile').addEventListener('toggle', () => {
    if ($('profile').open) fill();
  });
  $('profile-form').addEventListener('input', () => (edited = true));
  $('profile-form').onsubmit = async (event) => {
    event.preventDefault();
    $('profile-error').textContent = '';
    $('profile-note').textContent = '';
    try {
      await updateProfile({ displayName: $('profile-display-name').value.trim(), bio: $('profile-bio').value });
      edited = false;
      renderMe();
      $('profile-note').textContent = 'Profile saved.';
    } catch (error) {
      $('profile-error').textContent = describeError(error);
    }
  };
}
