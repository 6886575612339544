// The built package (pkg/) is what `npm pack` ships: the files, the version
// from Cargo.toml, and an entry point that loads in a browser-like ESM setting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crateVersion } from '../../scripts/build.mjs';
import { root } from '../../scripts/lib.mjs';
import { importClosure } from '../support/import-closure.mjs';

const pkgDir = join(root, 'pkg');

test('npm pack ./pkg contains the wasm, the JS glue, the types, the manifest and the README', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', pkgDir], { cwd: root, encoding: 'utf8' }));
  const files = report.files.map((file) => file.path).sort();
  for (const expected of ['LICENSE', 'README.md', 'package.json', 'index.js', 'index.d.ts', 'react.js', 'react.d.ts',
    'wsnotify.d.ts', 'wsnotify.js', 'wsnotify_bg.wasm']) {
    assert.ok(files.includes(expected), `${expected} missing from ${files.join(', ')}`);
  }
  assert.ok(files.every((file) => !file.includes('/')), `unexpected nested files: ${files.join(', ')}`);
  assert.equal(report.name, 'wsnotify');
});

test('the tarball holds every file the exports name and every file they load, dynamic imports included', () => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', pkgDir], { cwd: root, encoding: 'utf8' }));
  const packed = new Set(report.files.map((file) => file.path));
  const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
  const needed = new Set();
  for (const target of targets) {
    const name = target.replace(/^\.\//, '');
    if (name.endsWith('.js')) for (const loaded of importClosure(pkgDir, name)) needed.add(loaded);
    else needed.add(name);
  }
  assert.ok(needed.has('web-locks.js') && needed.has('testing-server.js'), [...needed].join(', '));
  for (const name of needed) assert.ok(packed.has(name), `${name} is not in the tarball`);
});

test('the manifest: crate version, ESM, typed exports for . and ./react, optional React peer', () => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.version, crateVersion(readFileSync(join(root, 'Cargo.toml'), 'utf8')));
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.sideEffects, false);
  assert.deepEqual(manifest.exports['.'], { types: './index.d.ts', default: './index.js' });
  assert.deepEqual(manifest.exports['./react'], { types: './react.d.ts', default: './react.js' });
  assert.equal(manifest.peerDependencies.react, '>=18');
  assert.equal(manifest.peerDependenciesMeta.react.optional, true);
  assert.ok(manifest.repository.url && manifest.keywords.includes('react'));
});

test("the npm README's React examples are the fixture app's components, verbatim", () => {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  for (const file of ['Chat.jsx', 'Room.jsx', 'Ticker.jsx']) {
    const source = readFileSync(join(root, 'tests', 'react-app', 'src', file), 'utf8');
    // The fixture files open with a comment that points at the README.
    const code = source.replace(/^(\/\/.*\n)+/, '');
    assert.ok(readme.includes(code), `README.md does not hold ${file} as it is`);
  }
});

test('the entry wraps the client: init once, plain unsubscribe functions, typed errors', async () => {
  const entry = await import(join(pkgDir, 'index.js'));
  assert.equal(entry.isReady(), false);
  assert.throws(() => new entry.Client({ url: 'ws://x', userId: 'a' }), (error) => error.code === 'not_initialized');
  const bytes = readFileSync(join(pkgDir, 'wsnotify_bg.wasm'));
  const first = entry.init(bytes);
  assert.equal(entry.init(bytes), first, 'one load, however often init() is called');
  await first;
  const client = await entry.createClient({ url: 'ws://127.0.0.1:9/ws', userId: 'ada' });
  const seen = [];
  const unsubscribe = client.onError((error) => seen.push(error.code));
  assert.equal(typeof unsubscribe, 'function');
  client.sendChat('bob', 'queued');
  unsubscribe();
  unsubscribe();
  client.close();
  assert.deepEqual(seen, [], 'the unsubscribed callback saw nothing');
  assert.equal(client.state, 'closed');
  client.free();
});

