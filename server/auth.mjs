// Identity: the server signs short-lived tokens (JWT, HS256, through `jose`)
// whose subject is the user id, and `init` must carry one. The secret comes
// from the deployment (WSNOTIFY_TOKEN_SECRET); the reference server has no
// user database, so who may get a token is the deployment's business (the
// development login endpoint hands one to anybody, see server/app.mjs).
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'wsnotify-reference-server';
/** HS256 wants a key at least as long as its hash: 32 bytes. */
export const MIN_SECRET_BYTES = 32;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** Close codes: no, malformed, badly signed or expired token; a token for another user. */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;

/** A random secret for development mode, base64url (43 characters, 256 bits). */
export function randomSecret() {
  return randomBytes(32).toString('base64url');
}

/**
 * Creates the token issuer and verifier.
 * `secret`: a string of at least 32 bytes; `ttlSeconds`: token lifetime.
 * Throws when the secret is missing or short, so a misconfigured server
 * fails at start-up, not at the first login.
 */
export function createAuth({ secret, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS } = {}) {
  if (typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new TypeError(`a token secret of at least ${MIN_SECRET_BYTES} bytes is required (WSNOTIFY_TOKEN_SECRET)`);
  }
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    /** Signs a token for `userId`; resolves to { token, expiresAt } (expiresAt in ms since the epoch). */
    async issue(userId, now = Date.now()) {
      const issuedAt = Math.floor(now / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setSubject(userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(key);
      return { token, expiresAt: (issuedAt + ttlSeconds) * 1000 };
    },
    /**
     * Checks that `token` was signed with the secret, has not expired and
     * names `userId`. Resolves to { ok: true } or { ok: false, code, reason }
     * with a close code; the reason is fixed text, never the token.
     */
    async verify(token, userId) {
      if (typeof token !== 'string' || token === '') {
        return { ok: false, code: CLOSE_UNAUTHENTICATED, reason: 'token required' };
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: TOKEN_ISSUER,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        const expired = error?.code === 'ERR_JWT_EXPIRED';
        return { ok: false, code: CLOSE_UNAUTHENTICATED, reason: expired ? 'token expired' : 'invalid token' };
      }
      if (payload.sub !== userId) return { ok: false, code: CLOSE_FORBIDDEN, reason: 'token is for another user' };
      return { ok: true };
    },
  };
}
