/// <reference lib="esnext.disposable" />
import type {
  Client as GeneratedClient,
  ClientOptions,
  InitInput,
  SharingRole,
  Subscription,
} from './wsnotify.js';

export type {
  AckMessage,
  ChatMessage,
  ClientOptions,
  CloseInfo,
  CommonOptions,
  ConnectionState,
  DeliveryEvent,
  DeliveryState,
  DeliveryStatus,
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
  PersistOptions,
  PongMessage,
  ResumeOptions,
  ReconnectMessage,
  ReconnectOptions,
  ResumedMessage,
  ServerErrorMessage,
  ServerMessage,
  SharingRole,
  StateChangeEvent,
  StringProvider,
  UnknownMessage,
  WsnotifyOptions,
  WsNotifyError,
} from './wsnotify.js';

/** A chat restored from the store by `createClient` (`persist`), queued again with its id. */
export interface RestoredMessage {
  readonly id: string;
  /** `null`: to everyone. */
  readonly toUserId: string | null;
  readonly message: string;
  /** When it was first stored (ms since the epoch). */
  readonly at: number;
}

/** Removes the callback it was returned for; calling it again does nothing. */
export type Unsubscribe = () => void;

/** Loads the WebAssembly module once; later calls return the same promise. Rejects with code `load_failed`. */
export function init(source?: InitInput | Promise<InitInput>): Promise<void>;
/** Whether `init()` has completed. */
export function isReady(): boolean;
/** Loads the module if needed, then creates a client (idle until `connect()`). */
export function createClient(options: ClientOptions): Promise<Client>;

/**
 * The client as the package exports it: the members the crate declares
 * (see `wsnotify.d.ts`), except that registrations return an
 * `Unsubscribe` function instead of a `Subscription`. After `free()`, every
 * member but `free()` throws an Error with code `freed`.
 */
export type Client = {
  [K in keyof GeneratedClient as K extends `__${string}` ? never : K]:
    GeneratedClient[K] extends (...args: infer A) => Subscription ? (...args: A) => Unsubscribe : GeneratedClient[K];
} & {
  /** With `shareAcrossTabs`: "leader" (this tab holds the socket) or "follower"; otherwise "off". */
  readonly sharing: SharingRole;
  /**
   * Resolves `true` in exactly one of the tabs that claim `frame` (a frame
   * received, or a string key), for a side effect that must happen once, e.g. a
   * sound. Without sharing, always `true`.
   */
  claim(frame: unknown): Promise<boolean>;
  /**
   * With `persist`: the chats `createClient` restored from the store, oldest
   * first, already queued again (their `queued` status was reported before
   * `createClient` resolved; `sent` and `acked` follow). `[]` otherwise.
   */
  readonly restored: readonly RestoredMessage[];
};

/** A WebSocket client that reconnects by itself and queues sends while down. */
export declare const Client: {
  /** Throws `not_initialized` before `init()` resolved, `invalid_options` for bad options. */
  new (options: ClientOptions): Client;
  readonly prototype: Client;
};
