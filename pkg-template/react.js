// React bindings: useNotification, NotificationProvider/useNotificationClient
// and useNotificationMessages for the wsnotify protocol, useWebSocket for any
// server. No JSX and no state at module scope.
import {
  createContext, createElement, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState,
  useSyncExternalStore,
} from 'react';
import { createClient } from './index.js';

/** How many chat messages the store keeps for `useNotificationMessages`. */
export const DEFAULT_MAX_MESSAGES = 5000;
/** How many sends are held while the client is still loading: the client's default outbox bound. */
const MAX_EARLY_SENDS = 1000;

/** The hooks' own options: never passed to the client, always read live. */
const HOOK_ONLY = new Set(['onNotify', 'onChat', 'onMessage', 'onError', 'onStateChange', 'onOpen', 'onClose', 'maxMessages']);
/**
 * Client options that apply live, read at each use: the token, the hello
 * and the predicate (and a url given as a function). Changing any other
 * client option restarts the connection.
 */
const LIVE = new Set(['token', 'hello', 'shouldReconnect']);

/**
 * What identifies a connection: the user and every client option that the
 * client takes only when it is created. Live options count by presence only,
 * functions as such, so inline callbacks and providers never reconnect.
 */
function restartKey(userId, options) {
  const fixed = { userId };
  for (const [key, value] of Object.entries(options)) {
    if (HOOK_ONLY.has(key) || value === undefined) continue;
    fixed[key] = LIVE.has(key) || typeof value === 'function' ? '(live)' : value;
  }
  return JSON.stringify(fixed);
}

/** How many chats' delivery statuses `useDeliveryStatus` remembers per client. */
const STATUSES_KEPT = 5000;
/** Per client: the last delivery status of its recent chats, and who renders them. */
const trackers = new WeakMap();

/**
 * The delivery tracker of `client`, registered on first use (the hooks'
 * own clients: as soon as they exist, so no status is missed). Restored
 * chats (`persist`) start as queued. `null` for a client without statuses
 * (generic mode) or one already freed.
 */
function deliveryTracker(client) {
  if (!client) return null;
  let tracker = trackers.get(client);
  if (tracker !== undefined) return tracker;
  const statuses = new Map();
  const renderers = new Set();
  const record = (event) => {
    statuses.delete(event.id);
    statuses.set(event.id, Object.freeze({ ...event }));
    if (statuses.size > STATUSES_KEPT) statuses.delete(statuses.keys().next().value);
  };
  try {
    for (const { id } of client.restored) record({ id, status: 'queued' });
    client.onDelivery((event) => {
      record(event);
      for (const render of [...renderers]) render();
    });
    tracker = {
      get: (id) => statuses.get(id),
      subscribe(render) {
        renderers.add(render);
        return () => renderers.delete(render);
      },
    };
  } catch {
    tracker = null;
  }
  trackers.set(client, tracker);
  return tracker;
}

const noSubscription = () => () => {};

/**
 * The last delivery status of chat `id` sent by `client`: `{ id, status,
 * code? }` (`status` "queued", "sent", "acked" or "failed"), or `undefined`
 * before the first. Renders again when it changes, for ticks.
 */
export function useDeliveryStatus(client, id) {
  const tracker = deliveryTracker(client);
  const subscribe = useCallback((render) => (tracker ? tracker.subscribe(render) : noSubscription()), [tracker]);
  const read = () => (tracker && typeof id === 'string' ? tracker.get(id) : undefined);
  return useSyncExternalStore(subscribe, read, () => undefined);
}

/** Runs after render and before effects in the browser; on the server, never (no warning). */
const useBeforeEffects = typeof document === 'undefined' ? () => {} : useLayoutEffect;

const IDLE = Object.freeze({
  readyState: 3, state: 'idle', attempt: 0, lastMessage: null, lastInfo: null, messages: Object.freeze([]), client: null,
});

function errorWithCode(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/**
 * Reports `error` to the hook's `onError`, or, when there is none, to the
 * console: an error nobody listens to is never silent.
 */
function reportTo(handler, error) {
  if (typeof handler === 'function') callHandler(handler, error);
  else console.error('wsnotify:', error);
}

/** Calls a user handler; a throwing handler is logged and does not break delivery. */
function callHandler(handler, ...args) {
  if (typeof handler !== 'function') return;
  try {
    handler(...args);
  } catch (error) {
    console.error('wsnotify: a handler threw', error);
  }
}

/** Coalesces store notifications to one per frame, so a burst renders once. */
function frameScheduler(run) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    const go = () => {
      pending = false;
      run();
    };
    const visible = typeof document !== 'undefined' && document.visibilityState === 'visible';
    if (visible && typeof requestAnimationFrame === 'function') requestAnimationFrame(go);
    else setTimeout(go, 16);
  };
}

/**
 * A connection shared by the components that hold it: the client is created
 * on the first `acquire()` and closed just after the last release (one tick
 * later, so StrictMode's unmount-and-remount keeps the same connection).
 * `latest()` returns the newest options, so changed callbacks take effect
 * without reconnecting.
 */
