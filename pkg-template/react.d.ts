import type { ReactNode } from 'react';
import type {
  ChatMessage,
  Client,
  CloseInfo,
  GenericOptions,
  ConnectionState,
  DeliveryEvent,
  InboundMessage,
  JsonValue,
  MessageInfo,
  NotificationMessage,
  ServerMessage,
  StateChangeEvent,
  WsNotifyError,
  WsnotifyOptions,
} from './index.js';

/** Client options without `userId` (given separately), plus callbacks and the store size. */
export interface NotificationOptions extends Omit<WsnotifyOptions, 'userId'> {
  /** A notification arrived: its text, and the whole frame. */
  onNotify?: (message: string, frame: NotificationMessage) => void;
  onChat?: (chat: ChatMessage) => void;
  onMessage?: (message: InboundMessage, info: MessageInfo) => void;
  /** Errors of the connection and of sends; without it, they go to `console.error`. */
  onError?: (error: WsNotifyError) => void;
  onStateChange?: (change: StateChangeEvent) => void;
  onOpen?: () => void;
  onClose?: (close: CloseInfo) => void;
  /** Chat messages kept for `useNotificationMessages`. Default 5000. */
  maxMessages?: number;
}

export interface NotificationHandle {
  /**
   * Sends a chat (`null` = everyone); queued while not open, and held while
   * the client loads. Returns its id at once, always: a message that cannot
   * be sent is reported to `onError` with that id.
   */
  sendMessage(toUserId: string | null, message: string): string;
  /** Sends a value as JSON, as `sendMessage` does. */
  sendJsonMessage(value: Record<string, unknown>): string;
  /** The last frame received, of any type (JSON as parsed). */
  lastMessage: InboundMessage | null;
  /** 0 connecting or reconnecting, 1 open, 2 closing, 3 idle or closed. */
  readyState: number;
  state: ConnectionState;
  attempt: number;
  /** The client, once loaded. */
  client: Client | null;
}

export const DEFAULT_MAX_MESSAGES: number;

/**
 * Connects as `userId` while the component is mounted. `userId`, a string or
 * list `url`, `mode` and the options the client takes at creation restart the
 * connection when they change (by value, in any key order), and so does
 * giving or removing `shouldReconnect`; callbacks, `token` (given, changed
 * or removed), `shouldReconnect` while given and a `url` function apply
 * live.
 */
export function useNotification(userId: string, options: NotificationOptions): NotificationHandle;

export interface NotificationProviderProps extends NotificationOptions {
  userId: string;
  children?: ReactNode;
}

/** Shares one connection, opened while at least one component below holds it. */
export function NotificationProvider(props: NotificationProviderProps): ReactNode;
/** The provider's connection. */
export function useNotificationClient(): NotificationHandle;
/** The provider's chat messages, oldest first, through `selector` (default: all). */
export function useNotificationMessages(): readonly ChatMessage[];
export function useNotificationMessages<T>(selector: (messages: readonly ChatMessage[]) => T): T;

/** Options of `useWebSocket`: the client's (in generic mode), plus callbacks. */
export interface WebSocketOptions extends Omit<GenericOptions, 'url' | 'mode' | 'userId' | 'delivery'> {
  onMessage?: (message: InboundMessage, info: MessageInfo) => void;
  /** Errors of the connection and of sends; without it, they go to `console.error`. */
  onError?: (error: WsNotifyError) => void;
  onStateChange?: (change: StateChangeEvent) => void;
  onOpen?: () => void;
  onClose?: (close: CloseInfo) => void;
}

export interface WebSocketHandle<T = JsonValue> {
  /**
   * Sends text as one frame; queued while not open, and held while the
   * client loads. Returns its id at once, always: a frame that cannot be
   * sent is reported to `onError` with that id.
   */
  sendMessage(text: string): string;
  /** Sends a value as JSON, as `sendMessage` does. */
  sendJsonMessage(value: Record<string, unknown>): string;
  /** The last frame: `data` as received (text or binary), its format and kind. */
  lastMessage: MessageInfo | null;
  /** The last frame parsed, when it was JSON; `null` otherwise. */
  lastJsonMessage: T | null;
  /** 0 connecting or reconnecting, 1 open, 2 closing, 3 idle or closed. */
  readyState: number;
  state: ConnectionState;
  attempt: number;
  client: Client | null;
}

/**
 * A reliable WebSocket to any server while the component is mounted (generic
 * mode: nothing of the client's own is sent). As with `useNotification`, a
 * string or list `url` and the options the client takes at creation
 * (`reconnect`, `heartbeat`, `kindField`, …) restart the connection when they
 * change (by value, in any key order), and so does giving or removing
 * `shouldReconnect`; callbacks, `hello` (given, changed or removed),
 * `shouldReconnect` while given and a `url` function apply live.
 */
export function useWebSocket<T = JsonValue>(
  url: string | string[] | ((attempt: number) => string | Promise<string>),
  options?: WebSocketOptions,
): WebSocketHandle<T>;

/**
 * The last delivery status of chat `id` sent by `client` (`{ id, status,
 * code? }`, status "queued", "sent", "acked" or "failed"), or `undefined`
 * before the first; renders again when it changes, for ticks. The clients of
 * `useNotification` and `NotificationProvider` are tracked from their first
 * send; another client from when the first component using it has rendered.
 */
export function useDeliveryStatus(client: Client | null, id: string | null | undefined): DeliveryEvent | undefined;
