// Rules for the text a client controls: which user ids are acceptable, which
// strings are well-formed, and how client text is written into the log.

/**
 * A user id is printable text: no control characters (C0, C1), no format
 * characters (bidi overrides and marks, zero-width joiners), no line or
 * paragraph separators, no private-use or unassigned code points and no lone
 * surrogates. Such characters can spoof a name on screen or in a terminal.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u;

/** Whether `text` is made of printable characters only (see NOT_PRINTABLE). */
export function isPrintable(text) {
  return !NOT_PRINTABLE.test(text);
}

/**
 * Whether `text` has no lone UTF-16 surrogate. JSON.parse accepts `"\ud800"`,
 * the client refuses it, so the server must not relay it.
 */
export function isWellFormed(text) {
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !/\p{Cs}/u.test(text);
}

/**
 * Client-controlled text as it may appear in a log line: quoted, with
 * everything outside printable ASCII escaped, so a log viewer or terminal
 * never interprets it (no ANSI escapes, no bidi reordering, no fake lines).
 */
export function forLog(text) {
  if (typeof text !== 'string') return '-';
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `${out}"`;
}
