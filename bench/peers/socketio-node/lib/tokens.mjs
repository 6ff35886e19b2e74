// Access tokens and password hashes, with node:crypto only.
//
// A token is `base64url(JSON {sub, exp}) + "." + base64url(HMAC-SHA256(secret, payload))`:
// the same information TalkLine's HS256 JWT carries for a connection (who, until when),
// checked once at CONNECT, as TalkLine does.

import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt);

// Fast scrypt parameters (N = 2^10, about 1 ms) so that registering thousands of benchmark
// users takes seconds. A production server would use N = 2^15 or more; the benchmark measures
// messaging, not password hashing.
const kScrypt = { N: 1024, r: 8, p: 1 };
const kKeyLength = 32;

export class Tokens {
  constructor(secret, ttlSeconds) {
    this.secret = secret;
    this.ttlSeconds = ttlSeconds;
  }

  issue(userId) {
    const payload = Buffer.from(
      JSON.stringify({ sub: userId, exp: Math.floor(Date.now() / 1000) + this.ttlSeconds }),
    ).toString("base64url");
    return `${payload}.${this.#sign(payload)}`;
  }

  /** The user id the token was issued for; throws a message naming why it does not verify. */
  verify(token) {
    if (typeof token !== "string" || token.length === 0) throw new Error("an access token is required");
    const dot = token.indexOf(".");
    if (dot < 0) throw new Error("invalid token: malformed");
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.#sign(payload), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Error("invalid token: bad signature");
    }
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    if (claims.exp < Date.now() / 1000) throw new Error("invalid token: expired");
    return claims.sub;
  }

  #sign(payload) {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

export function newRefreshToken() {
  return randomBytes(32).toString("base64url");
}

/** `scrypt$<salt>$<hash>`, both base64url. */
export async function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, kKeyLength, kScrypt);
  return `scrypt$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

export async function verifyPassword(password, stored) {
  const [, salt, hash] = stored.split("$");
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"), kKeyLength, kScrypt);
  return timingSafeEqual(actual, expected);
}
