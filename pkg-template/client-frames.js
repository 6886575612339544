// The rules for the frames a client sends (protocol v1, docs/PROTOCOL.md),
// as the reference server applies them: `parseClientFrame` returns { frame }
// for a valid frame, { error } with a fixed, human-readable reason otherwise
// (a reason never repeats what the client sent). One home for the reference
// server (server/) and for the scripted server of `wsnotify/testing`, which
// answers as the reference server does; the package ships it for the latter.

/**
 * A user id is printable text: no control characters (C0, C1), no format
 * characters (bidi overrides and marks, zero-width joiners), no separators
 * (lines, paragraphs, and spaces other than the ASCII one), no private-use or
 * unassigned code points and no lone surrogates. Such characters can spoof a
 * name on screen or in a terminal.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]|(?! )\p{Zs}/u;
/**
 * The ASCII space only between two other characters: "ada ", " ada" and
 * "ada  lovelace" would pass for "ada" and "ada lovelace" on a page, which
 * collapses and trims white space, and "   " for no name at all.
 */
const LOOSE_SPACE = /^ | $| {2}/;

/** Whether `text` is made of printable characters only (see NOT_PRINTABLE and LOOSE_SPACE). */
function isPrintable(text) {
  return !NOT_PRINTABLE.test(text) && !LOOSE_SPACE.test(text);
}

/**
 * Whether `text` has no lone UTF-16 surrogate. JSON.parse accepts `"\ud800"`,
 * the client refuses it, so the server must not relay it.
 */
function isWellFormed(text) {
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !/\p{Cs}/u.test(text);
}

const MAX_USER_ID_CHARS = 64;
const MAX_ID_CHARS = 128;
/** A JWT of the reference server is ~200 characters; room for a real identity provider's claims. */
const MAX_TOKEN_CHARS = 4096;
/** The history epoch: an opaque string of printable ASCII (server/history/ draws them). */
const EPOCH_PATTERN = /^[\x21-\x7e]{1,32}$/;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const chars = (text) => [...text].length;

/** Null when `value` is an acceptable user id, else the reason (naming `field`). */
export function validateUserId(value, field) {
  if (typeof value !== 'string') return `${field} must be a string`;
  const length = chars(value);
  if (length < 1 || length > MAX_USER_ID_CHARS) return `${field} must be 1-${MAX_USER_ID_CHARS} characters`;
  if (!isWellFormed(value) || !isPrintable(value)) return `${field} must be printable characters only`;
  return null;
}

function optional(value, check) {
  return value === undefined ? null : check(value);
}

// A Map, not an object literal: a lookup of `__proto__`, `constructor` or
// `valueOf` must find nothing rather than an inherited member.
const VALIDATORS = new Map([
  ['init', (frame) =>
    validateUserId(frame.userId, 'userId') ??
    optional(frame.token, (token) => (typeof token === 'string' && token.length <= MAX_TOKEN_CHARS
      ? null : `token must be a string of at most ${MAX_TOKEN_CHARS} characters`)) ??
    optional(frame.lastSeq, (seq) => (Number.isSafeInteger(seq) && seq >= 0 ? null : 'lastSeq must be a non-negative integer')) ??
    optional(frame.epoch, (epoch) => (typeof epoch === 'string' && EPOCH_PATTERN.test(epoch)
      ? null : 'epoch must be 1-32 printable ASCII characters'))],
  ['chat', (frame) =>
    validateUserId(frame.fromUserId, 'fromUserId') ??
    optional(frame.toUserId, (to) => validateUserId(to, 'toUserId')) ??
    (typeof frame.message === 'string' ? null : 'message must be a string') ??
    (isWellFormed(frame.message) ? null : 'message must not contain a lone surrogate') ??
    optional(frame.id, (id) => (typeof id === 'string' && chars(id) >= 1 && chars(id) <= MAX_ID_CHARS && isWellFormed(id)
      ? null : `id must be a string of 1-${MAX_ID_CHARS} characters`))],
  ['ping', () => null],
]);

/** Parses and validates one text frame from a client. */
export function parseClientFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!isObject(frame)) return { error: 'a frame must be a JSON object' };
  if (typeof frame.type !== 'string') return { error: 'type must be a string' };
  const validate = VALIDATORS.get(frame.type);
  if (!validate) return { error: 'unknown type' };
  const error = validate(frame);
  return error ? { error } : { frame };
}

/** Largest frame the client accepts by default (its `maxFrameBytes`). */
export const MAX_RELAYED_FRAME_BYTES = 65_536;
/** Room left in a relayed chat for `"seq":<16 digits>,"epoch":"<32 chars>"`. */
const NUMBERING_RESERVE_BYTES = 80;

/**
 * The chat a server relays for the valid client chat `frame`, stamped now;
 * null when it would not fit in `maxBytes` once numbered, since the client
 * would refuse it (the sender is told `invalid_message`).
 */
export function relayedChat(frame, maxBytes = MAX_RELAYED_FRAME_BYTES) {
  const out = { type: 'chat', fromUserId: frame.fromUserId, message: frame.message, timestamp: new Date().toISOString() };
  if (frame.toUserId !== undefined) out.toUserId = frame.toUserId;
  if (frame.id !== undefined) out.id = frame.id;
  const bytes = new TextEncoder().encode(JSON.stringify(out)).length;
  return bytes + NUMBERING_RESERVE_BYTES > maxBytes ? null : out;
}

/** The largest frame a client may send; a server closes the connection with 1009 past it. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/**
 * How many accepted chat ids a server remembers per sender, to drop resends:
 * as many as a client's outbox holds by default, so that whatever it may
 * still resend is recognised.
 */
export const IDS_PER_SENDER = 1_000;
