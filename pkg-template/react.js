// React bindings: useNotification, NotificationProvider/useNotificationClient
// and useNotificationMessages for the wsnotify protocol, useWebSocket for any
// server. No JSX and no state at module scope.
import {
  createContext, createElement, useContext, useEffect, useMemo, useRef, useSyncExternalStore,
} from 'react';
import { createClient } from './index.js';

/** How many chat messages the store keeps for `useNotificationMessages`. */
export const DEFAULT_MAX_MESSAGES = 5000;
/** How many sends are held while the client is still loading. */
const MAX_EARLY_SENDS = 1000;

const HOOK_ONLY = new Set(['onNotify', 'onChat', 'onMessage', 'onError', 'onStateChange', 'onOpen', 'onClose', 'maxMessages']);

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
    // Providers and predicates are looked up at call time: the newest wins.
    if (typeof options.url === 'function') options.url = (attempt) => latest().url(attempt);
    if (typeof options.token === 'function') options.token = (attempt) => latest().token(attempt);
    if (typeof options.hello === 'function') options.hello = (attempt) => latest().hello(attempt);
    if (typeof options.shouldReconnect === 'function') options.shouldReconnect = (close) => latest().shouldReconnect(close);
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
      detach.push(
        created.onChat((chat) => {
          incoming.push(chat);
          schedule();
          callHandler(latest().onChat, chat);
        }),
        created.onNotification((notification) => callHandler(latest().onNotify, notification.message, notification)),
      );
    }
    for (const send of early.splice(0)) send();
    update({ client: created });
    created.connect();
  }

  function start() {
    loading = true;
    createClient(clientOptions()).then(
      (created) => {
        loading = false;
        if (holders === 0) created.free();
        else attach(created);
      },
      (error) => {
        loading = false;
        update({ state: 'closed', readyState: 3 });
        reportError(error);
      },
    );
  }

  function shutdown() {
    closeTimer = null;
    if (holders > 0 || !client) return;
    for (const unsubscribe of detach) unsubscribe();
    detach = [];
    client.free();
    client = null;
    early.length = 0;
    next = { ...IDLE, messages: next.messages };
    publishNow();
  }

  /** Runs `send` on the client now, or once it exists. */
  function whenReady(send) {
    if (client) return send();
    if (early.length >= MAX_EARLY_SENDS) {
      reportError(errorWithCode('outbox_full', 'too many messages sent before the client loaded'));
      return undefined;
    }
    early.push(send);
    return undefined;
  }

  /** Sends through the client; a refused send is reported to onError, never thrown into render code. */
  function guarded(send) {
    return whenReady(() => {
      try {
        return send(client);
      } catch (error) {
        reportError(error);
        return undefined;
      }
    });
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
    sendMessage: (toUserId, message) => guarded((c) => c.sendChat(toUserId ?? null, message)),
    sendJsonMessage: (value) => guarded((c) => c.sendJson(value)),
    sendText: (text) => guarded((c) => c.sendText(text)),
  };
}

/** One connection per user and URL; other option changes apply without reconnecting. */
function useConnectionFor(userId, options) {
  const latest = useRef(options);
  latest.current = options;
  const urlKey = typeof options.url === 'function' ? '(provider)' : String(options.url);
  return useMemo(() => createConnection(userId, () => latest.current), [userId, urlKey]);
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
 * while the connection is down and reconnects by itself. Changing `url` (a
 * string) reconnects; other options apply without reconnecting. Returns the
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
