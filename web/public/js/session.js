// The signed-in user and their tokens, kept in localStorage so a reload stays signed in.
const KEY = 'talkline.session';

let current = null;

/**
 * Read from localStorage every time: another tab of the same user may have refreshed the
 * tokens, and a refresh token is good for one use only (reusing it ends the session).
 */
export function getSession() {
  try {
    current = JSON.parse(localStorage.getItem(KEY));
  } catch {
    current = null;
  }
  return current;
}

/** Stores an auth answer ({user, accessToken, refreshToken, expiresIn}). */
export function saveSession(auth) {
  current = { user: auth.user ?? current?.user, accessToken: auth.accessToken, refreshToken: auth.refreshToken };
  localStorage.setItem(KEY, JSON.stringify(current));
  return current;
}

export function clearSession() {
  current = null;
  localStorage.removeItem(KEY);
}
