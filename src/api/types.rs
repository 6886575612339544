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

/** Heartbeat: `ping` while open; silence after it means a dead connection. */
export interface HeartbeatOptions {
  /** Between pings, ms. Default 25000. */
  intervalMs?: number;
  /** Silence after a ping before the socket is closed as dead, ms. Default 10000. */
  timeoutMs?: number;
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

export interface ClientOptions {
  /** The WebSocket URL, or a provider called before each attempt. */
  url: StringProvider;
  /** Sent in `init`; 1-64 characters. */
  userId: string;
  /** Sent in `init` (never in the URL), or a provider called before each attempt. */
  token?: StringProvider;
  /** `false` turns reconnection off. Default on, with the defaults above. */
  reconnect?: boolean | ReconnectOptions;
  /** `true` or settings turn the heartbeat on. Default off. */
  heartbeat?: boolean | HeartbeatOptions;
  outbox?: OutboxOptions;
  /** How long an attempt may take to open, ms. Default 5000. */
  connectTimeout?: number;
  /** Largest frame received or sent, bytes. Default 65536. */
  maxFrameBytes?: number;
  /** Overrides the close-code policy: return `true` to reconnect after `close`. */
  shouldReconnect?: (close: CloseInfo) => boolean;
  /**
   * "at-least-once": a chat stays queued until the server's `ack` and is sent
   * again after a reconnect (the receiver drops duplicates). Default "at-most-once".
   */
  delivery?: "at-most-once" | "at-least-once";
  /** With at-least-once: no ack at all within this many ms means the server sends none. Default 10000. */
  ackTimeout?: number;
}

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
export interface ResumedMessage { type: "resumed"; recovered: boolean; }
/** A frame of a type this version does not know, as parsed. */
export interface UnknownMessage { type: string; [field: string]: unknown; }

export type ServerMessage =
  | ChatMessage | NotificationMessage | AckMessage | PongMessage
  | ServerErrorMessage | ResumedMessage | UnknownMessage;

export interface StateChangeEvent {
  state: ConnectionState;
  /** 0 on a first connect, n for the n-th retry. */
  attempt: number;
  /** While reconnecting: ms until the next attempt (absent: paused offline). */
  nextDelayMs?: number;
  lastClose?: CloseInfo;
}

export interface GiveUpEvent { retries: number; }

/** The stable `code` of every error the client throws or reports. */
export type ErrorCode =
  | "invalid_options" | "invalid_callback" | "not_serializable"
  | "outbox_full" | "frame_too_large" | "closed" | "invalid_recipient"
  | "invalid_close_code" | "close_reason_too_long"
  | "invalid_json" | "invalid_frame" | "binary_frame"
  | "connect_timeout" | "heartbeat_timeout" | "open_failed" | "endpoint_failed"
  | "callback_failed" | "acks_unsupported"
  /** Codes of the server's `error` frames, e.g. "recipient_offline". */
  | (string & {});

export interface WsNotifyError extends Error {
  code: ErrorCode;
  /** The message id the error is about, if any. */
  id?: string;
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
    /// `(message: ServerMessage) => void`
    #[wasm_bindgen(typescript_type = "(message: ServerMessage) => void")]
    pub type MessageCallback;
    /// `(change: StateChangeEvent) => void`
    #[wasm_bindgen(typescript_type = "(change: StateChangeEvent) => void")]
    pub type StateChangeCallback;
    /// `(event: GiveUpEvent) => void`
    #[wasm_bindgen(typescript_type = "(event: GiveUpEvent) => void")]
    pub type GiveUpCallback;
}
