//! TypeScript declarations of the options, messages, events and error codes,
//! and the typed parameters that use them in the generated `.d.ts`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The connection state; `readyState` maps it to 0-3. */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closing" | "closed";

/** Reconnection with exponential backoff and jitter. */
export interface ReconnectOptions {
  /** Delay before the first retry, ms. Default 500. */
  baseDelayMs?: number;
  /** Growth per retry. Default 2. */
  factor?: number;
  /** Longest delay, jitter included, ms. Default 10000. */
  maxDelayMs?: number;
  /** Random spread, 0-1 (0.5 = ±50 %). Default 0.5. */
  jitter?: number;
  /** Uptime after which the backoff starts over, ms. Default 5000. */
  stableAfterMs?: number;
  /** Retries before giving up (`onGiveUp`). Default: never give up. */
  maxRetries?: number;
}

/**
 * Heartbeat: a ping while open; silence after it means a dead connection.
 * Any frame received counts as life. A server that has never answered a
 * ping is not judged by its silence: the first timeout reports
 * `heartbeat_unsupported` once and pinging stops.
 */
export interface HeartbeatOptions {
  /** Between pings, ms. Default 25000. */
  intervalMs?: number;
  /** Silence after a ping before the socket is closed as dead, ms. Default 10000. */
  timeoutMs?: number;
  /** The ping frame: a string as it is, anything else as JSON. Default `{"type":"ping"}`. */
  ping?: string | Record<string, unknown>;
  /** The answer: a frame whose kind (`kindField`) is this, or a text frame equal to it. Default "pong". */
  pong?: string;
}

/** Bounds of the queue of frames sent while not open. */
export interface OutboxOptions {
  /** Default 1000. */
  maxFrames?: number;
  /** Default 1048576 (1 MiB). */
  maxBytes?: number;
}

/** A string, or a function of the attempt number returning one (or a promise of one). */
export type StringProvider = string | ((attempt: number) => string | Promise<string>);

/** A frame to send first: a string as it is, anything else as JSON; `false` for none. */
export type HelloFrame = string | Record<string, unknown> | false;

/** The options of both modes. */
export interface CommonOptions {
  /**
   * The WebSocket URL; or a list, tried in turn (an attempt that fails before
   * opening, or a server's request to reconnect, moves on to the next); or a
   * provider called before each attempt.
   */
  url: StringProvider | string[];
  /**
   * Sent in `init` (never in the URL), or a provider called before each
   * attempt, which may produce `undefined` or `null` for no token.
   */
  token?: string | ((attempt: number) => string | null | undefined | Promise<string | null | undefined>);
  /** The field that names a JSON frame's kind, for `on(kind)` and the heartbeat's answer. Default "type". */
  kindField?: string;
  /** How binary frames reach `onMessage`. Default "arraybuffer". */
  binaryType?: "arraybuffer" | "blob";
  /** `false` turns reconnection off. Default on, with the defaults above. */
  reconnect?: boolean | ReconnectOptions;
  /** `true` or settings turn the heartbeat on. Default off. */
  heartbeat?: boolean | HeartbeatOptions;
  outbox?: OutboxOptions;
  /** How long an attempt may take to open (and a socket the server is closing, to report its close), ms. Default 5000. */
  connectTimeout?: number;
  /** Largest frame received or sent, bytes. Default 65536. */
  maxFrameBytes?: number;
  /** The most bytes the open socket may hold unsent (its `bufferedAmount`, plus what was sent inside a callback and is not yet written): a send that awaits no ack that would pass it throws `outbox_full`, unless the socket holds nothing. Default 16777216 (16 MiB). */
  maxBufferedBytes?: number;
  /** Overrides the close-code policy: return `true` to reconnect after `close`. */
  shouldReconnect?: (close: CloseInfo) => boolean;
  /**
   * One connection for all the tabs of this origin with the same channel
   * name, mode, URL, user and delivery: `true`, or a channel name to scope
   * it. One tab (the leader) holds the socket; the others get its frames and
   * send through it. In a worker, or without BroadcastChannel, each client
   * has its own socket (`sharing` reads "off"); without Web Locks the tabs
   * still share, electing the leader by heartbeats. Default off.
   */
  shareAcrossTabs?: boolean | string;
  /** Where the first `init` resumes from, as if frames up to `lastSeq` had been received. Default none. */
  resume?: ResumeOptions;
}

