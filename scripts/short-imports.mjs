// Gives the module's imports short names, in the .wasm and in the JS glue
// together. wasm-bindgen names each import after the JS it calls plus a
// hash (`__wbg_instanceof_ArrayBuffer_12cdaa4161423e6b`), and writes every
// name twice: in the .wasm's import section and as a key of the glue's
// imports object. Nobody reads these names; the hashes do not compress.
// The exports keep their names: `init()` returns them and the generated
// types declare them.

const GLUE_MODULE = './wsnotify_bg.js';
const SHORT_MODULE = 'w';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The `n`th short name: `a` … `Z`, then `aa`, `ab`, … */
export function shortName(n) {
  let name = '';
  let rest = n;
  do {
    name = LETTERS[rest % LETTERS.length] + name;
    rest = Math.floor(rest / LETTERS.length) - 1;
  } while (rest >= 0);
  return name;
}

/** Reads an unsigned LEB128 at `offset`: [value, offset after it]. */
function readU32(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, offset];
    shift += 7;
  }
}

function u32(value) {
  const out = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

const encodeName = (text) => {
  const bytes = Buffer.from(text, 'utf8');
  return [...u32(bytes.length), ...bytes];
};

/** The length of an import's description (after its kind byte) at `offset`. */
function descriptionEnd(bytes, kind, offset) {
  const limits = (at) => {
    const flags = bytes[at];
    let next = readU32(bytes, at + 1)[1];
    if (flags & 1) next = readU32(bytes, next)[1];
    return next;
  };
  switch (kind) {
    case 0: return readU32(bytes, offset)[1]; // function: its type index
    case 1: return limits(offset + 1); // table: element type, limits
    case 2: return limits(offset); // memory: limits
    case 3: return offset + 2; // global: value type, mutability
    case 4: return readU32(bytes, offset + 1)[1]; // tag: attribute, type index
    default: throw new Error(`short-imports: unknown import kind ${kind}`);
  }
}

/**
 * Renames the imports of `wasm` (bytes) from the glue's module, and the
 * matching keys of `glue` (the text of wasm-bindgen's `--target web`
 * output). Throws if the glue does not have each name exactly once as a
 * key, so that a wasm-bindgen upgrade that changes the glue fails the build
 * instead of shipping a module that cannot link.
 */
export function shortenImports(wasm, glue) {
  const bytes = Buffer.from(wasm);
  const parts = [bytes.subarray(0, 8)];
  const renamed = new Map();
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset];
    const [size, start] = readU32(bytes, offset + 1);
    const end = start + size;
    if (id !== 2) {
      parts.push(bytes.subarray(offset, end));
      offset = end;
      continue;
    }
    let [count, at] = readU32(bytes, start);
    const section = [...u32(count)];
    for (; count > 0; count--) {
      const [moduleLength, moduleStart] = readU32(bytes, at);
      const module = bytes.toString('utf8', moduleStart, moduleStart + moduleLength);
      const [nameLength, nameStart] = readU32(bytes, moduleStart + moduleLength);
      const name = bytes.toString('utf8', nameStart, nameStart + nameLength);
      const kind = bytes[nameStart + nameLength];
      const next = descriptionEnd(bytes, kind, nameStart + nameLength + 1);
      if (module === GLUE_MODULE) {
        if (!renamed.has(name)) renamed.set(name, shortName(renamed.size));
        section.push(...encodeName(SHORT_MODULE), ...encodeName(renamed.get(name)));
      } else {
        section.push(...encodeName(module), ...encodeName(name));
      }
      section.push(...bytes.subarray(nameStart + nameLength, next));
      at = next;
    }
    parts.push(Buffer.from([id, ...u32(section.length), ...section]));
    offset = end;
  }

  let text = glue;
  const replaceOnce = (pattern, replacement, what) => {
    const matches = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
    if (matches !== 1) throw new Error(`short-imports: the glue has ${what} ${matches} times, not once`);
    text = text.replace(pattern, replacement);
  };
  for (const [name, short] of renamed) {
    replaceOnce(new RegExp(`^(\\s+)${name}: `, 'm'), `$1${short}: `, `the import key ${name}`);
  }
  replaceOnce(new RegExp(`"${GLUE_MODULE.replace(/[./]/g, '\\$&')}": import0`), `"${SHORT_MODULE}": import0`,
    'the imports object');
  return { wasm: Buffer.concat(parts), glue: text };
}