test('the wasm module instantiates in Node and the Client works without a socket', async () => {
  const module = await import(join(pkgDir, 'wsnotify.js'));
  await module.default({ module_or_path: readFileSync(join(pkgDir, 'wsnotify_bg.wasm')) });
  const client = new module.Client({ url: 'ws://127.0.0.1:9/ws', userId: 'ada' });
  assert.equal(client.state, 'idle');
  assert.equal(client.readyState, 3);
  // Sent before connecting: queued with an id, not dropped and not thrown.
  const id = client.sendChat('bob', 'hello');
  assert.match(id, /^[0-9a-f]{8}-1$/);
  assert.equal(client.queued, 1);
  const errors = [];
  client.onError((error) => errors.push(error));
  client.close();
  assert.equal(client.state, 'closed');
  assert.deepEqual(errors.map((error) => [error.code, error.id]), [['closed', id]]);
  assert.throws(() => client.sendChat(null, 'late'), (error) => error instanceof Error && error.code === 'closed');
  assert.throws(() => new module.Client({ url: 'ws://x' }), (error) => error.code === 'invalid_options');
  assert.throws(() => client.onChat('not a function'), (error) => error.code === 'invalid_callback');
  client.free();
});

test('arguments of the wrong type are a typed error, never a trap of the module, and the client goes on', async () => {
  const module = await import(join(pkgDir, 'wsnotify.js'));
  await module.default({ module_or_path: readFileSync(join(pkgDir, 'wsnotify_bg.wasm')) });
  const client = new module.Client({ url: 'ws://127.0.0.1:9/ws', userId: 'ada' });
  const calls = {
    'sendChat(5, "x")': [() => client.sendChat(5, 'x'), 'invalid_argument'],
    'sendChat("bob", 5)': [() => client.sendChat('bob', 5), 'invalid_argument'],
    'sendChat("bob", "x", 5)': [() => client.sendChat('bob', 'x', 5), 'invalid_argument'],
    'sendChat("bob", "x", ["x"])': [() => client.sendChat('bob', 'x', ['x']), 'invalid_argument'],
    'sendText(5)': [() => client.sendText(5), 'invalid_argument'],
    'sendJson({ a: 1 }, true)': [() => client.sendJson({ a: 1 }, true), 'invalid_argument'],
    'retry(5)': [() => client.retry(5), 'invalid_argument'],
    'on(5, callback)': [() => client.on(5, () => {}), 'invalid_argument'],
    'close("3000")': [() => client.close('3000'), 'invalid_close_code'],
    'close(3000.5)': [() => client.close(3000.5), 'invalid_close_code'],
    'close(1000, 5)': [() => client.close(1000, 5), 'invalid_argument'],
    // Copied into the module, a lone surrogate would become U+FFFD: another id, another user.
    'sendChat("bob", "x", "x\\ud800")': [() => client.sendChat('bob', 'x', 'x\ud800'), 'invalid_argument'],
    'sendChat("bo\\udc00b", "x")': [() => client.sendChat('bo\udc00b', 'x'), 'invalid_argument'],
  };
  for (const [call, [run, code]] of Object.entries(calls)) {
    assert.throws(run, (error) => error instanceof Error && !(error instanceof WebAssembly.RuntimeError) && error.code === code, call);
  }
  assert.equal(client.queued, 0, 'nothing was queued by a refused call');
  assert.match(client.sendChat(null, 'still works'), /-1$/);
  assert.equal(client.sendChat(null, 'a real U+FFFD is kept', 'x\ufffd'), 'x\ufffd');
  assert.equal(client.state, 'idle', 'no refused close() closed it');
  client.free();
});

