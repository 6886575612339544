// Test harness for tests/e2e/persistence.test.mjs: one client per page, with
// its delivery statuses, chats, errors and resumes recorded; reloaded by the
// test to see what survives.
window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

const { createClient } = await import('/pkg/index.js');

/** Resolves once every IndexedDB write this page made so far has committed (transactions run in order). */
function committed() {
  return new Promise((resolve) => {
    let request;
    try {
      request = indexedDB.open('wsnotify');
    } catch {
      resolve();
      return;
    }
    request.onerror = () => resolve();
    request.onsuccess = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('messages')) {
        db.close();
        resolve();
        return;
      }
      const transaction = db.transaction('messages', 'readonly');
      transaction.objectStore('messages').count();
      transaction.oncomplete = () => {
        db.close();
        resolve();
      };
    };
  });
}

/** The chat records in the store (all scopes), oldest first. */
window.stored = () => new Promise((resolve) => {
  const request = indexedDB.open('wsnotify');
  request.onsuccess = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains('messages')) {
      db.close();
      resolve([]);
      return;
    }
    const all = db.transaction('messages', 'readonly').objectStore('messages').getAll();
    all.onsuccess = () => {
      db.close();
      resolve(all.result.sort((a, b) => a.order - b.order).map(({ id, message, owner }) => ({ id, message, owner })));
    };
  };
});

window.start = async (options, { retryFailed = false } = {}) => {
  const client = await createClient(options);
  const record = {
    statuses: [], chats: [], errors: [], states: [], resumed: [], sent: [],
    restored: client.restored.map(({ id, message }) => ({ id, message })),
  };
  client.onDelivery((delivery) => {
    record.statuses.push(delivery);
    if (retryFailed && delivery.status === 'failed') {
      try {
        client.retry(delivery.id);
      } catch (error) {
        record.errors.push({ code: error.code, id: delivery.id, where: 'retry' });
      }
    }
  });
  client.onChat((chat) => record.chats.push({ id: chat.id, message: chat.message, from: chat.fromUserId, seq: chat.seq }));
  client.onError((error) => record.errors.push({ code: error.code, id: error.id, message: error.message }));
  client.on('resumed', (resumed) => record.resumed.push(resumed));
  client.onStateChange(({ state }) => record.states.push(state));
  client.connect();
  window.tab = { client, record };
  return record.restored;
};

window.report = () => ({
  state: window.tab.client.state,
  queued: window.tab.client.queued,
  ...window.tab.record,
});

/** Sends `count` chats to `to`, `everyMs` apart; resolves once each is in the store (when persisting). */
window.send = async (to, prefix, count, everyMs = 0) => {
  const { client, record } = window.tab;
  const ids = [];
  for (let n = 0; n < count; n += 1) {
    const message = `${prefix}-${n}`;
    const id = client.sendChat(to, message);
    record.sent.push({ id, message });
    ids.push(id);
    if (everyMs > 0 && n < count - 1) await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  await committed();
  return ids;
};
window.ready = true;
