// `persist`: unacknowledged chats and the resume position survive a reload,
// in headless Chromium against the reference server as a real process,
// killed with a real SIGKILL; and the per-message delivery status. Every
// loop is bounded in count and time; everything is on loopback. The figures
// are written to tests/artifacts/persistence.json (RELIABILITY.md quotes them).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { servePage } from '../support/page-site.mjs';
import { freePort, startServerProcess } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';

const figures = {};
let site;
let browser;
let scratch;

before(async () => {
  site = await servePage('persist-page');
  browser = await launchBrowser();
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-persist-'));
});

after(async () => {
  await browser?.close();
  site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (Object.keys(figures).length > 0) {
    mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
    writeFileSync(join(root, 'tests', 'artifacts', 'persistence.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A reference server process with a durable history (so that de-duplication by id survives its restarts). */
async function serverProcess(t, name) {
  const port = await freePort();
  const env = { HISTORY_FILE: join(scratch, `${name}.jsonl`), ALLOWED_ORIGINS: site.url };
  const handle = { server: await startServerProcess(port, env) };
  handle.restart = async () => {
    handle.server = await startServerProcess(port, env);
  };
  t.after(() => handle.server.kill());
  return handle;
}

/** A page with the harness loaded; `init` is an init script (e.g. to break IndexedDB). */
async function page(t, { init } = {}) {
  const opened = await browser.newPage();
  if (init) await opened.addInitScript(init);
  t.after(() => (opened.isClosed() ? undefined : opened.close()));
  const errors = collectPageErrors(opened);
  const load = async () => {
    await opened.waitForFunction(() => window.ready === true);
  };
  await opened.goto(`${site.url}/`);
  await load();
  return {
    page: opened,
    errors,
    start: (options, flags) => opened.evaluate(([o, f]) => window.start(o, f), [options, flags]),
    report: () => opened.evaluate(() => window.report()),
    send: (to, prefix, count, everyMs = 0) => opened.evaluate((args) => window.send(...args), [to, prefix, count, everyMs]),
    stored: () => opened.evaluate(() => window.stored()),
    async reload() {
      await opened.reload();
      await load();
    },
  };
}

const senderOptions = (url, userId, extra = {}) => ({
  url,
  userId,
  delivery: 'at-least-once',
  persist: true,
  reconnect: { baseDelayMs: 50, maxDelayMs: 300 },
  ...extra,
});

const receiverOptions = (url, userId) => ({
  url, userId, delivery: 'at-least-once', reconnect: { baseDelayMs: 50, maxDelayMs: 300 },
});

const waitState = (tab, state, ms = 15_000) => until(`state ${state}`, async () => (await tab.report()).state === state, ms);

/** Only connection attempts refused while the server is away are expected. */
const unexpected = (errors) => errors.filter((error) => error.code !== 'connect_failed');
const pageProblems = (errors) => errors.filter((line) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(line));

/** A receiver that has had a numbered frame, so that it resumes and the server knows it. */
async function readyPair(t, url, sender, receiver) {
  const alice = await page(t);
  const bob = await page(t);
  await bob.start(receiverOptions(url, receiver));
  await alice.start(senderOptions(url, sender));
  await waitState(alice, 'open');
  await waitState(bob, 'open');
  await alice.send(receiver, 'warm-up', 1);
  await until('the warm-up', async () => (await bob.report()).chats.length === 1);
  return { alice, bob };
}

test('server down, 20 chats sent, page reloaded, server back: all 20 arrive once, in order, with their ids', async (t) => {
  const handle = await serverProcess(t, 'twenty');
  const { server } = handle;
  const { alice, bob } = await readyPair(t, server.wsUrl, 'alice-20', 'bob-20');

  await handle.server.kill('SIGKILL');
  await waitState(alice, 'reconnecting');
  const ids = await alice.send('bob-20', 'offline', 20);
  assert.equal((await alice.stored()).length, 20, 'the 20 chats are in the store before the reload');
  const before = await alice.report();
  assert.deepEqual(before.statuses.filter((s) => ids.includes(s.id)).map((s) => s.status), Array(20).fill('queued'));

  await alice.reload();
  const restored = await alice.start(senderOptions(server.wsUrl, 'alice-20'));
  assert.deepEqual(restored.map((m) => m.id), ids, 'restored in order with their ids');
  await handle.restart();

  await until('20 chats at bob', async () => (await bob.report()).chats.length >= 21, 20_000);
  await until('20 acks at alice', async () => (await alice.report()).statuses.filter((s) => s.status === 'acked').length >= 20, 20_000);
  await sleep(500);
  const received = (await bob.report()).chats.filter((chat) => chat.from === 'alice-20').slice(1);
  assert.deepEqual(received.map((chat) => chat.id), ids, 'once each, in order');
  assert.deepEqual(received.map((chat) => chat.message), ids.map((_, n) => `offline-${n}`));
  const after = await alice.report();
  for (const id of ids) {
    assert.deepEqual(after.statuses.filter((s) => s.id === id).map((s) => s.status), ['sent', 'acked'], id);
  }
  assert.deepEqual(await alice.stored(), [], 'acknowledged chats leave the store');
  assert.deepEqual(unexpected(after.errors), []);
  assert.deepEqual(pageProblems(alice.errors), []);
  figures.twentyAfterReload = { sent: 20, restored: restored.length, received: received.length, duplicates: 0 };
});
