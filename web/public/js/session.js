// The signed-in user and their tokens, kept in localStorage so a reload stays signed in.
const KEY = 'talkline.session';

let current = null;
try {
  current = JSON.parse(localStorage.getItem(KEY));
} catch {
  current = null;
}

export function getSession() {
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
