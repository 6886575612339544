/// <reference lib="esnext.disposable" />
import type {
  ClientOptions,
  ChatMessage,
  CloseInfo,
  ConnectionState,
  DeliveryState,
  GiveUpEvent,
  InboundMessage,
  InitInput,
  MessageInfo,
  NotificationMessage,
  ServerMessage,
  StateChangeEvent,
  WsNotifyError,
} from './wsnotify.js';

export type {
  AckMessage,
  ChatMessage,
  ClientOptions,
  CloseInfo,
  CommonOptions,
  ConnectionState,
  DeliveryState,
  ErrorCode,
  GenericOptions,
  GiveUpEvent,
  HeartbeatOptions,
  HelloFrame,
  InboundMessage,
  InitInput,
  JsonValue,
  MessageInfo,
  NotificationMessage,
  OutboxOptions,
  PongMessage,
  ReconnectMessage,
  ReconnectOptions,
  ResumedMessage,
  ServerErrorMessage,
  ServerMessage,
  StateChangeEvent,
  StringProvider,
  UnknownMessage,
  WsnotifyOptions,
  WsNotifyError,
} from './wsnotify.js';

/** Removes the callback it was returned for; calling it again does nothing. */
export type Unsubscribe = () => void;

/** Loads the WebAssembly module once; later calls return the same promise. Rejects with code `load_failed`. */
export function init(source?: InitInput | Promise<InitInput>): Promise<void>;
/** Whether `init()` has completed. */
export function isReady(): boolean;
/** Loads the module if needed, then creates a client (idle until `connect()`). */
export function createClient(options: ClientOptions): Promise<Client>;

/** A WebSocket client that reconnects by itself and queues sends while down. */
export class Client {
  /** Throws `not_initialized` before `init()` resolved, `invalid_options` for bad options. */
  constructor(options: ClientOptions);
  connect(): void;
  close(code?: number, reason?: string): void;
  reconnect(): void;
  /** Returns the message id; `null` sends to everyone. Throws `unsupported` in generic mode. */
  sendChat(toUserId: string | null, message: string): string;
  sendJson(value: Record<string, unknown>): string;
  sendText(text: string): string;
  readonly readyState: number;
  readonly state: ConnectionState;
  readonly attempt: number;
  /** Frames waiting for the connection (or, with at-least-once delivery, for their ack). */
  readonly queued: number;
  /** "unconfirmed": at-least-once was asked for but the server sends no acks. */
  readonly delivery: DeliveryState;
  onOpen(callback: () => void): Unsubscribe;
  onClose(callback: (close: CloseInfo) => void): Unsubscribe;
  onError(callback: (error: WsNotifyError) => void): Unsubscribe;
  /** Valid chats only (wsnotify mode; throws `unsupported` in generic mode). */
  onChat(callback: (chat: ChatMessage) => void): Unsubscribe;
  /** Valid notifications only (wsnotify mode; throws `unsupported` in generic mode). */
  onNotification(callback: (notification: NotificationMessage) => void): Unsubscribe;
  /** Every frame: JSON as parsed, other text as the string, binary as it came. */
  onMessage(callback: (message: InboundMessage, info: MessageInfo) => void): Unsubscribe;
  /** JSON frames whose kind (the `kindField`, default `type`) is `kind`. */
  on(kind: string, callback: (message: ServerMessage) => void): Unsubscribe;
  onStateChange(callback: (change: StateChangeEvent) => void): Unsubscribe;
  onGiveUp(callback: (event: GiveUpEvent) => void): Unsubscribe;
  /** Closes the socket and frees every listener and timer. */
  free(): void;
  [Symbol.dispose](): void;
}