test('values whose reading throws (proxies, revoked ones): a typed error, never an exception through the module, and the client can still be freed', async () => {
  const module = await import(join(pkgDir, 'wsnotify.js'));
  await module.default({ module_or_path: readFileSync(join(pkgDir, 'wsnotify_bg.wasm')) });
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const throwing = (target, trap) => new Proxy(target, { [trap]() { throw new Error(`${trap} trap`); } });
  const typed = (code) => (error) => error instanceof Error && !(error instanceof WebAssembly.RuntimeError) && error.code === code;
  const options = {
    'a revoked proxy': revoked(),
    'an object whose keys throw': throwing({ url: 'ws://x', userId: 'ada' }, 'ownKeys'),
    'a URL list whose elements throw': { url: throwing(['ws://a', 'ws://b'], 'get'), userId: 'ada' },
    'a revoked proxy as a section': { url: 'ws://x', userId: 'ada', reconnect: revoked() },
  };
  for (const [what, value] of Object.entries(options)) {
    assert.throws(() => new module.Client(value), typed('invalid_options'), what);
  }
  const client = new module.Client({ url: 'ws://127.0.0.1:9/ws', userId: 'ada' });
  const values = {
    'a revoked proxy': revoked(),
    'an array': [1],
    'a Date (its JSON is a string)': new Date(0),
    'a number': 5,
    'undefined': undefined,
    'a toJSON that throws': { toJSON() { throw new Error('no'); } },
  };
  for (const [what, value] of Object.entries(values)) {
    assert.throws(() => client.sendJson(value), typed('not_serializable'), what);
  }
  assert.equal(client.queued, 0, 'nothing was queued by a refused call');
  assert.match(client.sendJson(new Proxy({ type: 'proxied' }, {})), /-1$/, 'a proxy of an object is an object');
  client.free();
});

test('a string over maxFrameBytes is refused without being copied into the module, its size in UTF-8 bytes', async () => {
  const module = await import(join(pkgDir, 'wsnotify.js'));
  const exports = await module.default({ module_or_path: readFileSync(join(pkgDir, 'wsnotify_bg.wasm')) });
  const client = new module.Client({ url: 'ws://127.0.0.1:9/ws', userId: 'ada', maxFrameBytes: 1000 });
  const tooLarge = (bytes) => (error) => error.code === 'frame_too_large' && error.message.includes(`${bytes} bytes`);
  const memoryBefore = exports.memory.buffer.byteLength;
  const huge = 'x'.repeat(32 * 1024 * 1024);
  assert.throws(() => client.sendText(huge), tooLarge(huge.length));
  assert.throws(() => client.sendChat(null, huge), tooLarge(huge.length));
  assert.throws(() => client.sendJson({ huge }), tooLarge(huge.length + 11));
  assert.ok(exports.memory.buffer.byteLength - memoryBefore < 1024 * 1024,
    `the module's memory grew from ${memoryBefore} to ${exports.memory.buffer.byteLength} bytes`);
  // UTF-8 bytes, whether the text was copied (600 code units) or not (1,500).
  assert.throws(() => client.sendText('é'.repeat(600)), tooLarge(1200));
  assert.throws(() => client.sendText('é'.repeat(1500)), tooLarge(3000));
  assert.equal(client.queued, 0);
  assert.equal(typeof client.sendText('x'.repeat(1000)), 'string', 'the limit itself is allowed');
  client.free();
});

test('the TypeScript declarations describe the Client API', () => {
  const types = readFileSync(join(pkgDir, 'wsnotify.d.ts'), 'utf8');
  for (const member of ['export class Client', 'constructor(options: ClientOptions)', 'connect(): void',
    'sendChat(toUserId: string | null | undefined, message: string, id?: string | null): string',
    'onChat(callback: (chat: ChatMessage) => void): Subscription', 'readonly state: ConnectionState',
    'export type ClientOptions', 'export type ErrorCode', 'unsubscribe(): void']) {
    assert.ok(types.includes(member), `wsnotify.d.ts lacks ${member}`);
  }
});
