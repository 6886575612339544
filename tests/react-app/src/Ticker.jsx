// useWebSocket against a server that is not ours, as users write it.
import { useWebSocket } from 'wsnotify/react';

export function Ticker({ url }) {
  const { sendJsonMessage, lastMessage, lastJsonMessage, readyState, state } = useWebSocket(url);
  return (
    <section>
      <p>
        <span data-testid="ws-state">{state}</span> (readyState {readyState})
      </p>
      <button onClick={() => sendJsonMessage({ name: 'react', msg: 'hello from the hook' })}>Send JSON</button>
      <p data-testid="last-format">{lastMessage?.format}</p>
      <p data-testid="last-data">{typeof lastMessage?.data === 'string' ? lastMessage.data : ''}</p>
      <p data-testid="last-json">{lastJsonMessage?.msg}</p>
    </section>
  );
}
