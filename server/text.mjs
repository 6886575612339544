// How text a client controls is written into the log. (Which user ids and
// strings are acceptable: pkg-template/client-frames.js.)

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
