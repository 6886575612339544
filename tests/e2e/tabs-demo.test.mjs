// The demo with two tabs of one user: one connection, a badge that says which
// tab leads, chats in both, and the lead passing on when the leading tab closes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { createDemoServer } from '../support/demo-server.mjs';
import { until } from '../support/until.mjs';

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

async function openDemo(t, userId) {
  const page = await browser.newPage();
  t.after(() => (page.isClosed() ? undefined : page.close()));
  const errors = collectPageErrors(page);
  await page.goto(server.url);
  await page.fill('#user-id', userId);
  await page.click('#join button');
  await page.waitForSelector('#status[data-state="open"]', WAIT);
  return { page, errors };
}

const role = (page) => page.getAttribute('#tab-role', 'data-role');

test('two tabs of one user: one connection, a badge says which tab leads, the lead passes on', async (t) => {
  const first = await openDemo(t, 'tess');
  const second = await openDemo(t, 'tess');
  await until('one leader and one follower', async () => [await role(first.page), await role(second.page)].sort().join() === 'follower,leader');
  assert.equal(server.connections(), 1);
  const [leader, follower] = (await role(first.page)) === 'leader' ? [first, second] : [second, first];
  assert.match(await leader.page.textContent('#tab-role'), /^this tab leads/);
  assert.match(await follower.page.textContent('#tab-role'), /^another tab leads/);

  await follower.page.fill('#to-user-id', '');
  await follower.page.fill('#message', 'sent from the follower');
  await follower.page.click('#compose button');
  await follower.page.waitForSelector('#messages li.own:not(.queued) >> text=sent from the follower', WAIT);
  await leader.page.waitForSelector('#messages li.own >> text=sent from the follower', WAIT);

  await leader.page.close();
  await follower.page.waitForSelector('#tab-role[data-role="leader"]', WAIT);
  await follower.page.waitForSelector('#status[data-state="open"]', WAIT);
  await until('one connection', () => server.connections() === 1, 5_000);
  assert.deepEqual([...first.errors, ...second.errors], []);
});
