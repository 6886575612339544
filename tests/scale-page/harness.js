// Test harness for tests/e2e/scale.test.mjs: real clients of the built
// package, each with a list of node URLs, recording what the application sees.
window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

const { createClient } = await import('/pkg/index.js');
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const clients = new Map();

/** Starts a client of `userId` on `urls`; `peer`: whom it sends to ten times a second once sending begins. */
window.startUser = async (userId, urls, peer) => {
  const client = await createClient({
    url: urls,
    userId,
    delivery: 'at-least-once',
    reconnect: { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 },
  });
  const record = { chats: [], errors: [], resumed: [], opens: [], accepted: [], refused: [], sending: false };
  client.onStateChange((change) => {
    if (change.state === 'open') record.opens.push(Date.now());
  });
  client.onChat((chat) => record.chats.push({ id: chat.id, from: chat.fromUserId }));
  client.onError((error) => record.errors.push({ code: error.code, id: error.id }));
  client.on('resumed', (frame) => record.resumed.push(frame.recovered));
  clients.set(userId, { client, record, peer });
  client.connect();
};

window.beginSending = (userId) => {
  const entry = clients.get(userId);
  entry.record.sending = true;
  let n = 0;
  (async () => {
    while (entry.record.sending) {
      n += 1;
      try {
        entry.record.accepted.push(entry.client.sendChat(entry.peer, `${userId}-${n}`));
      } catch (error) {
        entry.record.refused.push(error.code);
      }
      await wait(100);
    }
  })();
};
window.stopSending = (userId) => {
  clients.get(userId).record.sending = false;
};
window.report = (userId) => {
  const { client, record } = clients.get(userId);
  return { state: client.state, queued: client.queued, ...record };
};
window.opensOf = (userIds) => userIds.map((userId) => clients.get(userId).record.opens);
window.ready = true;
