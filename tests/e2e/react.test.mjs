// The packed package in a real React app: `npm pack ./pkg`, installed into
// tests/react-app like a user would, built with Vite, run in Chromium against
// the reference server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { startFixture } from '../support/fixture-process.mjs';
import { installPackedPackage } from '../support/packed-package.mjs';
import { serveBuild } from '../support/page-site.mjs';
import { freePort } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';

const app = join(root, 'tests', 'react-app');
const WAIT = { timeout: 10_000 };
let scratch;
let server;
let site;
let siteUrl;
let browser;
/** Every WebSocket connection the server accepted, by user id once known. */
const opened = [];
/** Every frame the server received, parsed, in order. */
const received = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-react-'));
  installPackedPackage(app, scratch);
  const dist = join(scratch, 'dist');
  // A development build: production React ignores StrictMode, whose double
  // mount is what the first test is about.
  await build({
    root: app,
    mode: 'development',
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    build: { outDir: dist, emptyOutDir: true, minify: false },
  });

  site = await serveBuild(dist);
  siteUrl = site.url;
  server = await createServer({ port: 0, allowedOrigins: [siteUrl], insecureDevIdentity: true, log: () => {} });
  server.wss.on('connection', (socket) => {
    opened.push(socket);
    socket.on('message', (data) => received.push(JSON.parse(data)));
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const openOf = (user) => opened.filter((socket) => socket.userId === user && socket.readyState === socket.OPEN);
const everOpenedBy = (user) => opened.filter((socket) => socket.userId === user).length;

async function openScenario(t, scenario, user) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(`${siteUrl}/?scenario=${scenario}&user=${user}&ws=${encodeURIComponent(server.wsUrl)}`);
  return { page, errors };
}

test('under StrictMode the server sees exactly one connection after mount and none after unmount', async (t) => {
  const { page, errors } = await openScenario(t, 'strict', 'strict-user');
  // Development React, so StrictMode really mounts, unmounts and remounts.
  assert.equal(await page.evaluate(() => window.__reactDevelopment), true);
  await page.waitForSelector('[data-testid="state"]:text("open")', WAIT);
  await page.waitForSelector('li:text("strict-user joined")', WAIT);
  await page.waitForTimeout(300);
  assert.equal(openOf('strict-user').length, 1);
  assert.equal(everOpenedBy('strict-user'), 1, 'the double mount opened no second connection');
  await page.click('text=Say hello');
  await page.waitForSelector('li:text("strict-user: hello from React")', WAIT);

  await page.click('#toggle');
  await until('the connection to close', () => openOf('strict-user').length === 0, 10_000);
  assert.deepEqual(errors, []);
});

test('two components under one provider share one connection', async (t) => {
  const { page, errors } = await openScenario(t, 'shared', 'shared-user');
  await page.waitForSelector('[data-testid="room-state"]:text("open")', WAIT);
  await page.waitForTimeout(300);
  assert.equal(openOf('shared-user').length, 1);
  await page.click('button:text("Send")');
  await page.waitForSelector('[data-testid="messages"] li:text("shared-user: hi room")', WAIT);
  await page.waitForSelector('[data-testid="tick"]:text("acked")', WAIT);
  assert.equal(everOpenedBy('shared-user'), 1);
  assert.deepEqual(errors, []);
});

test('re-rendering with new inline callbacks 100 times causes no reconnect', async (t) => {
  const { page, errors } = await openScenario(t, 'rerender', 'rerender-user');
  await page.waitForSelector('[data-testid="rerenders"]:text("100")', WAIT);
  await page.waitForTimeout(200);
  assert.equal(everOpenedBy('rerender-user'), 1);
  assert.deepEqual(await page.evaluate(() => window.__stateChanges), ['connecting', 'open']);
  assert.deepEqual(errors, []);
});

test('a burst of 1,000 server messages renders exactly 1,000 items, not 1,000 renders', async (t) => {
  const { page, errors } = await openScenario(t, 'burst', 'burst-user');
  await page.waitForSelector('[data-testid="room-state"]:text("open")', WAIT);
  await until('the join', () => openOf('burst-user').length === 1, 10_000);
  const rendersBefore = await page.evaluate(() => window.__renders);
  const [socket] = openOf('burst-user');
  for (let n = 0; n < 1000; n += 1) {
    socket.send(JSON.stringify({
      type: 'chat', fromUserId: 'server', toUserId: 'burst-user', message: `m${n}`, timestamp: new Date().toISOString(), id: `b${n}`,
    }));
  }
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] li').length >= 1000, null, WAIT);
  await page.waitForTimeout(200);
  const items = await page.locator('[data-testid="messages"] li').allTextContents();
  assert.equal(items.length, 1000);
  assert.equal(items[0], 'server: m0');
  assert.equal(items[999], 'server: m999');
  const renders = (await page.evaluate(() => window.__renders)) - rendersBefore;
  assert.ok(renders < 100, `the list rendered ${renders} times for 1,000 messages`);
  assert.deepEqual(errors, []);
});

