/// <reference lib="esnext.disposable" />
import type { Client, ClientOptions, ConnectionState, InboundMessage, ServerMessage, StateChangeEvent } from './index.js';
import type { NotificationOptions, NotificationHandle, WebSocketOptions, WebSocketHandle } from './react.js';

/** A frame as the kit shows it: a JSON object or array parsed, other text a string, binary an ArrayBuffer (or Blob). */
export type TestFrame = any;

/** What a test passes to pick frames: a kind (`type`), an object of field values, or a predicate. */
export type FrameMatch = string | Record<string, unknown> | ((frame: TestFrame) => boolean);

/** What a server sends: a string (text frame), an ArrayBuffer/typed array/Blob (binary frame), anything else as JSON. */
export type OutgoingFrame = string | ArrayBuffer | ArrayBufferView | Blob | Record<string, unknown> | unknown[];

export interface WaitOptions {
  /** Real-time ms before the wait fails; default `DEFAULT_TIMEOUT_MS` (2000). */
  timeoutMs?: number;
}

export interface ScriptedServerOptions {
  /** The URLs this server answers (default: every URL); sockets to other URLs are refused. */
  url?: string | RegExp | ((url: string) => boolean);
  /** Default true; false: each connection waits for `accept()` or `refuse()`. */
  autoAccept?: boolean;
  /** Delay of the handshake and of every frame both ways, through `setTimeout` (fake timers drive it). */
  latencyMs?: number;
  /** "wsnotify": answer `init`, `chat` and `ping` as the reference server does. */
  dialect?: 'wsnotify' | null;
  /** Dialect: answer pings with pongs (default true). */
  answerPings?: boolean;
  /** Dialect: ack chats that carry an id (default true). */
  sendAcks?: boolean;
  /** Dialect: check `init`'s token; false refuses with 4401, an object with its own code and reason. */
  verifyToken?: (token: string | undefined, userId: string) => boolean | { code?: number; reason?: string };
}

export interface ServerCloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Who started the close. */
  by: 'client' | 'server';
}

export type DropRule = (
  frame: TestFrame,
  context: { direction: 'toServer' | 'toClient'; connection: ServerConnection },
) => boolean;

export type DelayRule = (
  frame: TestFrame,
  context: { direction: 'toServer' | 'toClient'; connection: ServerConnection },
) => number | undefined | null | false;

/** Creates a scripted server and starts listening: `globalThis.WebSocket` is the fake until `stop()`. */
export function createScriptedServer(options?: ScriptedServerOptions): ScriptedServer;

/** A server the client talks to without a network. */
export class ScriptedServer {
  constructor(options?: ScriptedServerOptions);
  /** Every connection ever made, oldest first. */
  readonly connections: ServerConnection[];
  /** The connections open now. */
  readonly openConnections: ServerConnection[];
  /** Every frame received on any connection, in order. */
  readonly received: TestFrame[];
  /** Whether the server is in an outage (`goDown()`). */
  readonly isDown: boolean;
  answerPings: boolean;
  sendAcks: boolean;
  verifyToken?: ScriptedServerOptions['verifyToken'];
  /** Routes new sockets to this server (the constructor does it). */
  listen(): this;
  /** Refuses pending connections, leaves open ones silent (half-open), stops routing, and puts the real `WebSocket` back when no server listens. */
  stop(): void;
  [Symbol.dispose](): void;
  /** Whether this server answers `url`. */
  matches(url: string): boolean;
  /** The next connection not yet returned by this method. */
  nextConnection(options?: WaitOptions): Promise<ServerConnection>;
  /** The next unread frame the client sent that matches; it is then read. */
  nextMessage(match?: FrameMatch, options?: WaitOptions & { connection?: ServerConnection }): Promise<TestFrame>;
  /** Resolves once exactly `count` connections are open. */
  waitForOpenConnections(count?: number, options?: WaitOptions): Promise<true>;
  /** Sends to every open connection. */
  send(frame: OutgoingFrame): void;
  /** Closes every open connection with `code` (default 1000) and `reason`. */
  closeAll(code?: number, reason?: string): void;
  /** Cuts every open connection: the client sees 1006. */
  dropAll(): void;
  /** Every open connection goes half-open: nothing passes, nothing closes. */
  halfOpen(): void;
  /** Every open connection stops reading (see `ServerConnection.stopReading`). */
  stopReading(): void;
  /** Every connection reads again what it had not read. */
  resumeReading(): void;
  /** An outage: open connections cut (or closed with `code`), new ones refused until `goUp()`. */
  goDown(options?: { code?: number }): void;
  goUp(): void;
  /** Refuses the next `count` connections (default 1). */
  refuseNext(count?: number): void;
  /** Delays the handshake and every frame by `ms`. */
  setLatency(ms: number): void;
  /** Delays the frames `rule` returns ms for (frames stay in order); returns the function that removes the rule. */
  delayFrames(rule: DelayRule): () => void;
  /** The delay of the handshake and of every frame, ms. */
  readonly latencyMs: number;
  /** Drops the frames `rule` returns true for; returns the function that removes the rule. */
  dropFrames(rule: DropRule): () => void;
  /** Dialect: delivers a chat (numbered, kept for replay) to `toUserId` or to every user online; returns the frames sent by user id. */
  deliverChat(chat: { fromUserId: string; toUserId?: string | null; message: string; id?: string; timestamp?: string }): Record<string, ServerMessage>;
  /** Dialect: a notification to every user online. */
  notify(message: string): void;
  /** Sends `{ type: "reconnect", afterMs }` to every open connection. */
  requestReconnect(afterMs?: number): void;
}

