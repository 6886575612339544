// Messages queued on a connection that a restart replaces (a new `url`) or
// an unmount ends, for tests/e2e/react.test.mjs: they must be reported, not
// dropped; with `persist`, the chats the store keeps stay stored instead.
import { useState } from 'react';
import { useNotification } from 'wsnotify/react';

const NOWHERE = 'ws://127.0.0.1:9/ws';

export function Restart({ userId, url, persist = false }) {
  const [target, setTarget] = useState(NOWHERE);
  const [queuedId, setQueuedId] = useState(null);
  const [jsonId, setJsonId] = useState(null);
  const { sendMessage, sendJsonMessage, state } = useNotification(userId, {
    url: target,
    reconnect: { baseDelayMs: 5_000 },
    ...(persist ? { persist: true, delivery: 'at-least-once' } : {}),
    onError: (error) => (window.__errors ??= []).push({ code: error.code, id: error.id }),
  });
  return (
    <section>
      <p data-testid="restart-state">{state}</p>
      <p data-testid="queued-id">{queuedId}</p>
      <p data-testid="json-id">{jsonId}</p>
      <button onClick={() => setQueuedId(sendMessage(null, 'queued on the old connection'))}>Queue</button>
      <button onClick={() => setJsonId(sendJsonMessage({ type: 'typing' }))}>Queue JSON</button>
      <button onClick={() => setTarget(url)}>Switch url</button>
    </section>
  );
}
