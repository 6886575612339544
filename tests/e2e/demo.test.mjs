// The demo page, served by the reference server, loads the built package in
// Chromium and reaches `open`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';

let server;
let browser;

before(async () => {
  server = await createServer({ port: 0, log: () => {} });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the demo as `userId` and waits for `open`; the page is closed when test `t` ends. */
async function join(t, userId) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(server.url);
  await page.fill('#user-id', userId);
  await page.click('#join button');
  await page.waitForSelector('#status[data-state="open"]', { timeout: 10_000 });
  return { page, errors };
}

test('the demo page connects and shows the state `open`', async (t) => {
  const { page, errors } = await join(t, 'ada');
  assert.equal(await page.textContent('#status'), 'open');
  // The page sent `init`: the server announces the join with the online count.
  await page.waitForSelector('#messages li.notification', { timeout: 5_000 });
  assert.equal(await page.textContent('#messages li.notification'), 'ada joined · 1 online');
  assert.equal(server.connections(), 1);
  assert.deepEqual(errors, []);
});

test('closing the page leaves the server with no connection', async (t) => {
  const { page } = await join(t, 'grace');
  assert.equal(server.connections(), 1);
  await page.close();
  const deadline = Date.now() + 5_000;
  while (server.connections() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(server.connections(), 0);
});

test('a chat message is rendered as text, not HTML', async (t) => {
  const { page, errors } = await join(t, 'mallory');
  const payload = '<img src=x onerror="window.__xss = 1">';
  await page.fill('#message', payload);
  await page.click('#compose button');
  const item = page.locator('#messages li.own:not(.queued) .text');
  await page.locator('#messages li.own .meta', { hasText: 'mallory' }).waitFor({ timeout: 5_000 });
  assert.equal(await item.textContent(), payload);
  assert.equal(await page.locator('#messages img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
});