test('useWebSocket against a server that is not ours: one connection under StrictMode, JSON both ways, nothing of ours sent', async (t) => {
  const chat = await startFixture('broadcast-chat', await freePort());
  t.after(() => chat.kill());
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(`${siteUrl}/?scenario=generic&ws=${encodeURIComponent(chat.url)}`);
  await page.waitForSelector('[data-testid="ws-state"]:text("open")', WAIT);
  await page.waitForSelector('[data-testid="last-format"]:text("json")', WAIT);
  await page.waitForTimeout(300);
  assert.equal(chat.of('connection').length, 1, 'the double mount opened no second connection');
  await page.click('text=Send JSON');
  await page.waitForSelector('[data-testid="last-json"]:text("hello from the hook")', WAIT);
  const raw = await page.textContent('[data-testid="last-data"]');
  assert.deepEqual(JSON.parse(raw), { name: 'react', msg: 'hello from the hook' }, 'lastMessage.data is the frame as received');
  assert.deepEqual(chat.of('received').map((entry) => entry.data), [JSON.stringify({ name: 'react', msg: 'hello from the hook' })]);
  await page.click('#toggle');
  await until('the unmount to close the connection', () => chat.of('close').length === 1, 10_000);
  assert.deepEqual(errors, []);
});

test('a send before the module loaded gets its id at once and arrives with it; a rotated token applies without a restart', async (t) => {
  const { page, errors } = await openScenario(t, 'live', 'live-user');
  await page.waitForSelector('[data-testid="live-state"]:text("open")', WAIT);
  const earlyId = await page.textContent('[data-testid="early-id"]');
  assert.ok(earlyId, 'an id was returned before the client existed');
  await until('the early chat at the server', () => received.some((frame) => frame.type === 'chat' && frame.id === earlyId), 10_000);
  assert.equal(received.find((frame) => frame.type === 'init' && frame.userId === 'live-user').token, 'token-1');
  await page.click('text=Rotate token');
  await page.waitForTimeout(100);
  for (const socket of openOf('live-user')) socket.close(1012, 'restart');
  await until('a new init with the new token', () => received.some((frame) => frame.type === 'init' && frame.userId === 'live-user' && frame.token === 'token-2'), 10_000);
  assert.equal(await page.evaluate(() => window.__clients.size), 1, 'the same client, not a new one');
  assert.deepEqual(errors, []);
});

test('a message still queued when a new url restarts the connection is reported as closed with its id, not dropped', async (t) => {
  const { page, errors } = await openScenario(t, 'restart', 'restart-user');
  await page.waitForSelector('[data-testid="restart-state"]:text("reconnecting")', WAIT);
  await page.click('text=Queue');
  const queuedId = await page.textContent('[data-testid="queued-id"]');
  assert.ok(queuedId, 'an id at once');
  await page.click('text=Switch url');
  await page.waitForSelector('[data-testid="restart-state"]:text("open")', WAIT);
  assert.deepEqual(await page.evaluate(() => window.__errors.filter((error) => error.code === 'closed')), [{ code: 'closed', id: queuedId }]);
  assert.ok(!received.some((frame) => frame.id === queuedId), 'the new connection does not send the old one\'s message');
  assert.deepEqual(errors.filter((line) => !/WebSocket connection to .* failed/.test(line)), []);
});

