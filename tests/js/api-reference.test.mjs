// The package's API is declared once, in the crate (the generated
// wsnotify.d.ts and the runtime), and documented once, in the package README.
// These tests fail when the two drift apart: an option, a member, an event,
// an error code or an export that one of them has and the other has not.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { root } from '../../scripts/lib.mjs';

const pkg = join(root, 'pkg');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
const generated = readFileSync(join(pkg, 'wsnotify.d.ts'), 'utf8');
const wrapperTypes = readFileSync(join(pkg, 'index.d.ts'), 'utf8');
let entry;

before(async () => {
  entry = await import(join(pkg, 'index.js'));
  await entry.init(readFileSync(join(pkg, 'wsnotify_bg.wasm')));
});

/** The text of the README section under `## heading`, up to the next heading. */
function section(heading) {
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The names a table's first column documents: `name(args)`, `name`, several per cell. */
function firstColumn(heading) {
  const names = new Set();
  for (const line of section(heading).split('\n').filter((row) => /^\| `/.test(row))) {
    const cell = line.split(' | ')[0];
    for (const [, name] of cell.matchAll(/`([A-Za-z]+)/g)) names.add(name);
  }
  return names;
}

/** The property names of `interface name { … }` in the generated declarations. */
function interfaceKeys(name) {
  const body = new RegExp(`export interface ${name}(?: extends [\\w, ]+)? \\{([\\s\\S]*?)\\n\\}`).exec(generated)?.[1];
  assert.ok(body, `wsnotify.d.ts declares no interface ${name}`);
  return new Set([...body.matchAll(/^ {2,4}(?:readonly )?(\w+)\??:/gm)].map((match) => match[1]));
}

/** Every option key the parser reads, found by handing it objects that record each read. */
function optionsTheRuntimeReads() {
  const read = new Set();
  const recording = (prefix, target) => new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string') read.add(prefix + key);
      return object[key];
    },
  });
  const sections = (prefix) => ({
    reconnect: recording(`${prefix}reconnect.`, {}),
    heartbeat: recording(`${prefix}heartbeat.`, {}),
    outbox: recording(`${prefix}outbox.`, {}),
  });
  for (const base of [{ url: 'ws://x', userId: 'a' }, { url: 'ws://x', mode: 'generic' }]) {
    new entry.Client(recording('', { ...base, ...sections('') })).free();
  }
  return read;
}

const sorted = (set) => [...set].sort();

test('every option the parser reads is documented and typed, and nothing else is', () => {
  const runtime = optionsTheRuntimeReads();
  const topLevel = new Set([...runtime].filter((key) => !key.includes('.')));
  assert.deepEqual(sorted(firstColumn('Options (`createClient(options)`, `new Client(options)`)')), sorted(topLevel));
  const typed = new Set([...interfaceKeys('CommonOptions'), ...interfaceKeys('WsnotifyOptions'), ...interfaceKeys('GenericOptions')]);
  assert.deepEqual(sorted(typed), sorted(topLevel));
  for (const [prefix, typeName] of [['reconnect.', 'ReconnectOptions'], ['heartbeat.', 'HeartbeatOptions'], ['outbox.', 'OutboxOptions']]) {
    const nested = new Set([...runtime].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length)));
    assert.deepEqual(sorted(interfaceKeys(typeName)), sorted(nested), typeName);
    const row = section('Options (`createClient(options)`, `new Client(options)`)').split('\n').find((line) => line.startsWith(`| \`${prefix.slice(0, -1)}\``));
    for (const key of nested) assert.ok(row.includes(key), `the README's ${prefix.slice(0, -1)} row does not name ${key}`);
  }
});

test('every member and registration of the client is documented, and nothing undocumented exists', () => {
  const members = new Set(Object.getOwnPropertyNames(entry.Client.prototype).filter((name) => name !== 'constructor'));
  const documented = new Set([...firstColumn('Methods and properties'), ...firstColumn('Events')]);
  assert.deepEqual(sorted(documented), sorted(members));
});

test('every error code the code can produce is in ErrorCode and in the README', () => {
  const union = /export type ErrorCode =([\s\S]*?);/.exec(generated)[1];
  const typed = new Set([...union.matchAll(/"([a-z_]+)"/g)].map((match) => match[1]));
  const produced = new Set();
  const rustFiles = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((item) => (item.isDirectory()
    ? rustFiles(join(dir, item.name)) : item.name.endsWith('.rs') ? [join(dir, item.name)] : []));
  for (const file of rustFiles(join(root, 'src'))) {
    const source = readFileSync(file, 'utf8');
    for (const [, body] of source.matchAll(/pub fn code\(&self\) -> &(?:'static )?str \{([\s\S]*?)\n {4}\}/g)) {
      for (const [, code] of body.matchAll(/"([a-z_]+)"/g)) produced.add(code);
    }
    for (const [, code] of source.matchAll(/js_error\(\s*"([a-z_]+)"/g)) produced.add(code);
  }
  for (const file of ['index.js', 'react.js']) {
    const source = readFileSync(join(pkg, file), 'utf8');
    for (const [, code] of source.matchAll(/(?:\.code = |errorWithCode\()'([a-z_]+)'/g)) produced.add(code);
  }
  assert.ok(produced.size > 20, `found only ${sorted(produced)}`);
  for (const code of produced) assert.ok(typed.has(code), `ErrorCode lacks ${code}`);
  const documented = section('Error codes');
  for (const code of typed) assert.ok(documented.includes(`\`${code}\``), `the README's error codes lack ${code}`);
});

test('everything the entries export is documented', async () => {
  const react = await import(join(pkg, 'react.js'));
  for (const [name, module] of [...Object.keys(entry).map((key) => [key, 'wsnotify']), ...Object.keys(react).map((key) => [key, 'wsnotify/react'])]) {
    assert.ok(readme.includes(`\`${name}\``) || readme.includes(`${name}(`) || readme.includes(`<${name}`), `${module} exports ${name}, which the README does not document`);
  }
  assert.ok(wrapperTypes.includes('export type Client'), 'the package types derive Client from the generated one');
});
