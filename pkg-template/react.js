// React bindings: useNotification, NotificationProvider/useNotificationClient
// and useNotificationMessages for the wsnotify protocol, useWebSocket for any
// server. No JSX and no state at module scope. The directive marks them
// client components, so that a React Server Component can render them.
'use client';

import {
  createContext, createElement, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState,
  useSyncExternalStore,
} from 'react';
import { RELEASE } from './hidden.js';
import { Client, createClient, init } from './index.js';

/** How many chat messages the store keeps for `useNotificationMessages`. */
export const DEFAULT_MAX_MESSAGES = 5000;
/**
 * The client's default outbox bounds (its README's option table), which
 * also bound what is held while the client is still loading.
 */
const OUTBOX_DEFAULTS = { maxFrames: 1000, maxBytes: 1048576 };

/** The hooks' own options: never passed to the client, always read live. */
const HOOK_ONLY = new Set(['onNotify', 'onChat', 'onMessage', 'onError', 'onStateChange', 'onOpen', 'onClose', 'maxMessages']);
/**
 * Client options that apply live, read at each use: the token, the hello
 * and the predicate (and a url given as a function). Changing any other
 * client option restarts the connection.
 */
const LIVE = new Set(['token', 'hello', 'shouldReconnect']);

/**
 * The live option the client always gets as a provider, given or not, so
 * that giving, changing or removing it never restarts the connection: what
 * the mode's first frame carries (the token of `init`, the generic mode's
 * hello). A provider that produces nothing leaves it out. The other mode's
 * counts by presence (the wsnotify mode refuses a hello; the generic mode
 * sends no `init`, so a token does nothing there), and so does
 * `shouldReconnect`: with a predicate the client waits for its answer on
 * every close.
 */
function alwaysLive(mode) {
  return mode === 'generic' ? 'hello' : 'token';
}

/**
 * `value` with the keys of its objects in one order, so that the order an
 * inline object is written in is no change (a cycle, which no option has,
 * ends in a marker rather than a stack overflow).
 */
function canonical(value, seen = new Set()) {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '(cycle)';
  seen.add(value);
  const copy = Array.isArray(value)
    ? value.map((item) => canonical(item, seen))
    : Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key], seen)]));
  seen.delete(value);
  return copy;
}

/**
 * What identifies a connection: the user and every client option that the
 * client takes only when it is created, compared by value. Functions count
 * as such and the other live options by presence only (the mode's always-
 * live one not at all), so inline callbacks and providers never reconnect.
 */