test('with persist, an unmount reports the queued frames the store does not keep and leaves the chats it keeps in it', async (t) => {
  const { page, errors } = await openScenario(t, 'unmount-persist', 'unmount-persist-user');
  await page.waitForSelector('[data-testid="restart-state"]:text("reconnecting")', WAIT);
  await page.click('text=Queue JSON');
  await page.click('text=Queue');
  const [jsonId, chatId] = [await page.textContent('[data-testid="json-id"]'), await page.textContent('[data-testid="queued-id"]')];
  assert.ok(jsonId && chatId, 'ids at once');
  await page.click('#toggle');
  const closed = () => page.evaluate(() => (window.__errors ?? []).filter((error) => error.code === 'closed'));
  await until('the JSON frame reported', async () => (await closed()).length > 0, 5_000);
  await page.waitForTimeout(200);
  assert.deepEqual(await closed(), [{ code: 'closed', id: jsonId }], 'the JSON frame, which no store keeps, is reported; the kept chat is not');
  const stored = await page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open('wsnotify');
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const all = request.result.transaction('messages', 'readonly').objectStore('messages').getAll();
      all.onsuccess = () => {
        request.result.close();
        resolve(all.result.map((record) => record.id));
      };
    };
  }));
  assert.ok(stored.includes(chatId), `the chat stays stored for the next start: ${stored}`);
  assert.deepEqual(errors.filter((line) => !/WebSocket connection to .* failed/.test(line)), []);
});

test('a message sent before the module loaded, when the client cannot be created, is reported with its id', async (t) => {
  const { page } = await openScenario(t, 'failed-load', 'failed-load-user');
  await page.waitForSelector('[data-testid="failed-state"]:text("closed")', WAIT);
  const earlyId = await page.textContent('[data-testid="early-id"]');
  assert.ok(earlyId, 'an id was returned before the client was tried');
  const errors = await page.evaluate(() => window.__errors);
  assert.deepEqual(errors.map((error) => error.code), ['invalid_options', 'invalid_options'], JSON.stringify(errors));
  assert.equal(errors[1].id, earlyId);
});

/**
 * The flaky-load scenario for `user`, the n-th fetch of the module answered
 * as `answer(n)` resolves ("continue", or an abort); resolves once the hook
 * shows `reconnecting`, with the page, the fetches so far, the id of the
 * message sent while loading and a reader of the errors the hook reported.
 */
async function openFlakyLoad(t, user, answer) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const fetches = { count: 0 };
  await page.route('**/*.wasm', async (route) => {
    fetches.count += 1;
    return (await answer(fetches.count)) === 'continue' ? route.continue() : route.abort('connectionreset');
  });
  await page.goto(`${siteUrl}/?scenario=flaky-load&user=${user}&ws=${encodeURIComponent(server.wsUrl)}`);
  await page.waitForSelector('[data-testid="flaky-state"]:text("reconnecting")', WAIT);
  const earlyId = await page.textContent('[data-testid="early-id"]');
  const errors = async () => (await page.evaluate(() => window.__errors)).map(({ code, id }) => [code, id ?? null]);
  return { page, fetches, earlyId, errors };
}

test('a module load that fails (a network error) is tried again while mounted, and a message sent meanwhile arrives once', async (t) => {
  const { page, fetches, earlyId, errors } = await openFlakyLoad(t, 'flaky-user', (n) => (n === 1 ? 'abort' : 'continue'));
  await page.waitForSelector('[data-testid="flaky-state"]:text("open")', WAIT);
  await until('the message sent while loading', () => received.some((frame) => frame.type === 'chat' && frame.id === earlyId), 10_000);
  assert.equal(fetches.count, 2, 'one failed fetch, one that loaded');
  assert.deepEqual(await errors(), [['load_failed', null]]);
  assert.equal(received.filter((frame) => frame.type === 'chat' && frame.id === earlyId).length, 1);
  assert.equal(everOpenedBy('flaky-user'), 1);
  const changes = await page.evaluate(() => window.__stateChanges);
  assert.deepEqual(changes.slice(0, 2), ['reconnecting', 'connecting'], 'onStateChange told of the wait, then of the connection');
});