/** The server's end of one fake socket. */
export class ServerConnection {
  private constructor();
  readonly url: string;
  readonly protocols: string[];
  /** `Date.now()` when the client created the socket (fake time under fake timers). */
  readonly createdAt: number;
  readonly state: 'connecting' | 'open' | 'closing' | 'closed';
  /** Frames the client sent on this connection. */
  readonly received: TestFrame[];
  /** Frames the client sent while the link was half-open. */
  readonly lost: TestFrame[];
  readonly closeInfo: ServerCloseInfo | null;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<ServerCloseInfo>;
  readonly isHalfOpen: boolean;
  /** Dialect: the user id of the connection's `init`. */
  userId: string | undefined;
  accept(options?: { protocol?: string }): void;
  /** The client sees `error`, then `close` 1006, never `open`. */
  refuse(): void;
  /** Returns false when the frame was lost (not open, half-open, or dropped by a rule). */
  send(frame: OutgoingFrame): boolean;
  sendJson(value: unknown): boolean;
  sendBinary(bytes: ArrayBuffer | ArrayBufferView | Blob): boolean;
  /** Any code a server may send (1000-4999 but 1004, 1005, 1006, 1015). */
  close(code?: number, reason?: string): void;
  /** Cuts the link: 1006, not clean. */
  drop(): void;
  halfOpen(): void;
  /** The server reads nothing more until `resumeReading()`: what the client sends (its close included) waits in its socket, whose `bufferedAmount` grows. */
  stopReading(): void;
  /** Reads, in order, what the client sent meanwhile; `bufferedAmount` is 0 again. */
  resumeReading(): void;
  readonly isReading: boolean;
  nextMessage(match?: FrameMatch, options?: WaitOptions): Promise<TestFrame>;
}

/** The fake `WebSocket` class installed on `globalThis` while a scripted server listens. */
export const FakeWebSocket: {
  new (url: string | URL, protocols?: string | string[]): WebSocket;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
};

/** Validates a client frame as the reference server does. */
export function parseClientFrame(text: string): { frame: Record<string, unknown>; error?: undefined } | { frame?: undefined; error: string };
/** A received frame as the kit shows it. */
export function decodeFrame(data: string | ArrayBuffer | Blob): TestFrame;

/** Loads the WebAssembly module: from the package's file in Node, with `init()` in a browser. */
export function loadForTests(): Promise<void>;
/** Resolves to the state once `client.state` is `state` (or one of them). */
export function waitForState(client: Client, state: ConnectionState | ConnectionState[], options?: WaitOptions): Promise<ConnectionState>;

/** A live array; `stop()` ends the collection. */
export type Collected<T> = T[] & { stop(): void };
/** Collects the frames the client receives from now on: of a kind, matching, or all. */
export function collectFrames(client: Client, match?: FrameMatch): Collected<InboundMessage>;
export interface RecordedState extends StateChangeEvent {
  /** `Date.now()` when it happened (fake time under fake timers). */
  at: number;
}
/** Records the client's state changes from now on. */
export function recordStates(client: Client): Collected<RecordedState>;

/** `navigator.onLine` false, `offline` on window. */
export function goOffline(): void;
/** `navigator.onLine` true, `online` on window. */
export function goOnline(): void;
/** `document.visibilityState` "hidden", `visibilitychange`. */
export function hidePage(): void;
/** `document.visibilityState` "visible", `visibilitychange`. */
export function showPage(): void;
/** `pagehide` with `persisted: true`. */
export function enterBackForwardCache(): void;
/** `pageshow` with `persisted: true`. */
export function leaveBackForwardCache(): void;
/** Undoes the property overrides of the page helpers. */
export function restorePage(): void;

export interface RenderedHook<Result, Options> {
  result: { current: Result; renders: number };
  rerender(userIdOrUrl?: string, options?: Options): Promise<void>;
  act<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Real timers: polls `check(result.current)` inside `act()` every 10 ms until truthy. */
  waitFor<T>(check: (current: Result) => T, options?: WaitOptions): Promise<T>;
  unmount(): Promise<void>;
}
/** Renders `useNotification(userId, options)` inside `act()`. */
export function renderNotification(
  userId: string,
  options?: NotificationOptions,
  render?: { hook?: 'useNotification'; strict?: boolean },
): Promise<RenderedHook<NotificationHandle, NotificationOptions>>;
/** Renders `useWebSocket(url, options)` inside `act()`. */
export function renderNotification(
  url: string,
  options: WebSocketOptions | undefined,
  render: { hook: 'useWebSocket'; strict?: boolean },
): Promise<RenderedHook<WebSocketHandle, WebSocketOptions>>;

/** The default timeout of the kit's waits, ms of real time. */
export const DEFAULT_TIMEOUT_MS: number;

export type { ClientOptions };
