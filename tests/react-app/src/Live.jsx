// Options that apply live (a rotated token) and a send made before the
// module has loaded, for tests/e2e/react.test.mjs.
import { useEffect, useState } from 'react';
import { useNotification } from 'wsnotify/react';

export function Live({ userId, url }) {
  const [token, setToken] = useState('token-1');
  const [earlyId, setEarlyId] = useState(null);
  const { sendMessage, state, client } = useNotification(userId, { url, token, reconnect: { baseDelayMs: 50, maxDelayMs: 100 } });
  useEffect(() => {
    // The first effect runs before the WebAssembly module has loaded.
    setEarlyId(sendMessage(null, 'sent before the module loaded'));
  }, []);
  if (client) (window.__clients ??= new Set()).add(client);
  return (
    <section>
      <p data-testid="live-state">{state}</p>
      <p data-testid="early-id">{earlyId}</p>
      <button onClick={() => setToken('token-2')}>Rotate token</button>
    </section>
  );
}
