// Test harness for tests/e2e/reentrancy.test.mjs: calls every member of the
// client from inside every kind of callback and provider, and records what
// each call gave.
const { createClient } = await import('/pkg/index.js');

window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

/** Every member of the client, as a call an application could make. */
const MEMBERS = {
  connect: (c) => c.connect(),
  close: (c) => c.close(1000, 'from a callback'),
  reconnect: (c) => c.reconnect(),
  sendChat: (c) => c.sendChat(null, 'from a callback'),
  sendJson: (c) => c.sendJson({ type: 'custom', from: 'callback' }),
  sendText: (c) => c.sendText('{"type":"custom"}'),
  readyState: (c) => c.readyState,
  state: (c) => c.state,
  attempt: (c) => c.attempt,
  queued: (c) => c.queued,
  delivery: (c) => c.delivery,
  onMessage: (c) => c.onMessage(() => {}),
  onDelivery: (c) => c.onDelivery(() => {}),
  // Nothing has failed at that point: the documented refusal, typed, is the outcome.
  retry: (c) => {
    try {
      c.retry('never-sent');
    } catch (error) {
      if (error?.code !== 'not_retryable') throw error;
    }
  },
  free: (c) => c.free(),
};

/**
 * Every place the client calls application code. `url` acts in the provider
 * of the first attempt, which `connect()` starts; `urlOnRetry` in the
 * provider of the second, which the backoff timer starts (no call of the
 * application's is under way then).
 */
const CALLBACKS = [
  'onOpen', 'onClose', 'onError', 'onChat', 'onNotification', 'onMessage', 'on', 'onStateChange', 'onGiveUp', 'onDelivery',
  'shouldReconnect', 'url', 'urlOnRetry', 'token',
];

window.members = Object.keys(MEMBERS);
window.callbacks = CALLBACKS;

/**
 * Runs one trial: a client whose callback `where` calls member `what` the
 * first time it runs. Resolves to what the call gave: `ok`, the `code` of a
 * typed error, or `untyped: …` for anything else (a wasm trap among them).
 */
window.trial = async (url, where, what) => {
  const userId = `${where}-${what}`;
  let client = null;
  let outcome = 'not called';
  let called = false;
  // How often the token provider, asked after the url provider, ran after the call.
  const record = { errors: [], states: [], tokenAfterCall: 0 };
  const act = () => {
    if (called) return undefined;
    called = true;
    try {
      MEMBERS[what](client);
      outcome = 'ok';
    } catch (error) {
      outcome = typeof error?.code === 'string' ? error.code : `untyped: ${error}`;
    }
    return undefined;
  };
  const options = {
    url: where.startsWith('url') ? (attempt) => {
      if (where === 'url' || attempt > 0) act();
      return url;
    } : url,
    userId,
    reconnect: { baseDelayMs: 20, maxDelayMs: 40, maxRetries: 1 },
    // A token provider only where a provider acts: the other trials keep a
    // client without providers, which opens its socket inside `connect()`.
    token: where === 'token' || where.startsWith('url') ? () => {
      if (where === 'token') act();
      if (called) record.tokenAfterCall += 1;
      return 'token';
    } : undefined,
    shouldReconnect: (close) => {
      if (where === 'shouldReconnect') act();
      return close.code === 4000;
    },
  };
  client = await createClient(options);
  const register = (name, ...args) => client[name](...args, () => {
    if (where === name) act();
  });
  for (const name of ['onOpen', 'onClose', 'onChat', 'onNotification', 'onMessage', 'onStateChange', 'onGiveUp', 'onDelivery']) register(name);
  register('on', 'custom');
  client.onError((error) => {
    record.errors.push(error.code);
    if (where === 'onError') act();
  });
  client.onStateChange(({ state }) => record.states.push(state));
  client.connect();
  // A chat, so that onDelivery runs (queued now, sent on open, failed when the client ends).
  if (where === 'onDelivery') client.sendChat(null, 'a tracked chat');
  return { client, record, outcome: () => outcome };
};

window.trials = [];
window.startTrials = async (url) => {
  for (const where of CALLBACKS) {
    for (const what of Object.keys(MEMBERS)) {
      window.trials.push({ where, what, ...(await window.trial(url, where, what)) });
    }
  }
};

/** What each trial gave, once they have run. */
window.trialReport = () => window.trials.map(({ where, what, client, record, outcome }) => {
  let state;
  try {
    state = client.state;
  } catch (error) {
    state = `throws ${error.code}`;
  }
  return { where, what, outcome: outcome(), state, errors: record.errors, states: record.states, tokenAfterCall: record.tokenAfterCall };
});
