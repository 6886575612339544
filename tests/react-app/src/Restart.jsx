// A message queued on a connection that a restart replaces (a new `url`),
// for tests/e2e/react.test.mjs: it must be reported, not dropped.
import { useState } from 'react';
import { useNotification } from 'wsnotify/react';

const NOWHERE = 'ws://127.0.0.1:9/ws';

export function Restart({ userId, url }) {
  const [target, setTarget] = useState(NOWHERE);
  const [queuedId, setQueuedId] = useState(null);
  const { sendMessage, state } = useNotification(userId, {
    url: target,
    reconnect: { baseDelayMs: 5_000 },
    onError: (error) => (window.__errors ??= []).push({ code: error.code, id: error.id }),
  });
  return (
    <section>
      <p data-testid="restart-state">{state}</p>
      <p data-testid="queued-id">{queuedId}</p>
      <button onClick={() => setQueuedId(sendMessage(null, 'queued on the old connection'))}>Queue</button>
      <button onClick={() => setTarget(url)}>Switch url</button>
    </section>
  );
}
