// The React hooks with `shareAcrossTabs`: useNotification and
// NotificationProvider, unchanged, in two tabs of one browser context (built
// with Vite from tests/tabs-page/react against pkg/), against the reference
// server. Bounded waits; loopback only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { serveBuild } from '../support/page-site.mjs';
import { until } from '../support/until.mjs';

const WAIT = { timeout: 10_000 };
let scratch;
let site;
let siteUrl;
let server;
let browser;
const sockets = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-tabs-react-'));
  await build({
    root: join(root, 'tests', 'tabs-page', 'react'),
    logLevel: 'warn',
    resolve: {
      alias: [
        { find: /^wsnotify\/react$/, replacement: join(root, 'pkg', 'react.js') },
        { find: /^wsnotify$/, replacement: join(root, 'pkg', 'index.js') },
      ],
    },
    build: { outDir: scratch, emptyOutDir: true, minify: false },
  });
  site = await serveBuild(scratch);
  siteUrl = site.url;
  server = await createServer({ port: 0, allowedOrigins: [siteUrl], insecureDevIdentity: true, log: () => {} });
  server.wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      const frame = JSON.parse(data);
      if (frame.type === 'init') socket.user = frame.userId;
    });
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const connectionsOf = (user) => sockets.filter((socket) => socket.user === user && socket.readyState === socket.OPEN).length;

async function open(t, user, tab) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  const query = new URLSearchParams({ ws: server.wsUrl, user, tab, peer: 'rex' });
  await page.goto(`${siteUrl}/?${query}`);
  return { page, errors, text: (id) => page.getByTestId(id).textContent() };
}

test('useNotification and NotificationProvider with shareAcrossTabs: two tabs, one connection per scope, every chat in both', async (t) => {
  const first = await open(t, 'rae', 'one');
  const second = await open(t, 'rae', 'two');
  for (const tab of [first, second]) {
    for (const id of ['hook-state', 'room-state']) await tab.page.getByTestId(id).getByText('open').waitFor(WAIT);
  }
  // The hook and the provider use two channel names: one connection each, not one per tab.
  await until('two connections', () => connectionsOf('rae') === 2, 5_000);
  const sharing = [await first.text('hook-sharing'), await second.text('hook-sharing')].sort();
  assert.deepEqual(sharing, ['follower', 'leader']);
  assert.deepEqual([await first.text('room-sharing'), await second.text('room-sharing')].sort(), ['follower', 'leader']);

  // A peer without sharing: its chats reach both tabs' hooks and stores once.
  const peer = await browser.newPage();
  t.after(() => peer.close());
  await peer.goto(`${siteUrl}/?${new URLSearchParams({ ws: server.wsUrl, user: 'rex', tab: 'peer', peer: 'rae' })}`);
  await peer.getByTestId('hook-state').getByText('open').waitFor(WAIT);
  for (let n = 0; n < 3; n += 1) await peer.getByTestId('hook-send').click();
  for (const tab of [first, second]) {
    await tab.page.getByTestId('hook-count').getByText('3', { exact: true }).waitFor(WAIT);
    await tab.page.getByTestId('room-count').getByText('3', { exact: true }).waitFor(WAIT);
  }
  // Each tab's send goes out once, through the leader, and comes back to both tabs.
  await first.page.getByTestId('hook-send').click();
  await second.page.getByTestId('hook-send').click();
  // The peer sees its own 3 chats too (the server echoes a sender's chats to its tabs).
  await peer.getByTestId('hook-count').getByText('5', { exact: true }).waitFor(WAIT);
  for (const tab of [first, second]) await tab.page.getByTestId('hook-count').getByText('5', { exact: true }).waitFor(WAIT);
  assert.equal(connectionsOf('rae'), 2);
  assert.deepEqual([...first.errors, ...second.errors], []);
});
