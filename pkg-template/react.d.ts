import type { ReactNode } from 'react';
import type {
  ChatMessage,
  Client,
  ClientOptions,
  CloseInfo,
  ConnectionState,
  NotificationMessage,
  ServerMessage,
  StateChangeEvent,
  WsNotifyError,
} from './index.js';

/** Client options without `userId` (given separately), plus callbacks and the store size. */
export interface NotificationOptions extends Omit<ClientOptions, 'userId'> {
  /** A notification arrived: its text, and the whole frame. */
  onNotify?: (message: string, frame: NotificationMessage) => void;
  onChat?: (chat: ChatMessage) => void;
  onMessage?: (message: ServerMessage) => void;
  onError?: (error: WsNotifyError) => void;
  onStateChange?: (change: StateChangeEvent) => void;
  onOpen?: () => void;
  onClose?: (close: CloseInfo) => void;
  /** Chat messages kept for `useNotificationMessages`. Default 5000. */
  maxMessages?: number;
}

export interface NotificationHandle {
  /** Sends a chat (`null` = everyone); queued while not open. Returns its id once the client exists. */
  sendMessage(toUserId: string | null, message: string): string | undefined;
  sendJsonMessage(value: Record<string, unknown>): string | undefined;
  /** The last frame received, of any type. */
  lastMessage: ServerMessage | null;
  /** 0 connecting or reconnecting, 1 open, 2 closing, 3 idle or closed. */
  readyState: number;
  state: ConnectionState;
  attempt: number;
  /** The client, once loaded. */
  client: Client | null;
}

export const DEFAULT_MAX_MESSAGES: number;

/** Connects as `userId` while the component is mounted; changing `userId` or a string `url` reconnects, nothing else does. */
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