function createConnection(userId, latest) {
  let client = null;
  /** Whether the client keeps what it has not sent in its store (`persist`) for the next one. */
  let persisting = false;
  let loading = false;
  let holders = 0;
  let closeTimer = null;
  let detach = [];
  const early = [];
  const subscribers = new Set();
  let published = IDLE;
  let next = IDLE;
  let incoming = [];

  const publishNow = () => {
    if (incoming.length > 0) {
      const max = latest().maxMessages ?? DEFAULT_MAX_MESSAGES;
      const messages = published.messages.concat(incoming);
      next = { ...next, messages: messages.length > max ? messages.slice(messages.length - max) : messages };
      incoming = [];
    }
    if (next === published) return;
    published = next;
    for (const notify of subscribers) notify();
  };
  const schedule = frameScheduler(publishNow);
  const update = (change) => {
    next = { ...next, ...change };
    schedule();
  };

  function clientOptions() {
    const options = {};
    for (const [key, value] of Object.entries(latest())) {
      if (!HOOK_ONLY.has(key)) options[key] = value;
    }
    // Live options are looked up at each use: the newest value wins, a
    // rotated token included.
    const live = (key) => (argument) => {
      const value = latest()[key];
      return typeof value === 'function' ? value(argument) : value;
    };
    if (typeof options.url === 'function') options.url = live('url');
    for (const key of LIVE) if (options[key] !== undefined) options[key] = live(key);
    return { ...options, userId };
  }

  const reportError = (error) => reportTo(latest().onError, error);

  function attach(created) {
    client = created;
    detach = [
      created.onStateChange((change) => {
        update({ state: change.state, attempt: change.attempt, readyState: created.readyState });
        callHandler(latest().onStateChange, change);
      }),
      created.onOpen(() => callHandler(latest().onOpen)),
      created.onClose((close) => callHandler(latest().onClose, close)),
      created.onError(reportError),
      created.onMessage((message, info) => {
        next = { ...next, lastMessage: message, lastInfo: info };
        schedule();
        callHandler(latest().onMessage, message, info);
      }),
    ];
    // The typed callbacks get frames that passed validation, which only the
    // wsnotify protocol defines.
    if (latest().mode !== 'generic') {
      deliveryTracker(created);
      detach.push(
        created.onChat((chat) => {
          incoming.push(chat);
          schedule();
          callHandler(latest().onChat, chat);
        }),
        created.onNotification((notification) => callHandler(latest().onNotify, notification.message, notification)),
      );
    }
    for (const { send } of early.splice(0)) send(created);
    update({ client: created });
    created.connect();
  }

  function start() {
    loading = true;
    const options = clientOptions();
    persisting = Boolean(options.persist);
    createClient(options).then(
      (created) => {
        loading = false;
        if (holders > 0) {
          attach(created);
          return;
        }
        // Released while loading: what was sent meanwhile gets its answer.
        for (const { send } of early.splice(0)) send(created);
        release(created);
      },
      (error) => {
        loading = false;
        update({ state: 'closed', readyState: 3 });
        reportError(error);
        // What was sent meanwhile, each with the id it was given, has no
        // client to go through.
        for (const { id } of early.splice(0)) {
          const failed = errorWithCode(error?.code ?? 'load_failed', `message ${id} was not sent: the client could not be created`);
          failed.id = id;
          reportError(failed);
        }
      },
    );
  }

  /**
   * Frees a client no component holds any more (unmounted, or replaced by a
   * restart). What it still holds is never sent by it: unless its store
   * keeps it for the next client (`persist`), each message is reported as
   * failed first (`closed`, with its id, to onError and useDeliveryStatus)
   * rather than dropped without a word.
   */
  function release(ending) {
    if (!persisting) {
      const unsubscribe = ending.onError(reportError);
      ending.close();
      unsubscribe();
    }
    ending.free();
  }

  function shutdown() {
    closeTimer = null;
    if (holders > 0 || !client) return;
    for (const unsubscribe of detach) unsubscribe();
    detach = [];
    release(client);
    client = null;
    next = { ...IDLE, messages: next.messages };
    publishNow();
  }

  let earlyIds = 0;
  const earlyPrefix = Math.random().toString(36).slice(2, 10);

  /**
   * Sends through the client with `send(client, id)`; a refused send is
   * reported to onError (with the message id), never thrown into render
   * code. Before the client has loaded, the send is held (bounded like the
   * client's outbox) and gets its id at once, so it behaves as one made
   * after: the same id returned, the same errors reported.
   */
  function guarded(send) {
    const attempt = (target, id) => {
      try {
        return send(target, id);
      } catch (error) {
        if (id !== undefined) error.id ??= id;
        reportError(error);
        return undefined;
      }
    };
    if (client) return attempt(client, undefined);
    const limit = latest().outbox?.maxFrames ?? MAX_EARLY_SENDS;
    if (early.length >= limit) {
      reportError(errorWithCode('outbox_full', `the outbox is full (${early.length} frames queued before the client loaded)`));
      return undefined;
    }
    earlyIds += 1;
    const id = `${earlyPrefix}-early-${earlyIds}`;
    early.push({ id, send: (target) => attempt(target, id) });
    return id;
  }

  return {
    acquire() {
      holders += 1;
      if (closeTimer !== null) {
        clearTimeout(closeTimer);
        closeTimer = null;
      }
      if (!client && !loading) start();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holders -= 1;
        if (holders === 0) closeTimer = setTimeout(shutdown, 0);
      };
    },
    subscribe(notify) {
      subscribers.add(notify);
      return () => subscribers.delete(notify);
    },
    getSnapshot: () => published,
    getServerSnapshot: () => IDLE,
    sendMessage: (toUserId, message) => guarded((c, id) => c.sendChat(toUserId ?? null, message, id)),
    sendJsonMessage: (value) => guarded((c, id) => c.sendJson(value, id)),
    sendText: (text) => guarded((c, id) => c.sendText(text, id)),
  };
}

