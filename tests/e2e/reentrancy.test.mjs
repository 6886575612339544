// Calling the client from inside its own callbacks and providers: every
// member, from every kind, in Chromium against a server that closes each
// connection with 4000. No wasm trap, no untyped exception, a documented
// outcome for each call, and free() from anywhere stops the client at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { servePage } from '../support/page-site.mjs';
import { until } from '../support/until.mjs';

let site;
let browser;
let wss;
/** userId → { opened, open } */
const byUser = new Map();

before(async () => {
  site = await servePage('reentrancy-page');
  browser = await launchBrowser();
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    socket.once('message', (data) => {
      const { userId } = JSON.parse(data);
      const user = byUser.get(userId) ?? { opened: 0, open: 0 };
      byUser.set(userId, user);
      user.opened += 1;
      user.open += 1;
      socket.on('close', () => {
        user.open -= 1;
      });
      const timestamp = new Date().toISOString();
      socket.send(JSON.stringify({ type: 'chat', fromUserId: 'server', message: 'hi', timestamp }));
      socket.send(JSON.stringify({ type: 'notification', message: 'note' }));
      socket.send(JSON.stringify({ type: 'custom' }));
      socket.send('not json');
      setTimeout(() => socket.close(4000, 'go again'), 100);
    });
  });
});

after(async () => {
  await browser?.close();
  site?.close();
  for (const socket of wss?.clients ?? []) socket.terminate();
  wss?.close();
});

/** A page of the trial harness, closed when test `t` ends, and the URL of the server that closes with 4000. */
async function trialPage(t) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const pageErrors = collectPageErrors(page);
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => typeof window.startTrials === 'function');
  return { page, pageErrors, url: `ws://127.0.0.1:${wss.address().port}` };
}

/**
 * Nothing uncaught in the page and nothing on its console but the browser's
 * own line for a connection that failed.
 */
async function assertNoPageErrors(page, pageErrors) {
  assert.deepEqual(await page.evaluate(() => window.uncaught), []);
  assert.deepEqual(pageErrors.filter((line) => !/WebSocket connection to .* failed/.test(line)), []);
}

test('every member called from inside every callback and provider: no trap, a typed outcome, free() stops at once', async (t) => {
  const { page, pageErrors, url } = await trialPage(t);
  const [callbacks, members] = await page.evaluate(() => [window.callbacks, window.members]);
  await page.evaluate((u) => window.startTrials(u), url);
  // Each trial ends within a few hundred ms: two connections of 100 ms, then
  // giving up (or closing, or being freed).
  const report = await until('every trial to finish', async () => {
    const current = await page.evaluate(() => window.trialReport());
    return current.length === callbacks.length * members.length &&
      current.every((trial) => trial.state === 'closed' || trial.state.startsWith('throws')) && current;
  }, 60_000, 200);

  const outcomes = {};
  for (const { where, what, outcome } of report) {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    assert.ok(!outcome.startsWith('untyped'), `${what} inside ${where}: ${outcome}`);
    assert.notEqual(outcome, 'not called', `${where} was never called (${what})`);
    // Calls work from inside callbacks; the one documented refusal is a
    // send into a client that is already closed for good.
    assert.ok(outcome === 'ok' || (outcome === 'closed' && what.startsWith('send')), `${what} inside ${where}: ${outcome}`);
  }
  const freed = report.filter((trial) => trial.what === 'free');
  for (const { where, state } of freed) assert.equal(state, 'throws freed', `after free() inside ${where}, members throw freed`);
  // The server hears of a close a moment after the client made it.
  const stillOpen = () => freed.filter(({ where, what }) => (byUser.get(`${where}-${what}`)?.open ?? 0) !== 0).map(({ where }) => where);
  await until('the server to see every freed client gone', () => stillOpen().length === 0, 5_000).catch(() => {});
  assert.deepEqual(stillOpen(), [], 'free() inside these callbacks left a connection');
  // A provider that frees or closes the client is the last one asked: the
  // token provider, asked after the url provider, does not run after it.
  for (const { where, what, tokenAfterCall } of report.filter((trial) => trial.where.startsWith('url'))) {
    if (what === 'free' || what === 'close') assert.equal(tokenAfterCall, 0, `the token provider ran after ${what}() inside ${where}`);
  }
  const openedAfterFree = report.filter((trial) => trial.what === 'free').map(({ where }) => byUser.get(`${where}-free`)?.opened ?? 0);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(report.filter((trial) => trial.what === 'free').map(({ where }) => byUser.get(`${where}-free`)?.opened ?? 0), openedAfterFree,
    'a freed client never connects again');
  // The predicate's answer is obeyed, also when it reads the client.
  const predicate = report.find((trial) => trial.where === 'shouldReconnect' && trial.what === 'state');
  assert.ok(predicate.states.includes('reconnecting'), `shouldReconnect answered true: ${predicate.states}`);
  assert.equal(byUser.get('shouldReconnect-state').opened, 2);
  await assertNoPageErrors(page, pageErrors);
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
});

test('an exception in shouldReconnect is a callback_failed error, and the standard policy decides', async (t) => {
  const { page, url } = await trialPage(t);
  const result = await page.evaluate(async (u) => {
    const { createClient } = await import('/pkg/index.js');
    const errors = [];
    const client = await createClient({
      url: u,
      userId: 'throwing-predicate',
      reconnect: { baseDelayMs: 20, maxRetries: 1 },
      shouldReconnect: () => { throw new Error('boom'); },
    });
    client.onError((error) => errors.push(error.code));
    const states = [];
    client.onStateChange(({ state }) => states.push(state));
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const outcome = { errors, states, state: client.state };
    client.free();
    return outcome;
  }, url);
  assert.ok(result.errors.includes('callback_failed'), JSON.stringify(result));
  // 4000 reconnects under the standard policy.
  assert.ok(result.states.includes('reconnecting'), JSON.stringify(result));
});

