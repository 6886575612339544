// wsnotify/testing: frames as tests see them, and how tests pick them.
import { toArrayBuffer } from './testing-socket.js';

/**
 * A received frame as a test sees it: a text frame holding a JSON object or
 * array is parsed, any other text stays a string, a binary frame is an
 * ArrayBuffer (or the Blob it was sent as).
 */
export function decodeFrame(data) {
  if (typeof data !== 'string') return data;
  const start = data.trimStart()[0];
  if (start !== '{' && start !== '[') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * What goes on the wire for `frame`: a string as it is, an ArrayBuffer or a
 * typed array as a binary frame, anything else as JSON text.
 */
export function encodeFrame(frame) {
  if (typeof frame === 'string') return frame;
  const binary = toArrayBuffer(frame);
  if (binary) return binary;
  if (typeof globalThis.Blob === 'function' && frame instanceof globalThis.Blob) return frame;
  const text = JSON.stringify(frame);
  if (text === undefined) throw new TypeError('wsnotify/testing: this frame cannot be sent as JSON');
  return text;
}

/**
 * A predicate from what a test passes to pick frames: nothing (any frame), a
 * kind (a JSON frame whose `type` is it), an object (a JSON frame with these
 * field values) or a function of the decoded frame.
 */
export function frameMatcher(match, kindField = 'type') {
  if (match === undefined || match === null) return () => true;
  if (typeof match === 'function') return match;
  if (typeof match === 'string') return (frame) => isObject(frame) && frame[kindField] === match;
  if (isObject(match)) {
    return (frame) => isObject(frame) && Object.entries(match).every(([key, value]) => Object.is(frame[key], value));
  }
  throw new TypeError('wsnotify/testing: a frame matcher is a kind, an object of field values or a function');
}

/** A short description of `match`, for timeout messages. */
export function describeMatch(match) {
  if (match === undefined || match === null) return 'a frame';
  if (typeof match === 'function') return 'a frame matching the predicate';
  return `a frame ${JSON.stringify(match)}`;
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
  && !(value instanceof ArrayBuffer);
