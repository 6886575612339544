// The demo page, served by the reference server in development mode, in
// Chromium: it logs in through the development endpoint, loads the built
// package, chats between two users, heals across a server restart (with a
// fresh token from the new process), and renders everything as text.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../scripts/lib.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { createDemoServer } from '../support/demo-server.mjs';
import { freePort, startServerProcess } from '../support/server-process.mjs';

const WAIT = { timeout: 10_000 };
let server;
let browser;

before(async () => {
  server = await createDemoServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the demo at `url` as `userId` and waits for `open`; the page is closed when test `t` ends. */
async function openDemo(t, userId, url = server.url) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(url);
  await page.fill('#user-id', userId);
  await page.click('#join button');
  await page.waitForSelector('#status[data-state="open"]', WAIT);
  return { page, errors };
}

async function send(page, message, toUserId = '') {
  await page.fill('#to-user-id', toUserId);
  await page.fill('#message', message);
  await page.click('#compose button');
}

const texts = (page, selector) => page.locator(selector).allTextContents();

test('two users chat both ways, direct and broadcast, with join and leave counts', async (t) => {
  const { page: ada, errors: adaErrors } = await openDemo(t, 'ada');
  await ada.waitForSelector('#messages li.notification >> text=ada joined · 1 online', WAIT);
  const { page: bob, errors: bobErrors } = await openDemo(t, 'bob');
  await ada.waitForSelector('#messages li.notification >> text=bob joined · 2 online', WAIT);

  await send(ada, 'hi bob, just you', 'bob');
  await bob.waitForSelector('#messages li.other >> text=hi bob, just you', WAIT);
  assert.match(await bob.textContent('#messages li.other .meta'), /^ada → bob · /);
  await send(bob, 'hello everyone');
  await ada.waitForSelector('#messages li.other >> text=hello everyone', WAIT);
  await bob.waitForSelector('#messages li.own:not(.queued) .meta >> text=bob ·', WAIT);

  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  await ada.screenshot({ path: join(root, 'tests', 'artifacts', 'demo-conversation.png'), fullPage: true });

  await bob.close();
  await ada.waitForSelector('#messages li.notification >> text=bob left · 1 online', WAIT);
  assert.deepEqual(adaErrors, []);
  assert.deepEqual(bobErrors, []);
});

test('messages sent while the server is down are queued, then all arrive in order', async (t) => {
  const port = await freePort();
  // Development mode, as `npm start` runs it: a random secret per process.
  const dev = { WSNOTIFY_DEV: '1', WSNOTIFY_INSECURE_DEV_IDENTITY: '' };
  let process_ = await startServerProcess(port, dev);
  t.after(() => process_.kill());
  const { page } = await openDemo(t, 'carol', process_.url);

  await process_.kill('SIGKILL');
  await page.waitForSelector('#status[data-state="reconnecting"]', WAIT);
  assert.match(await page.textContent('#status'), /^reconnecting · attempt \d+ in \d+\.\ds$/);
  for (const message of ['one', 'two', 'three']) await send(page, message);
  assert.deepEqual(await texts(page, '#messages li.own.queued .text'), ['one', 'two', 'three']);

  process_ = await startServerProcess(port, dev);
  await page.waitForSelector('#status[data-state="open"]', { timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('#messages li.own.queued').length === 0, null, WAIT);
  assert.deepEqual(await texts(page, '#messages li.own .text'), ['one', 'two', 'three']);
  for (const meta of await texts(page, '#messages li.own .meta')) assert.match(meta, /^carol · /);
});

test('a tick per message; a reload during an outage keeps the queued messages, sent when the server is back', async (t) => {
  const port = await freePort();
  const dev = { WSNOTIFY_DEV: '1', WSNOTIFY_INSECURE_DEV_IDENTITY: '' };
  let process_ = await startServerProcess(port, dev);
  t.after(() => process_.kill());
  const { page, errors } = await openDemo(t, 'dora', process_.url);
  await send(page, 'before');
  await page.waitForSelector('#messages li.own .tick[data-status="acked"]', WAIT);

  await process_.kill('SIGKILL');
  await page.waitForSelector('#status[data-state="reconnecting"]', WAIT);
  for (const message of ['four', 'five']) await send(page, message);
  assert.deepEqual(await page.locator('#messages li.own.queued .tick').evaluateAll((ticks) => ticks.map((tick) => tick.dataset.status)),
    ['queued', 'queued']);
  // Let the store commit, then reload: the server serves the page too, so
  // the reload fails while it is down; the tab is loaded again once it is back.
  await page.waitForTimeout(300);
  await page.reload().catch(() => {});
  process_ = await startServerProcess(port, dev);
  await page.goto(process_.url);
  // The page joins again by itself (the tab remembers its user) and sends what was queued.
  await page.waitForSelector('#status[data-state="open"]', { timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('#messages li.own .tick[data-status="acked"]').length === 2, null, WAIT);
  assert.deepEqual(await texts(page, '#messages li.own .text'), ['four', 'five']);
  assert.equal(await page.locator('#messages li.own.queued').count(), 0);

  // A refused message fails with a retry button; retrying sends it again (and it is refused again).
  await send(page, 'to nobody', 'nobody-at-all');
  await page.waitForSelector('#messages li.failed .retry', WAIT);
  assert.equal(await page.textContent('#messages li.failed .tick'), '⚠');
  await page.click('#messages li.failed .retry');
  await page.waitForSelector('#messages li.failed .retry', WAIT);
  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  await page.screenshot({ path: join(root, 'tests', 'artifacts', 'demo-ticks.png'), fullPage: true });
  assert.deepEqual(errors.filter((line) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/.test(line)), []);
});

test('a name and a message of HTML render as text and run no script', async (t) => {
  const payload = '<img src=x onerror=alert(1)>';
  const dialogs = [];
  const { page, errors } = await openDemo(t, payload);
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
  await page.waitForSelector(`#messages li.notification >> text=${payload} joined`, WAIT);
  await send(page, payload);
  await page.waitForSelector('#messages li.own:not(.queued)', WAIT);
  assert.equal(await page.textContent('#messages li.own .text'), payload);
  assert.match(await page.textContent('#messages li.own .meta'), /^<img src=x onerror=alert\(1\)> · /);
  // The recipient field is rendered too: in the message's meta line, and in
  // the server's error about it (the payload names no one who ever connected).
  await send(page, 'to a tag', '<svg onload=alert(2)>');
  await page.waitForSelector('#messages li.failed', WAIT);
  assert.match(await page.textContent('#error'),
    /^recipient_offline: message \S+ was not sent: refused by the server: <svg onload=alert\(2\)> has never been online$/);
  assert.equal(await page.locator('#messages img, #messages svg, #error svg').count(), 0);
  await page.waitForTimeout(200);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('the page works at phone width without horizontal scrolling', async (t) => {
  const { page } = await openDemo(t, 'phone');
  await page.setViewportSize({ width: 360, height: 740 });
  await send(page, 'a rather long message without spaces: ' + 'x'.repeat(120));
  await page.waitForSelector('#messages li.own:not(.queued)', WAIT);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide`);
});

test('the server sends a Content-Security-Policy without inline scripts', async () => {
  const response = await fetch(server.url);
  const policy = response.headers.get('content-security-policy');
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(policy, /unsafe-inline/);
});
