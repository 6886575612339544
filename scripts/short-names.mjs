// Gives the module's internal names short ones, in the .wasm, the JS glue
// and the generated types together. wasm-bindgen names each import after the
// JS it calls plus a hash (`__wbg_instanceof_ArrayBuffer_12cdaa4161423e6b`),
// and each closure invoker it exports after a Rust path with crate hashes
// (`wasm_bindgen_1f02f26005f77815___convert__closures_____invoke…`); it
// writes an import's name in the .wasm's import section and as a key of the
// glue's imports object, an invoker's in the export section, as `wasm.…` in
// the glue and in both type declarations. Nobody but the glue reads these
// names, and the hashes do not compress. The other exports keep their
// names: they are the API the glue's classes call by name.

const GLUE_MODULE = './wsnotify_bg.js';
const SHORT_MODULE = 'w';
// The exports wasm-bindgen names after a Rust path with its crate hash.
const INTERNAL_EXPORT = /^wasm_bindgen_[0-9a-f]{16}_/;
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
    default: throw new Error(`short-names: unknown import kind ${kind}`);
  }
}

/**
 * Renames the imports of `wasm` (bytes) from the glue's module and the
 * matching keys of `glue` (the text of wasm-bindgen's `--target web`
 * output); renames the internal exports in `wasm`, `glue` and each of
 * `declarations` (texts of `.d.ts` files). Throws if the glue does not have
 * each name exactly once, or a declaration file does not declare an
 * internal export exactly once, so that a wasm-bindgen upgrade that changes
 * the output fails the build instead of shipping a module that cannot link.
 */
export function shortenNames(wasm, glue, declarations = []) {
  const bytes = Buffer.from(wasm);
  const parts = [bytes.subarray(0, 8)];
  const renamedImports = new Map();
  const renamedExports = new Map();
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset];
    const [size, start] = readU32(bytes, offset + 1);
    const end = start + size;
    if (id === 2) parts.push(importSection(bytes, start, renamedImports));
    else if (id === 7) parts.push(exportSection(bytes, start, renamedExports));
    else parts.push(bytes.subarray(offset, end));
    offset = end;
  }

  let text = glue;
  const inGlue = (pattern, replacement, what) => {
    text = replaceOnce(text, pattern, replacement, `the glue has ${what}`);
  };
  for (const [name, short] of renamedImports) {
    inGlue(new RegExp(`^(\\s+)${name}: `, 'm'), `$1${short}: `, `the import key ${name}`);
  }
  inGlue(new RegExp(`"${GLUE_MODULE.replace(/[./]/g, '\\$&')}": import0`), `"${SHORT_MODULE}": import0`,
    'the imports object');
  for (const [name, short] of renamedExports) {
    inGlue(new RegExp(`\\bwasm\\.${name}\\b`), `wasm.${short}`, `the export ${name}`);
  }
  const renamedDeclarations = declarations.map((declaration) => {
    let renamedText = declaration;
    for (const [name, short] of renamedExports) {
      renamedText = replaceOnce(renamedText, new RegExp(`\\b${name}: `), `${short}: `,
        `a declaration file has the export ${name}`);
    }
    return renamedText;
  });
  return { wasm: Buffer.concat(parts), glue: text, declarations: renamedDeclarations };
}

/** `text` with `pattern` replaced; throws unless it occurs exactly once (`what` says where and what). */
function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
  if (matches !== 1) throw new Error(`short-names: ${what} ${matches} times, not once`);
  return text.replace(pattern, replacement);
}

/** The import section whose body starts at `start`, its imports from the glue renamed (recorded in `renamed`). */
function importSection(bytes, start, renamed) {
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
  return Buffer.from([2, ...u32(section.length), ...section]);
}

/** The export section whose body starts at `start`, its internal exports renamed (recorded in `renamed`). */
function exportSection(bytes, start, renamed) {
  let [count, at] = readU32(bytes, start);
  const section = [...u32(count)];
  for (; count > 0; count--) {
    const [nameLength, nameStart] = readU32(bytes, at);
    const name = bytes.toString('utf8', nameStart, nameStart + nameLength);
    // The kind byte, then the index.
    const next = readU32(bytes, nameStart + nameLength + 1)[1];
    if (INTERNAL_EXPORT.test(name)) {
      const short = `$${shortName(renamed.size)}`;
      renamed.set(name, short);
      section.push(...encodeName(short));
    } else {
      section.push(...encodeName(name));
    }
    section.push(...bytes.subarray(nameStart + nameLength, next));
    at = next;
  }
  return Buffer.from([7, ...u32(section.length), ...section]);
}
