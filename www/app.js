// The demo chat page. Everything the server or a user typed is inserted with
// textContent, never as HTML. It gets its token from the reference server's
// development login endpoint (on with `npm start` only, see SECURITY.md); a
// real application gets it from its own login instead. The tabs of one user
// share one connection (shareAcrossTabs): a badge says which tab leads.
// Each message this page sent has a tick (queued, sent, acknowledged; failed
// with a retry button), and unacknowledged messages are kept in IndexedDB
// (persist): a reload during an outage keeps them, and they go out when the
// server is back. The tab remembers its user id, so a reload joins again.
import { createClient, init } from '/pkg/index.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const messages = $('messages');
const errorBox = $('error');

let client = null;
let userId = null;
let countdown = null;
let roleWatch = null;
/** Message id → the list item of a message this page sent, until the server echoes it. */
const pending = new Map();
/** Message id → the list item of a message this page sent (the last 500), for its tick. */
const own = new Map();
/** Message id → its last delivery status, also for items not drawn yet. */
const statuses = new Map();
const OWN_KEPT = 500;
const USER_KEY = 'wsnotify-demo-user';
const TICKS = {
  queued: ['🕓', 'queued: sent when the server is reachable'],
  sent: ['✓', 'sent'],
  acked: ['✓✓', 'acknowledged by the server'],
  failed: ['⚠', 'not delivered'],
};

/** Shows a message's delivery status: its tick, and a retry button when it failed. */
function showStatus(id) {
  const item = own.get(id);
  const delivery = statuses.get(id);
  if (!item || !delivery) return;
  const tick = item.querySelector('.tick');
  const [symbol, title] = TICKS[delivery.status];
  tick.dataset.status = delivery.status;
  tick.textContent = symbol;
  tick.title = delivery.code ? `${title} (${delivery.code})` : title;
  item.classList.toggle('queued', delivery.status === 'queued');
  item.classList.toggle('failed', delivery.status === 'failed');
  item.querySelector('.retry')?.remove();
  if (delivery.status === 'failed') {
    item.querySelector('.meta').textContent = `not delivered: ${delivery.code}`;
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => {
      try {
        client?.retry(id);
        pending.set(id, item);
      } catch (error) {
        showError(`${error.code}: ${error.message}`);
      }
    });
    item.append(retry);
  }
}

function onDelivery(delivery) {
  statuses.set(delivery.id, delivery);
  if (statuses.size > OWN_KEPT) statuses.delete(statuses.keys().next().value);
  showStatus(delivery.id);
}

/** Draws a message this page sent (or one restored after a reload), with its tick. */
function appendOwn(id, message, meta) {
  const item = messageItem('own', message, meta);
  const tick = document.createElement('span');
  tick.className = 'tick';
  item.append(tick);
  item.dataset.id = id;
  pending.set(id, item);
  own.set(id, item);
  if (own.size > OWN_KEPT) own.delete(own.keys().next().value);
  if (!statuses.has(id)) statuses.set(id, { id, status: 'queued' });
  append(item);
  showStatus(id);
}

function showState({ state, attempt, nextDelayMs }) {
  clearInterval(countdown);
  status.dataset.state = state;
  if (state === 'reconnecting' && nextDelayMs !== undefined) {
    const due = Date.now() + nextDelayMs;
    const tick = () => {
      const seconds = Math.max(0, (due - Date.now()) / 1000).toFixed(1);
      status.textContent = `reconnecting · attempt ${attempt} in ${seconds}s`;
    };
    tick();
    countdown = setInterval(tick, 100);
  } else if (state === 'reconnecting') {
    status.textContent = 'offline · waiting for the network';
  } else {
    status.textContent = state;
  }
}

/** The tab's part in the shared connection; a tab takes over the lead when the leading one closes. */
const ROLES = {
  leader: 'this tab leads: it holds the connection',
  follower: 'another tab leads: this one shares its connection',
  off: 'own connection',
};