/** A resume position: the highest `seq` the application has, and its `epoch`. */
export interface ResumeOptions {
  lastSeq: number;
  epoch?: string;
}

/** Whether this client shares one connection with other tabs, and its part in it. */
export type SharingRole = "leader" | "follower" | "off";

/** The wsnotify protocol (the default mode): `init` first, typed frames, acks, resume. */
export interface WsnotifyOptions extends CommonOptions {
  mode?: "wsnotify";
  /** Sent in `init`; 1-64 characters. */
  userId: string;
  /**
   * "at-least-once": a chat stays queued until the server's `ack` and is sent
   * again after a reconnect (the receiver drops duplicates). Default "at-most-once".
   */
  delivery?: "at-most-once" | "at-least-once";
  /** With at-least-once: no ack at all within this many ms means the server sends none. Default 10000. */
  ackTimeout?: number;
  /** Only in generic mode: this mode sends `init` first. */
  hello?: never;
  /**
   * Unacknowledged chats and the resume position survive a reload, in
   * IndexedDB (read by `createClient`, which `new Client` cannot wait for):
   * `true`, a store name, or settings. Default off.
   */
  persist?: boolean | string | PersistOptions;
}

/** A reliable WebSocket for any server: the client sends no frame of its own. */
export interface GenericOptions extends CommonOptions {
  mode: "generic";
  /** Not sent; accepted for symmetry with the wsnotify mode. */
  userId?: string;
  /** The first frame of every connection, or a provider of it called before each attempt. Default none. */
  hello?: HelloFrame | ((attempt: number) => HelloFrame | Promise<HelloFrame>);
  delivery?: "at-most-once";
  /** Only in the wsnotify mode, whose chats and resume position it keeps. */
  persist?: false;
}

export type ClientOptions = WsnotifyOptions | GenericOptions;

/** "unconfirmed": at-least-once was asked for, but the server sends no acks. */
export type DeliveryState = "at-most-once" | "at-least-once" | "unconfirmed";

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface ChatMessage {
  type: "chat";
  fromUserId: string;
  toUserId?: string;
  message: string;
  /** ISO-8601, stamped by the server. */
  timestamp: string;
  id?: string;
  seq?: number;
  /** The numbering `seq` belongs to; a new epoch restarts the sequence. */
  epoch?: string;
}

export interface NotificationMessage {
  type: "notification";
  message: string;
  /** Users connected, when the server says. */
  online?: number;
}

export interface AckMessage { type: "ack"; id: string; }
export interface PongMessage { type: "pong"; }
export interface ServerErrorMessage { type: "error"; code: string; message: string; id?: string; }
export interface ResumedMessage { type: "resumed"; recovered: boolean; epoch?: string; }
/** A draining server asks the client to reconnect within `afterMs` (the client picks a random moment). */
export interface ReconnectMessage { type: "reconnect"; afterMs?: number; }
/** A frame of a type this version does not know, as parsed. */
export interface UnknownMessage { type: string; [field: string]: unknown; }
/** Any JSON value, as `JSON.parse` gives it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** What `onMessage` receives: JSON as parsed, other text as the string, binary as it came. */
export type InboundMessage = ServerMessage | JsonValue | ArrayBuffer | Blob;
/** How a frame came: its format, for a JSON object its kind (the `kindField`), and the frame as received. */
export interface MessageInfo {
  format: "json" | "text" | "binary";
  kind?: string;
  /** The frame as the socket gave it (the text, or the binary data), like `MessageEvent.data`. */
  data: string | ArrayBuffer | Blob;
}

export type ServerMessage =
  | ChatMessage | NotificationMessage | AckMessage | PongMessage
  | ServerErrorMessage | ResumedMessage | ReconnectMessage | UnknownMessage;

export interface StateChangeEvent {
  state: ConnectionState;
  /** 0 on a first connect, n for the n-th retry. */
  attempt: number;
  /** While reconnecting: ms until the next attempt (absent: paused offline). */
  nextDelayMs?: number;
  lastClose?: CloseInfo;
}

export interface GiveUpEvent { retries: number; }