/**
 * The connection for `userId` and `options`: a new one when the restart key
 * changes (see `restartKey`), the same one otherwise, with `options` read
 * live. A connection holds nothing (no client, no socket) until a component
 * acquires it in an effect.
 */
function useConnectionFor(userId, options) {
  const latest = useRef(options);
  useBeforeEffects(() => {
    latest.current = options;
  });
  const key = restartKey(userId, options);
  const [held, setHeld] = useState(() => ({ key, connection: createConnection(userId, () => latest.current) }));
  if (held.key === key) return held.connection;
  // A restart: React's pattern for state derived from props, set during render.
  const next = { key, connection: createConnection(userId, () => latest.current) };
  setHeld(next);
  return next.connection;
}

function useHeld(connection) {
  useEffect(() => connection.acquire(), [connection]);
  const snapshot = useSyncExternalStore(connection.subscribe, connection.getSnapshot, connection.getServerSnapshot);
  return useMemo(() => ({
    sendMessage: connection.sendMessage,
    sendJsonMessage: connection.sendJsonMessage,
    lastMessage: snapshot.lastMessage,
    readyState: snapshot.readyState,
    state: snapshot.state,
    attempt: snapshot.attempt,
    client: snapshot.client,
  }), [connection, snapshot]);
}

/**
 * Connects as `userId` while the component is mounted. Returns
 * `{ sendMessage, sendJsonMessage, lastMessage, readyState, state, attempt, client }`.
 */
export function useNotification(userId, options) {
  return useHeld(useConnectionFor(userId, options));
}

const ConnectionContext = createContext(null);

/** Shares one connection between the components below that call `useNotificationClient()`. */
export function NotificationProvider({ userId, children, ...options }) {
  const connection = useConnectionFor(userId, options);
  return createElement(ConnectionContext.Provider, { value: connection }, children);
}

function useProvided(hook) {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error(`${hook}() must be called below a <NotificationProvider>`);
  return connection;
}

/** The provider's connection, held while this component is mounted. */
export function useNotificationClient() {
  return useHeld(useProvided('useNotificationClient'));
}

const everything = (messages) => messages;

/**
 * The provider's chat messages (oldest first), through `selector`. Renders
 * once per frame however many messages arrive.
 */
export function useNotificationMessages(selector = everything) {
  const connection = useProvided('useNotificationMessages');
  useEffect(() => connection.acquire(), [connection]);
  const cache = useRef({ messages: null, selector: null, selected: undefined });
  const select = () => {
    const { messages } = connection.getSnapshot();
    const memo = cache.current;
    if (memo.messages !== messages || memo.selector !== selector) {
      cache.current = { messages, selector, selected: selector(messages) };
    }
    return cache.current.selected;
  };
  return useSyncExternalStore(connection.subscribe, select, select);
}

/**
 * A reliable WebSocket to any server while the component is mounted (the
 * client in generic mode): it sends nothing of its own, queues what is sent
 * while the connection is down and reconnects by itself. The options restart
 * the connection as `useNotification`'s do (see `restartKey`): a string
 * `url` and those the client takes at creation; the rest apply live. Returns the
 * shape of react-use-websocket: `{ sendMessage(text), sendJsonMessage(value),
 * lastMessage: { data, format, kind } | null, lastJsonMessage, readyState,
 * state, attempt, client }`.
 */
export function useWebSocket(url, options = {}) {
  const connection = useConnectionFor(undefined, { ...options, url, mode: 'generic' });
  useEffect(() => connection.acquire(), [connection]);
  const snapshot = useSyncExternalStore(connection.subscribe, connection.getSnapshot, connection.getServerSnapshot);
  const { lastMessage, lastInfo } = snapshot;
  return useMemo(() => ({
    sendMessage: connection.sendText,
    sendJsonMessage: connection.sendJsonMessage,
    lastMessage: lastInfo,
    lastJsonMessage: lastInfo?.format === 'json' ? lastMessage : null,
    readyState: snapshot.readyState,
    state: snapshot.state,
    attempt: snapshot.attempt,
    client: snapshot.client,
  }), [connection, snapshot]);
}