function showRole() {
  const badge = $('tab-role');
  const role = client?.sharing ?? 'off';
  if (badge.dataset.role === role && !badge.hidden) return;
  badge.hidden = false;
  badge.dataset.role = role;
  badge.textContent = ROLES[role];
}

function showError(text) {
  errorBox.hidden = !text;
  errorBox.textContent = text ?? '';
}

/**
 * A fresh token for `userId` from the development login endpoint. The client
 * calls it before every connection attempt, so an expired token is replaced
 * on reconnect.
 */
async function fetchToken(userId) {
  const response = await fetch('/dev/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (!response.ok) throw new Error(`login failed (${response.status}): is the server in development mode (npm start)?`);
  return (await response.json()).token;
}

function messageItem(className, text, meta) {
  const item = document.createElement('li');
  item.className = className;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  const small = document.createElement('span');
  small.className = 'meta';
  small.textContent = meta;
  item.append(body, small);
  return item;
}

function append(item) {
  messages.append(item);
  item.scrollIntoView({ block: 'end' });
}

function onChat(chat) {
  const time = new Date(chat.timestamp).toLocaleTimeString();
  const to = chat.toUserId ? ` → ${chat.toUserId}` : '';
  const meta = `${chat.fromUserId}${to} · ${time}`;
  const mine = chat.id !== undefined && pending.get(chat.id);
  if (mine) {
    pending.delete(chat.id);
    mine.classList.remove('queued');
    mine.querySelector('.meta').textContent = meta;
    return;
  }
  append(messageItem(chat.fromUserId === userId ? 'own' : 'other', chat.message, meta));
}

function onNotification(notification) {
  const online = typeof notification.online === 'number' ? ` · ${notification.online} online` : '';
  const item = document.createElement('li');
  item.className = 'notification';
  item.textContent = `${notification.message}${online}`;
  append(item);
}

function onError(error) {
  showError(`${error.code}: ${error.message}`);
  // A message's failure is drawn by its status (onDelivery).
  if (error.id !== undefined) pending.delete(error.id);
}

$('join').addEventListener('submit', async (event) => {
  event.preventDefault();
  const requested = $('user-id').value.trim();
  if (!requested) return;
  client?.free();
  client = null;
  clearInterval(roleWatch);
  pending.clear();
  own.clear();
  statuses.clear();
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  try {
    client = await createClient({
      url: url.href,
      userId: requested,
      token: () => fetchToken(requested),
      heartbeat: { intervalMs: 15000, timeoutMs: 5000 },
      delivery: 'at-least-once',
      shareAcrossTabs: true,
      persist: true,
    });
  } catch (error) {
    showError(`${error.code}: ${error.message}`);
    return;
  }
  userId = requested;
  sessionStorage.setItem(USER_KEY, requested);
  client.onDelivery(onDelivery);
  // Typed before a reload and not yet acknowledged: queued again.
  for (const { id, toUserId, message } of client.restored) {
    appendOwn(id, message, `queued before the reload${toUserId ? ` · to ${toUserId}` : ''}`);
  }
  client.onStateChange(showState);
  client.onChat(onChat);
  client.onNotification(onNotification);
  client.onError(onError);
  client.onOpen(() => showError(null));
  client.connect();
  // The role changes without an event of its own (a tab is elected when another goes).
  showRole();
  roleWatch = setInterval(showRole, 250);
  $('compose').hidden = false;
  $('message').focus();
});

$('compose').addEventListener('submit', (event) => {
  event.preventDefault();
  const message = $('message').value;
  const toUserId = $('to-user-id').value.trim() || null;
  try {
    const id = client.sendChat(toUserId, message);
    const open = client.state === 'open';
    appendOwn(id, message, open ? 'sending…' : 'queued · sent when back online');
    $('message').value = '';
  } catch (error) {
    showError(`${error.code}: ${error.message}`);
  }
});

await init();
document.body.dataset.ready = 'true';
// A reload joins again as the same user: what was queued goes out when the server is back.
const remembered = sessionStorage.getItem(USER_KEY);
if (remembered) {
  $('user-id').value = remembered;
  $('join').requestSubmit();
}