/**
 * Where a chat stands: "queued" (accepted), "sent" (written to an open
 * socket; resends after a reconnect are not reported again), "acked" (the
 * server has it; at-least-once delivery), "failed" (with `code`; `retry(id)`
 * queues it again).
 */
export type DeliveryStatus = "queued" | "sent" | "acked" | "failed";

/** One transition of one chat's delivery, by the id `sendChat` returned. */
export interface DeliveryEvent {
  id: string;
  status: DeliveryStatus;
  /** With "failed": why, e.g. "closed" or the server's "recipient_offline". */
  code?: ErrorCode;
}

/**
 * Keeps unacknowledged chats and the resume position in IndexedDB, per user,
 * URL and `name`, so that a reload loses neither (read by `createClient`).
 */
export interface PersistOptions {
  /** Scopes the store (e.g. per app). Default "" */
  name?: string;
  /** Messages kept; past it, the oldest is dropped from the store. Default: `outbox.maxFrames` (1000). */
  maxMessages?: number;
  /** Bytes of message text kept; past it, the oldest go first. Default: `outbox.maxBytes` (1048576). */
  maxBytes?: number;
  /** A stored message older than this is not restored, ms. Default 86400000 (24 h). */
  expiryMs?: number;
}

/** The stable `code` of every error the client throws or reports. */
export type ErrorCode =
  | "invalid_options" | "invalid_callback" | "invalid_argument" | "not_serializable" | "unsupported"
  | "not_initialized" | "load_failed" | "freed"
  | "outbox_full" | "frame_too_large" | "closed" | "invalid_recipient" | "invalid_id"
  | "invalid_close_code" | "close_reason_too_long"
  | "invalid_json" | "invalid_frame" | "binary_frame"
  | "connect_failed" | "connect_timeout" | "heartbeat_timeout" | "heartbeat_unsupported"
  | "open_failed" | "endpoint_failed"
  | "callback_failed" | "acks_unsupported"
  | "not_retryable" | "persistence_unavailable"
  /** Codes of the server's `error` frames, e.g. "recipient_offline". */
  | (string & {});

export interface WsNotifyError extends Error {
  code: ErrorCode;
  /** The message id the error is about, if any. */
  id?: string;
  /** `connect_failed`: the retry number of the failed attempt (0 for the first). */
  attempt?: number;
  /** `invalid_json`, `invalid_frame`, `binary_frame`, `frame_too_large`: the frame as received. */
  frame?: string | ArrayBuffer | Blob;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `ClientOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptions;
    /// `() => void`
    #[wasm_bindgen(typescript_type = "() => void")]
    pub type VoidCallback;
    /// `(close: CloseInfo) => void`
    #[wasm_bindgen(typescript_type = "(close: CloseInfo) => void")]
    pub type CloseCallback;
    /// `(error: WsNotifyError) => void`
    #[wasm_bindgen(typescript_type = "(error: WsNotifyError) => void")]
    pub type ErrorCallback;
    /// `(chat: ChatMessage) => void`
    #[wasm_bindgen(typescript_type = "(chat: ChatMessage) => void")]
    pub type ChatCallback;
    /// `(notification: NotificationMessage) => void`
    #[wasm_bindgen(typescript_type = "(notification: NotificationMessage) => void")]
    pub type NotificationCallback;
    /// `(message: InboundMessage, info: MessageInfo) => void`
    #[wasm_bindgen(typescript_type = "(message: InboundMessage, info: MessageInfo) => void")]
    pub type MessageCallback;
    /// `(message: ServerMessage) => void`
    #[wasm_bindgen(typescript_type = "(message: ServerMessage) => void")]
    pub type KindCallback;
    /// `(change: StateChangeEvent) => void`
    #[wasm_bindgen(typescript_type = "(change: StateChangeEvent) => void")]
    pub type StateChangeCallback;
    /// `(event: DeliveryEvent) => void`
    #[wasm_bindgen(typescript_type = "(event: DeliveryEvent) => void")]
    pub type DeliveryCallback;
    /// `(event: GiveUpEvent) => void`
    #[wasm_bindgen(typescript_type = "(event: GiveUpEvent) => void")]
    pub type GiveUpCallback;
}