test('values thrown by the application that are hard to describe, and a console that throws: still callback_failed, and the client stays usable', async (t) => {
  const { page, pageErrors, url } = await trialPage(t);
  const results = await page.evaluate(async (u) => {
    const { createClient } = await import('/pkg/index.js');
    const throwing = (key) => Object.defineProperty(new Error('x'), key, { get() { throw new Error(`${key} getter`); } });
    const thrown = {
      'a number as name': Object.assign(new Error('boom'), { name: 42 }),
      'no name': Object.assign(new Error('boom'), { name: undefined }),
      'an object as message': Object.assign(new Error(), { message: { not: 'a string' } }),
      'a name getter that throws': throwing('name'),
      'a message getter that throws': throwing('message'),
    };
    const until = async (condition) => {
      for (let n = 0; n < 1_000 && !condition(); n += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const results = [];
    const trial = async (what, userId, setUp) => {
      const errors = [];
      const client = await createClient({ url: u, userId, reconnect: false });
      setUp(client, errors);
      const outcome = { what, userId };
      try {
        client.connect();
        await until(() => client.state === 'open');
        outcome.opened = client.state === 'open';
        outcome.sent = typeof client.sendChat(null, 'still works');
        client.close();
        outcome.closed = ['closing', 'closed'].includes(client.state);
        client.free();
        outcome.freed = true;
      } catch (error) {
        outcome.threw = `${error?.code}: ${error?.message}`;
      }
      outcome.errors = errors;
      results.push(outcome);
    };
    for (const [what, value] of Object.entries(thrown)) {
      await trial(what, `odd-${results.length}`, (client, errors) => {
        client.onError((error) => errors.push(error.code));
        client.onStateChange(() => { throw value; });
        client.onDelivery(() => { throw value; });
      });
    }
    // No onError listener: a callback's exception goes to the console, which throws.
    const consoleError = console.error;
    console.error = () => { throw new Error('console.error fails the test run'); };
    try {
      await trial('a console.error that throws', 'odd-console', (client) => {
        client.onDelivery(() => { throw new Error('boom'); });
      });
    } finally {
      console.error = consoleError;
    }
    return results;
  }, url);
  for (const outcome of results) {
    assert.equal(outcome.threw, undefined, `${outcome.what}: ${outcome.threw}`);
    assert.deepEqual([outcome.opened, outcome.sent, outcome.closed, outcome.freed], [true, 'string', true, true], outcome.what);
    if (outcome.userId !== 'odd-console') {
      // The server also sends a frame that is not JSON.
      const others = outcome.errors.filter((code) => code !== 'callback_failed' && code !== 'invalid_json');
      assert.ok(outcome.errors.includes('callback_failed') && others.length === 0, `${outcome.what}: ${outcome.errors}`);
    }
  }
  await until('every trial connection closed', () => results.every(({ userId }) => (byUser.get(userId)?.open ?? 0) === 0), 5_000);
  await assertNoPageErrors(page, pageErrors);
});

test('free() or close() from inside the toJSON of a sendJson argument: the send throws freed or closed, it returns no id', async (t) => {
  const { page, pageErrors, url } = await trialPage(t);
  const outcomes = await page.evaluate(async (u) => {
    const { createClient } = await import('/pkg/index.js');
    const outcomes = {};
    for (const what of ['free', 'close']) {
      const client = await createClient({ url: u, mode: 'generic', reconnect: false });
      client.connect();
      for (let n = 0; n < 500 && client.state !== 'open'; n += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      try {
        outcomes[what] = `returned ${typeof client.sendJson({ toJSON: () => (client[what](), { type: 'custom' }) })}`;
      } catch (error) {
        outcomes[what] = error?.code ?? `untyped: ${error}`;
      }
      if (what === 'close') client.free();
    }
    return outcomes;
  }, url);
  assert.deepEqual(outcomes, { free: 'freed', close: 'closed' });
  await assertNoPageErrors(page, pageErrors);
});

test('a provider that reconnects the client each time it is asked leaves the page running, and free() stops it', async (t) => {
  const { page, pageErrors, url } = await trialPage(t);
  const result = await page.evaluate(async (u) => {
    const { createClient } = await import('/pkg/index.js');
    // A cap, so that a build that loops inside connect() fails this test
    // instead of hanging it.
    const CAP = 10_000;
    let asked = 0;
    let client = null;
    const provider = () => {
      asked += 1;
      if (asked > CAP) throw new Error('asked without end');
      client.reconnect();
      return u;
    };
    client = await createClient({ url: provider, userId: 'restless', reconnect: { baseDelayMs: 20, maxDelayMs: 40 } });
    client.connect();
    const askedAtReturn = asked;
    const timerRan = await new Promise((resolve) => setTimeout(() => resolve(true), 50));
    const askedMeanwhile = asked - askedAtReturn;
    client.free();
    const askedAtFree = asked;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { askedAtReturn, timerRan, askedMeanwhile, askedAtFree, askedAfter: asked };
  }, url);
  assert.equal(result.askedAtReturn, 1, `connect() returns after one round: ${JSON.stringify(result)}`);
  assert.equal(result.timerRan, true);
  assert.ok(result.askedMeanwhile > 0, `the rounds go on, each in a task: ${JSON.stringify(result)}`);
  assert.equal(result.askedAfter, result.askedAtFree, 'no provider is asked after free()');
  await assertNoPageErrors(page, pageErrors);
});