test('an unmount while a failed load waits to be tried again stops trying, and what was held is reported closed', async (t) => {
  const { page, fetches, earlyId, errors } = await openFlakyLoad(t, 'flaky-unmount-user', () => 'abort');
  await page.click('#toggle');
  await until('the held message reported', async () => (await errors()).length === 2, 5_000);
  assert.deepEqual(await errors(), [['load_failed', null], ['closed', earlyId]]);
  await page.waitForTimeout(2500);
  assert.equal(fetches.count, 1, 'no load is tried after the unmount');
  assert.equal(everOpenedBy('flaky-unmount-user'), 0);
});

for (const outcome of ['loads', 'fails again']) {
  test(`an unmount while a load tried again is under way (it ${outcome}): what was held is reported closed, and nothing connects`, async (t) => {
    let letThrough;
    const held = new Promise((resolve) => { letThrough = resolve; });
    const user = `flaky-inflight-${outcome === 'loads' ? 'ok' : 'failed'}`;
    const { page, fetches, earlyId, errors } = await openFlakyLoad(t, user, async (n) => {
      if (n === 1) return 'abort';
      await held;
      return outcome === 'loads' ? 'continue' : 'abort';
    });
    await until('the second load under way', () => fetches.count === 2, 10_000);
    await page.click('#toggle');
    letThrough();
    await until('the held message reported', async () => (await errors()).length >= 2, 10_000);
    await page.waitForTimeout(1000);
    assert.deepEqual(await errors(), [['load_failed', null], ['closed', earlyId]]);
    assert.equal(fetches.count, 2, 'no load tried after the unmount');
    assert.equal(everOpenedBy(user), 0);
    assert.equal(received.filter((frame) => frame.id === earlyId).length, 0, 'the held message never went out');
  });
}

test('a live option of a type the client refuses (a number as token) is invalid_options once, and nothing connects', async (t) => {
  const { page } = await openScenario(t, 'bad-token', 'bad-token-user');
  await page.waitForSelector('[data-testid="bad-token-state"]:text("closed")', WAIT);
  await page.waitForTimeout(1500);
  const errors = await page.evaluate(() => window.__errors);
  assert.deepEqual(errors.map((error) => error.code), ['invalid_options'], JSON.stringify(errors));
  assert.match(errors[0].message, /token/);
  assert.equal(everOpenedBy('bad-token-user'), 0);
});

test('a misspelt option with no onError handler is reported on the console, not swallowed', async (t) => {
  const { page, errors } = await openScenario(t, 'misspelt', 'misspelt-user');
  await page.waitForSelector('[data-testid="misspelt-state"]:text("closed")', WAIT);
  await until('the console error', () => errors.some((line) => line.includes('unknown option `heartbaet`')), 5_000);
  assert.equal(everOpenedBy('misspelt-user'), 0);
});

test('tsc --noEmit passes on a TypeScript consumer of every exported type of the installed package', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(app, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});

test('server-side rendering of the hooks renders the idle state and opens nothing', () => {
  const script = `
    import { createElement } from 'react';
    import { renderToString } from 'react-dom/server';
    import { isReady } from 'wsnotify';
    import { NotificationProvider, useNotification, useNotificationClient } from 'wsnotify/react';
    const Solo = () => { const { state, readyState } = useNotification('ssr', { url: 'ws://127.0.0.1:9/ws' }); return createElement('p', null, state + ' ' + readyState); };
    const Shared = () => createElement('b', null, useNotificationClient().state);
    const html = renderToString(createElement('main', null, createElement(Solo),
      createElement(NotificationProvider, { userId: 'ssr', url: 'ws://127.0.0.1:9/ws' }, createElement(Shared))));
    if (html !== '<main><p>idle 3</p><b>idle</b></main>' || isReady()) { console.error(html); process.exit(3); }
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

test("importing 'wsnotify' and 'wsnotify/react' in Node exits 0 and opens nothing", () => {
  const script = "const [core, react] = await Promise.all([import('wsnotify'), import('wsnotify/react')]);" +
    "if (typeof react.useNotification !== 'function' || core.isReady()) process.exit(3);";
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
