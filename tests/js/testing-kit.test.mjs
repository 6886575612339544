// The `wsnotify/testing` entry as shipped in pkg/: exported with types, in the
// tarball, kept apart from the core entries, documented with the examples the
// fixture runs, and usable in plain Node (no DOM) for a client test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from '../../scripts/lib.mjs';
import { importClosure as closureIn } from '../support/import-closure.mjs';

const pkgDir = join(root, 'pkg');
const read = (name) => readFileSync(join(pkgDir, name), 'utf8');
const importClosure = (entry) => closureIn(pkgDir, entry);

test('the manifest exports ./testing with its types (tests/js/package.test.mjs: the tarball holds what it loads)', () => {
  const manifest = JSON.parse(read('package.json'));
  assert.deepEqual(manifest.exports['./testing'], { types: './testing.d.ts', default: './testing.js' });
});

test('the core entries never load the kit: wsnotify and wsnotify/react are unchanged by it', () => {
  for (const entry of ['index.js', 'react.js']) {
    const closure = [...importClosure(entry)];
    assert.deepEqual(closure.filter((name) => name.startsWith('testing')), [], `${entry} loads ${closure.join(', ')}`);
    for (const name of closure) assert.doesNotMatch(read(name), /testing/, `${name} mentions the kit`);
  }
  assert.deepEqual([...importClosure('index.js')].sort(), ['hidden.js', 'index.js', 'persist.js', 'tabs.js', 'web-locks.js', 'wsnotify.js']);
});

test('every export of the kit is declared in testing.d.ts', async () => {
  const kit = await import(join(pkgDir, 'testing.js'));
  const types = read('testing.d.ts');
  const names = Object.keys(kit).sort();
  assert.ok(names.length >= 15, names.join(', '));
  for (const name of names) {
    assert.match(types, new RegExp(`export (?:declare )?(?:function|class|const) ${name}\\b`), `testing.d.ts does not declare ${name}`);
  }
});

test("the package README's testing examples are the fixture's files, verbatim, and the README links to them", () => {
  const readme = read('README.md');
  for (const file of ['ConnectionBanner.jsx', 'ConnectionBanner.test.jsx', 'Composer.jsx', 'Composer.test.jsx', 'close-policy.test.js']) {
    const source = readFileSync(join(root, 'tests', 'testing', 'fixture', 'src', file), 'utf8');
    // The fixture files open with a comment that points at the README.
    const code = source.replace(/^(\/\/.*\n)+/, '');
    assert.ok(readme.includes(code), `README.md does not hold ${file} as it is`);
  }
  const top = readFileSync(join(root, 'README.md'), 'utf8');
  assert.match(top, /\(pkg-template\/README\.md#testing-your-app-wsnotifytesting\)/);
  assert.match(top, /\(tests\/testing\/fixture\/src\/\)/);
  assert.match(readme, /^## Testing your app \(`wsnotify\/testing`\)$/m);
});

test('in plain Node (no DOM) the kit loads the client and drives it through the scripted server', async () => {
  const { createClient } = await import(join(pkgDir, 'index.js'));
  const kit = await import(join(pkgDir, 'testing.js'));
  await kit.loadForTests();
  const server = kit.createScriptedServer({ dialect: 'wsnotify' });
  const client = await createClient({ url: 'ws://node.test/ws', userId: 'ada', delivery: 'at-least-once' });
  try {
    const chats = kit.collectFrames(client, 'chat');
    client.connect();
    assert.deepEqual(await server.nextMessage('init'), { type: 'init', userId: 'ada' });
    assert.equal(await kit.waitForState(client, 'open'), 'open');
    const id = client.sendChat(null, 'hello');
    assert.deepEqual(await server.nextMessage('chat'), { type: 'chat', fromUserId: 'ada', message: 'hello', id });
    const [connection] = server.connections;
    connection.close(1011, 'bug');
    assert.equal(await kit.waitForState(client, 'reconnecting'), 'reconnecting');
    assert.equal(await kit.waitForState(client, 'open', { timeoutMs: 3000 }), 'open');
    assert.equal(chats.length, 1);
    assert.throws(() => kit.goOffline(), /needs a DOM environment/);
    await assert.rejects(server.nextMessage('chat', { timeoutMs: 30 }), /timed out after 30 ms/);
  } finally {
    client.free();
    server.stop();
  }
  assert.equal(globalThis.WebSocket, undefined);
  assert.equal(globalThis.CloseEvent, undefined);
});

test("the kit's waits time out in real time under fake timers installed before it was imported", async () => {
  const FakeTimers = await import('@sinonjs/fake-timers');
  // As Jest's `fakeTimers: { enableGlobally: true }` and Vitest do: the same library, installed first.
  const clock = FakeTimers.install();
  let wait;
  try {
    // A fresh instance of the module, loaded while the timers are fake.
    wait = await import(`${join(pkgDir, 'testing-wait.js')}?fresh=${Date.now()}`);
  } finally {
    clock.uninstall();
  }
  const [realSetTimeout, realClearTimeout] = [setTimeout, clearTimeout];
  const reinstalled = FakeTimers.install();
  let bound;
  try {
    const never = wait.waitFor({ check: () => false, subscribe: () => () => {}, what: 'nothing', timeoutMs: 200 });
    // Without a real deadline the wait would never end: the fake clock is never advanced.
    const giveUp = new Promise((resolve) => {
      bound = realSetTimeout(() => resolve('still waiting after 5 s'), 5_000);
    });
    const outcome = await Promise.race([never.then(() => 'resolved', (error) => error.message), giveUp]);
    assert.match(outcome, /timed out after 200 ms waiting for nothing/);
  } finally {
    realClearTimeout(bound);
    reinstalled.uninstall();
  }
});
