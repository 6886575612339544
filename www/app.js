// The demo chat page. Everything the server or a user typed is inserted with
// textContent, never as HTML.
import init, { Client } from '/pkg/wsnotify.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const messages = $('messages');
const errorBox = $('error');

let client = null;
let userId = null;

function showState() {
  const state = client ? client.state : 'idle';
  status.dataset.state = state;
  status.textContent = state;
}

function showError(text) {
  errorBox.hidden = !text;
  errorBox.textContent = text ?? '';
}

function addItem(className, text, meta) {
  const item = document.createElement('li');
  item.className = className;
  item.textContent = text;
  if (meta) {
    const small = document.createElement('span');
    small.className = 'meta';
    small.textContent = meta;
    item.append(small);
  }
  messages.append(item);
  item.scrollIntoView({ block: 'end' });
}

function onFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return;
  }
  if (frame.type === 'chat') {
    const time = new Date(frame.timestamp).toLocaleTimeString();
    const own = frame.fromUserId === userId;
    const to = frame.toUserId ? ` → ${frame.toUserId}` : '';
    addItem(own ? 'own' : 'other', frame.message, `${frame.fromUserId}${to} · ${time}`);
  } else if (frame.type === 'notification') {
    const online = typeof frame.online === 'number' ? ` (${frame.online} online)` : '';
    addItem('notification', `${frame.message}${online}`);
  } else if (frame.type === 'error') {
    showError(`${frame.code}: ${frame.message}`);
  }
}

$('join').addEventListener('submit', (event) => {
  event.preventDefault();
  userId = $('user-id').value.trim();
  if (!userId) return;
  client?.free();
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  client = new Client({ url: url.href });
  client.onOpen(() => {
    client.sendText(JSON.stringify({ type: 'init', userId }));
    showState();
    showError(null);
  });
  client.onMessage(onFrame);
  client.onClose(({ code }) => {
    showState();
    if (code !== 1000) showError(`connection closed (${code})`);
  });
  try {
    client.connect();
  } catch (error) {
    showError(`${error.code}: ${error.message}`);
  }
  showState();
  $('compose').hidden = false;
});

$('compose').addEventListener('submit', (event) => {
  event.preventDefault();
  const message = $('message').value;
  const toUserId = $('to-user-id').value.trim();
  const frame = { type: 'chat', fromUserId: userId, message };
  if (toUserId) frame.toUserId = toUserId;
  try {
    client.sendText(JSON.stringify(frame));
    $('message').value = '';
  } catch (error) {
    showError(`${error.code}: ${error.message}`);
  }
});

await init();
showState();
