// The React hooks with `shareAcrossTabs` on, unchanged: built with Vite by
// tests/e2e/tabs-react.test.mjs and opened in several tabs. The server URL
// and the user come from the query string.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { NotificationProvider, useNotification, useNotificationClient, useNotificationMessages } from 'wsnotify/react';

const params = new URLSearchParams(location.search);
const url = params.get('ws');
const user = params.get('user');

function Hook() {
  const [lines, setLines] = useState([]);
  const { sendMessage, state, client } = useNotification(user, {
    url,
    shareAcrossTabs: 'hook',
    delivery: 'at-least-once',
    onChat: (chat) => setLines((previous) => [...previous, chat.message]),
  });
  return h('section', null,
    h('p', { 'data-testid': 'hook-state' }, state),
    h('p', { 'data-testid': 'hook-sharing' }, client?.sharing ?? ''),
    h('button', { 'data-testid': 'hook-send', onClick: () => sendMessage(params.get('peer'), `hook from ${params.get('tab')}`) }, 'send'),
    h('p', { 'data-testid': 'hook-count' }, String(lines.length)));
}

function Status() {
  const { state, client } = useNotificationClient();
  return h('p', null,
    h('span', { 'data-testid': 'room-state' }, state),
    h('span', { 'data-testid': 'room-sharing' }, client?.sharing ?? ''));
}

function Messages() {
  const messages = useNotificationMessages();
  return h('p', { 'data-testid': 'room-count' }, String(messages.length));
}

createRoot(document.getElementById('root')).render(h('main', null,
  h(Hook),
  h(NotificationProvider, { userId: user, url, shareAcrossTabs: 'room' }, h(Status), h(Messages))));
