// Test harness for tests/e2e/any-server.test.mjs: one client of the built
// package against a fixture server, recording everything the application
// sees through the public API.
const { createClient } = await import('/pkg/index.js');

window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

/** Binary data as base64, so the test can compare it with what the server sent. */
async function base64(data) {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  return btoa(String.fromCharCode(...new Uint8Array(buffer)));
}

let current = null;

/**
 * Creates and connects a client with `options`. `helloPerAttempt` turns
 * into a hello provider (functions do not cross page.evaluate). What the
 * application would do right after `connect()` is a `sendText` of `early`.
 * `errorListener: false` leaves `onError` unregistered.
 */
window.startAny = async (options, { helloPerAttempt = false, early = null, listenFor = null, errorListener = true } = {}) => {
  if (helloPerAttempt) options.hello = (attempt) => ({ join: 'ada', attempt });
  const client = await createClient(options);
  const record = { messages: [], errors: [], states: [], closes: [], kinds: [], sent: [], refused: [] };
  client.onMessage((message, info) => {
    const entry = { format: info.format, kind: info.kind ?? null, data: info.data, value: message };
    if (info.format === 'binary') {
      entry.data = null;
      base64(info.data).then((encoded) => {
        entry.data = encoded;
      });
      entry.value = null;
    }
    record.messages.push(entry);
  });
  if (listenFor) client.on(listenFor, (message) => record.kinds.push(message));
  if (errorListener) client.onError((error) => record.errors.push({
    code: error.code,
    attempt: error.attempt ?? null,
    frame: typeof error.frame === 'string' ? error.frame : error.frame === undefined ? null : 'binary',
  }));
  client.onStateChange(({ state, attempt, nextDelayMs }) => record.states.push({ state, attempt, nextDelayMs: nextDelayMs ?? null }));
  client.onClose(({ code, reason }) => record.closes.push({ code, reason }));
  current = { client, record };
  client.connect();
  if (early !== null) window.anySend(early);
};

/** Sends `text` as the application would; records the id or the refusal. */
window.anySend = (text) => {
  try {
    current.record.sent.push({ text, id: current.client.sendText(text) });
  } catch (error) {
    current.record.refused.push(error.code);
  }
};

window.anyReport = () => ({ ...current.record, state: current.client.state, queued: current.client.queued });

window.stopAny = () => {
  current?.client.free();
  current = null;
};
