// Validation of client frames (protocol v1, shared/DESIGN.md §1).
// Returns { frame } for a valid frame, { error } with a human-readable reason otherwise.

export const MAX_USER_ID_CHARS = 64;
export const MAX_ID_CHARS = 128;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const chars = (text) => [...text].length;

function userId(value, field) {
  if (typeof value !== 'string') return `${field} must be a string`;
  const length = chars(value);
  if (length < 1 || length > MAX_USER_ID_CHARS) return `${field} must be 1-${MAX_USER_ID_CHARS} characters`;
  return null;
}

function optional(value, check) {
  return value === undefined ? null : check(value);
}

const VALIDATORS = {
  init: (frame) =>
    userId(frame.userId, 'userId') ??
    optional(frame.token, (token) => (typeof token === 'string' ? null : 'token must be a string')) ??
    optional(frame.lastSeq, (seq) => (Number.isSafeInteger(seq) && seq >= 0 ? null : 'lastSeq must be a non-negative integer')),
  chat: (frame) =>
    userId(frame.fromUserId, 'fromUserId') ??
    optional(frame.toUserId, (to) => userId(to, 'toUserId')) ??
    (typeof frame.message === 'string' ? null : 'message must be a string') ??
    optional(frame.id, (id) => (typeof id === 'string' && chars(id) >= 1 && chars(id) <= MAX_ID_CHARS
      ? null : `id must be a string of 1-${MAX_ID_CHARS} characters`)),
  ping: () => null,
};

export function parseClientFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!isObject(frame)) return { error: 'a frame must be a JSON object' };
  if (typeof frame.type !== 'string') return { error: 'type must be a string' };
  const validate = VALIDATORS[frame.type];
  if (!validate) return { error: `unknown type ${JSON.stringify(frame.type.slice(0, 32))}` };
  const error = validate(frame);
  return error ? { error } : { frame };
}