function restartKey(userId, options) {
  const always = alwaysLive(options.mode);
  const fixed = { userId };
  for (const [key, value] of Object.entries(options)) {
    if (HOOK_ONLY.has(key) || key === always || value === undefined) continue;
    fixed[key] = LIVE.has(key) || typeof value === 'function' ? '(live)' : value;
  }
  return JSON.stringify(canonical(fixed));
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

/**
 * The last delivery status of chat `id` sent by `client`: `{ id, status,
 * code? }` (`status` "queued", "sent", "acked" or "failed"), or `undefined`
 * before the first. Renders again when it changes, for ticks.
 */
export function useDeliveryStatus(client, id) {
  // The tracker of a client the application created is registered when
  // React subscribes (after render), never during a render.
  const subscribe = useCallback((render) => deliveryTracker(client)?.subscribe(render) ?? (() => {}), [client]);
  const read = () => (client && typeof id === 'string' ? trackers.get(client)?.get(id) : undefined);
  return useSyncExternalStore(subscribe, read, () => undefined);
}

/** Runs after render and before effects in the browser; on the server, never (no warning). */
const useBeforeEffects = typeof document === 'undefined' ? () => {} : useLayoutEffect;

/**
 * After the WebAssembly module failed to load (`load_failed`: a network
 * error, most likely), the hooks try again while a component holds the
 * connection, after each of these waits in turn (less up to half, at
 * random, so that pages cut off together do not all come back at once),
 * then every last one.
 */
const LOAD_RETRY_MS = Object.freeze([1000, 2000, 4000, 8000, 16000, 30000]);

/** Why a send has nowhere to go once the connection has ended. */
const ENDED = Object.freeze({ code: 'closed', why: 'the connection has ended (unmounted, or restarted by an option)' });

const IDLE = Object.freeze({
  readyState: 3, state: 'idle', attempt: 0, lastMessage: null, lastInfo: null, messages: Object.freeze([]), client: null,
});

function errorWithCode(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/** What the application threw, in words; describing it never throws. */
function describe(thrown) {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return typeof thrown;
  }
}

/**
 * The hook's callbacks, read live from `latest()`. A callback that throws is
 * reported to `onError` as `callback_failed`, as the client reports its own
 * listeners, and delivery goes on; an error with no `onError` to go to, or
 * one that `onError` throws for, goes to the console: none is silent.
 */
function handlers(latest) {
  const call = (name, ...args) => {
    const handler = latest()[name];
    if (typeof handler !== 'function') return;
    try {
      handler(...args);
    } catch (thrown) {
      if (name === 'onError') {
        console.error('wsnotify: the onError callback threw', thrown);
        return;
      }
      const error = errorWithCode('callback_failed', `the ${name} callback threw: ${describe(thrown)}`);
      error.cause = thrown;
      report(error);
    }
  };
  const report = (error) => {
    if (typeof latest().onError === 'function') call('onError', error);
    else console.error('wsnotify:', error);
  };
  return { call, report };
}

/**
 * How long a notification may wait for an animation frame: a page hidden
 * after the frame was asked for runs none until it is shown again.
 */
const FRAME_WAIT_MS = 100;

/** Coalesces store notifications to one per frame, so a burst renders once. */
function frameScheduler(run) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    let frame = null;
    let timer = null;
    // The first of the frame and the timer runs; it cancels the other.
    const go = () => {
      if (frame !== null) cancelAnimationFrame(frame);
      clearTimeout(timer);
      pending = false;
      run();
    };
    const visible = typeof document !== 'undefined' && document.visibilityState === 'visible';
    const frames = visible && typeof requestAnimationFrame === 'function' && typeof cancelAnimationFrame === 'function';
    if (frames) frame = requestAnimationFrame(go);
    timer = setTimeout(go, frames ? FRAME_WAIT_MS : 16);
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
  /**
   * Why sends have nowhere to go until a component acquires the connection
   * again (`{ code, why }`): the client could not be created, or the
   * connection ended; `null` while it is new, loading or live.
   */
  let stopped = null;
  let holders = 0;
  let closeTimer = null;
  /** The next try after a failed load (see LOAD_RETRY_MS), and how many loads failed in a row. */
  let loadRetry = null;
  let loadFailures = 0;
  let detach = [];
  /** Sends made while the client loads, each with its id, and the characters of text they hold. */
  const early = [];
  let earlyChars = 0;
  const subscribers = new Set();
  let published = IDLE;
  let next = IDLE;
  let incoming = [];
  const { call, report } = handlers(latest);

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

  /** The client's options as the application gives them now. */
  function givenOptions() {
    const options = {};
    for (const [key, value] of Object.entries(latest())) {
      if (!HOOK_ONLY.has(key)) options[key] = value;
    }
    options.userId = userId;
    return options;
  }

  /** `options` (given), with the live ones replaced by what reads them at each use. */
  function withLiveOptions(options) {
    // Live options are looked up at each use: the newest value wins, a
    // rotated token included, and an absent one is absent at that use.
    const live = (key) => (argument) => {
      const value = latest()[key];
      return typeof value === 'function' ? value(argument) : value;
    };
    if (typeof options.url === 'function') options.url = live('url');
    const always = alwaysLive(options.mode);
    for (const key of LIVE) if (options[key] !== undefined || key === always) options[key] = live(key);
    return options;
  }

  /** A change of state: into the store, and to `onStateChange`. */
  function showState(change, readyState) {
    update({ state: change.state, attempt: change.attempt, readyState });
    call('onStateChange', change);
  }

  function attach(created) {
    client = created;
    detach = [
      created.onStateChange((change) => showState(change, created.readyState)),
      created.onOpen(() => call('onOpen')),
      created.onClose((close) => call('onClose', close)),
      created.onError(report),
      created.onMessage((message, info) => {
        next = { ...next, lastMessage: message, lastInfo: info };
        schedule();
        call('onMessage', message, info);
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
          call('onChat', chat);
        }),
        created.onNotification((notification) => call('onNotify', notification.message, notification)),
      );
    }
    flushEarly(created);
    update({ client: created });
    created.connect();
  }

  /** Takes what was sent while loading, in order, out of the held sends. */
  function takeEarly() {
    earlyChars = 0;
    return early.splice(0);
  }

  /** Hands what was sent while loading to `created`, in order. */
  function flushEarly(created) {
    for (const { send } of takeEarly()) send(created);
  }

  function start() {
    loading = true;
    stopped = null;
    let moduleLoaded = false;
    init().then(() => {
      moduleLoaded = true;
      // The options as given, checked by the module first: a live option
      // of a type the client refuses is `invalid_options` at once, as
      // without the hook, not a provider failing at every attempt.
      const given = givenOptions();
      new Client({ ...given, persist: false, shareAcrossTabs: false }).free();
      return createClient(withLiveOptions(given));
    }).then(
      (created) => {
        loading = false;
        loadFailures = 0;
        if (holders > 0) {
          attach(created);
          return;
        }
        // Released while loading: what was sent meanwhile gets its answer.
        flushEarly(created);
        release(created);
        end();
      },
      (error) => {
        loading = false;
        // Released while loading: no one waits for it any more.
        if (holders === 0) {
          end();
          return;
        }
        report(error);
        if (!moduleLoaded) {
          retryLoad();
        } else {
          // Options the client refuses, or a chunk (tab sharing,
          // persistence) that did not load, which the browser keeps failed
          // for the page's life: not tried again.
          update({ state: 'closed', readyState: 3 });
          stopSends({ code: error?.code ?? 'load_failed', why: 'the client could not be created' });
        }
      },
    );
  }

  /** The WebAssembly module did not load: tried again later, what is sent meanwhile stays held. */
  function retryLoad() {
    const wait = LOAD_RETRY_MS[Math.min(loadFailures, LOAD_RETRY_MS.length - 1)] * (1 - Math.random() / 2);
    loadFailures += 1;
    showState({ state: 'reconnecting', attempt: loadFailures, nextDelayMs: Math.round(wait) }, 0);
    loadRetry = setTimeout(() => {
      loadRetry = null;
      start();
    }, wait);
  }

  /**
   * Frees a client no component holds any more (unmounted, or replaced by a
   * restart). What it still holds is never sent by it: each message fails
   * first (`closed`, with its id, in useDeliveryStatus) rather than being
   * dropped without a word, and is reported to onError unless its store
   * keeps it for the next client (`persist`).
   */
  function release(ending) {
    try {
      ending[RELEASE](report);
    } catch {
      // The application freed it already: it holds nothing.
    }
    ending.free();
  }

  function shutdown() {
    closeTimer = null;
    // While loading, the load's answer ends it; after a failed load, nothing is left.
    if (holders > 0 || loading || !(client || loadRetry !== null)) return;
    if (client) {
      for (const unsubscribe of detach) unsubscribe();
      detach = [];
      release(client);
      client = null;
    }
    end();
  }

  /** No component holds the connection any more: sends have nowhere to go, and loads are no longer tried. */
  function end() {
    clearTimeout(loadRetry);
    loadRetry = null;
    loadFailures = 0;
    stopSends(ENDED);
    next = { ...IDLE, messages: next.messages };
    publishNow();
  }

  /** Sends have nowhere to go, for `reason`: each held one is refused as it says, with its id. */
  function stopSends(reason) {
    stopped = reason;
    for (const { refuse } of takeEarly()) refuse();
  }

  let sends = 0;
  const idPrefix = Math.random().toString(36).slice(2, 10);

  /**
   * Sends through the client with `send(client, id)` and returns the id at
   * once, whenever it is called: a send that cannot go is reported to
   * onError with that id, never thrown into render code. Before the client
   * has loaded, the send is held as `held()` makes it (`{ chars, send }`:
   * the characters of its text, of which a frame has at least as many
   * bytes, and how to send it then), within the outbox's bounds, and
   * handed to the client once it exists; after the connection ended, or
   * when the client could not be created, it is refused at once.
   */
  function guarded(send, held) {
    sends += 1;
    const id = `${idPrefix}-${sends}`;
    const refuse = (error) => {
      // The client throws its errors as `Error`s; a frozen one keeps no id.
      if (Object.isExtensible(error)) error.id ??= id;
      report(error);
    };
    const attempt = (target, sendNow = send) => {
      try {
        sendNow(target, id);
      } catch (error) {
        refuse(error);
      }
    };
    if (client) {
      attempt(client);
      return id;
    }
    const notSent = () => refuse(errorWithCode(stopped.code, `message ${id} was not sent: ${stopped.why}`));
    if (stopped) {
      notSent();
      return id;
    }
    const { chars, send: later } = held();
    if (early.length >= earlyBound('maxFrames') || earlyChars + chars > earlyBound('maxBytes')) {
      refuse(errorWithCode('outbox_full', `message ${id} was not sent: the outbox is full (${early.length} frames, ${earlyChars} characters held while the client loads)`));
      return id;
    }
    earlyChars += chars;
    early.push({ send: (target) => attempt(target, later), refuse: notSent });
    return id;
  }

  /**
   * The outbox bound `key` as given, or its default for a value the client
   * will refuse when it loads (the held sends are then refused with it).
   */
  function earlyBound(key) {
    try {
      const value = latest().outbox?.[key];
      return Number.isInteger(value) && value > 0 ? value : OUTBOX_DEFAULTS[key];
    } catch {
      return OUTBOX_DEFAULTS[key]; // a revoked proxy
    }
  }

  /** A send of `text` (or of a value that is not text, for the client to refuse), held as it is. */
  const heldText = (text, send) => () => ({ chars: typeof text === 'string' ? text.length : 0, send });

  /**
   * A JSON send, held as the JSON the value has now: later changes to the
   * value do not reach the frame, and its text counts. A value with no JSON
   * is held as it is, for the client to refuse with its own error.
   */
  const heldJson = (value, send) => () => {
    try {
      const text = JSON.stringify(value);
      if (typeof text === 'string') return { chars: text.length, send: (c, id) => c.sendJson(JSON.parse(text), id) };
    } catch {
      // The client reports it when it loads.
    }
    return { chars: 0, send };
  };

  return {
    acquire() {
      holders += 1;
      if (closeTimer !== null) {
        clearTimeout(closeTimer);
        closeTimer = null;
      }
      if (!client && !loading && loadRetry === null) start();
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
    sendMessage: (toUserId, message) => {
      const send = (c, id) => c.sendChat(toUserId ?? null, message, id);
      return guarded(send, heldText(message, send));
    },
    sendJsonMessage: (value) => {
      const send = (c, id) => c.sendJson(value, id);
      return guarded(send, heldJson(value, send));
    },
    sendText: (text) => {
      const send = (c, id) => c.sendText(text, id);
      return guarded(send, heldText(text, send));
    },
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
  // The selection is memoised inside the snapshot function (as React's
  // useSyncExternalStoreWithSelector does), not in a ref written during
  // render: a new list or a new selector selects again, and a selection
  // that did not change renders nothing.
  const select = useMemo(() => {
    let selectedFrom = null;
    let selected;
    return () => {
      const { messages } = connection.getSnapshot();
      if (messages !== selectedFrom) {
        selected = selector(messages);
        selectedFrom = messages;
      }
      return selected;
    };
  }, [connection, selector]);
  return useSyncExternalStore(connection.subscribe, select, select);
}

/**
 * A reliable WebSocket to any server while the component is mounted (the
 * client in generic mode): it sends nothing of its own, queues what is sent
 * while the connection is down and reconnects by itself. The options restart
 * the connection as `useNotification`'s do (see `restartKey`): a string or
 * list `url` and those the client takes at creation; the rest apply live. Returns the
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
