// Picks a scenario from the query string: ?scenario=…&ws=…&user=…
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useNotification } from 'wsnotify/react';
import { Chat } from './Chat.jsx';
import { Room } from './Room.jsx';
import { Ticker } from './Ticker.jsx';
import { Live } from './Live.jsx';
import { Restart } from './Restart.jsx';

const params = new URLSearchParams(location.search);
const url = params.get('ws');
const user = params.get('user') ?? 'react-user';
window.__renders = 0;
window.__reactDevelopment = process.env.NODE_ENV === 'development';
window.__stateChanges = [];

function Toggle({ children }) {
  const [shown, setShown] = useState(true);
  return (
    <>
      <button id="toggle" onClick={() => setShown((value) => !value)}>
        {shown ? 'Unmount' : 'Mount'}
      </button>
      {shown && children}
    </>
  );
}

/** Re-renders 100 times, each time with new inline callbacks and options. */
function Rerenders() {
  const [count, setCount] = useState(0);
  const { state } = useNotification(user, {
    url,
    heartbeat: { intervalMs: 20_000 },
    onChat: (chat) => console.log(count, chat.message),
    onStateChange: (change) => window.__stateChanges.push(change.state),
  });
  useEffect(() => {
    if (state !== 'open' || count >= 100) return undefined;
    const timer = setTimeout(() => setCount((previous) => previous + 1), 0);
    return () => clearTimeout(timer);
  }, [state, count]);
  return <p data-testid="rerenders">{count}</p>;
}

/** A misspelt option, and no onError: the error must still be seen. */
function Misspelt() {
  const { state } = useNotification(user, { url, heartbaet: true });
  return <p data-testid="misspelt-state">{state}</p>;
}

/** A client that cannot be created, and a message sent before it was tried. */
function FailedLoad() {
  const [earlyId, setEarlyId] = useState(null);
  const { sendMessage, state } = useNotification(user, {
    url,
    heartbaet: true,
    onError: (error) => (window.__errors ??= []).push({ code: error.code, id: error.id }),
  });
  useEffect(() => setEarlyId(sendMessage(null, 'before the module loaded')), []);
  return (
    <>
      <p data-testid="failed-state">{state}</p>
      <p data-testid="early-id">{earlyId}</p>
    </>
  );
}

/** A token of a type the client refuses: refused as an option, once, and nothing connects. */
function BadToken() {
  const { state } = useNotification(user, {
    url,
    token: 42,
    onError: (error) => (window.__errors ??= []).push({ code: error.code, message: error.message }),
  });
  return <p data-testid="bad-token-state">{state}</p>;
}

/** The module's first fetch fails (the test makes it): a message sent meanwhile goes once it loads. */
function FlakyLoad() {
  const [earlyId, setEarlyId] = useState(null);
  const { sendMessage, state } = useNotification(user, {
    url,
    onError: (error) => (window.__errors ??= []).push({ code: error.code, id: error.id }),
    onStateChange: (change) => window.__stateChanges.push(change.state),
  });
  useEffect(() => setEarlyId(sendMessage(null, 'sent while the module failed to load')), []);
  return (
    <>
      <p data-testid="flaky-state">{state}</p>
      <p data-testid="early-id">{earlyId}</p>
    </>
  );
}

const scenarios = {
  strict: () => (
    <StrictMode>
      <Toggle>
        <Chat userId={user} url={url} />
      </Toggle>
    </StrictMode>
  ),
  shared: () => (
    <StrictMode>
      <Room userId={user} url={url} />
    </StrictMode>
  ),
  rerender: () => <Rerenders />,
  misspelt: () => <Misspelt />,
  live: () => (
    <StrictMode>
      <Live userId={user} url={url} />
    </StrictMode>
  ),
  generic: () => (
    <StrictMode>
      <Toggle>
        <Ticker url={url} />
      </Toggle>
    </StrictMode>
  ),
  burst: () => <Room userId={user} url={url} onRender={() => (window.__renders += 1)} />,
  restart: () => <Restart userId={user} url={url} />,
  'unmount-persist': () => (
    <Toggle>
      <Restart userId={user} url={url} persist />
    </Toggle>
  ),
  'failed-load': () => <FailedLoad />,
  'bad-token': () => <BadToken />,
  'flaky-load': () => (
    <Toggle>
      <FlakyLoad />
    </Toggle>
  ),
};

createRoot(document.getElementById('root')).render(scenarios[params.get('scenario')]());
