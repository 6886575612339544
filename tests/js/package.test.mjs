// The built package (pkg/) is what `npm pack` ships: the files, the version
// from Cargo.toml, and an entry point that loads in a browser-like ESM setting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crateVersion } from '../../scripts/build.mjs';
import { root } from '../../scripts/lib.mjs';

const pkgDir = join(root, 'pkg');

test('npm pack ./pkg contains the wasm, the JS glue, the types, the manifest and the README', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', pkgDir], { cwd: root, encoding: 'utf8' }));
  const files = report.files.map((file) => file.path).sort();
  for (const expected of ['LICENSE', 'README.md', 'package.json', 'wsnotify.d.ts', 'wsnotify.js', 'wsnotify_bg.wasm']) {
    assert.ok(files.includes(expected), `${expected} missing from ${files.join(', ')}`);
  }
  assert.ok(files.every((file) => !file.includes('/')), `unexpected nested files: ${files.join(', ')}`);
  assert.equal(report.name, 'wsnotify');
});

test('the package version is the crate version', () => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.version, crateVersion(readFileSync(join(root, 'Cargo.toml'), 'utf8')));
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
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

test('the TypeScript declarations describe the Client API', () => {
  const types = readFileSync(join(pkgDir, 'wsnotify.d.ts'), 'utf8');
  for (const member of ['export class Client', 'constructor(options: ClientOptions)', 'connect(): void',
    'sendChat(toUserId: string | null | undefined, message: string): string',
    'onChat(callback: (chat: ChatMessage) => void): Subscription', 'readonly state: ConnectionState',
    'export interface ClientOptions', 'export type ErrorCode', 'unsubscribe(): void']) {
    assert.ok(types.includes(member), `wsnotify.d.ts lacks ${member}`);
  }
});
