/// <reference lib="esnext.disposable" />
import type {
  Client as GeneratedClient,
  ClientOptions,
  InitInput,
  Subscription,
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

/**
 * The client as the package exports it: the members the crate declares
 * (see `wsnotify.d.ts`), except that registrations return an
 * `Unsubscribe` function instead of a `Subscription`. After `free()`, every
 * member but `free()` throws an Error with code `freed`.
 */
export type Client = {
  [K in keyof GeneratedClient as K extends `__${string}` ? never : K]:
    GeneratedClient[K] extends (...args: infer A) => Subscription ? (...args: A) => Unsubscribe : GeneratedClient[K];
};

/** A WebSocket client that reconnects by itself and queues sends while down. */
export declare const Client: {
  /** Throws `not_initialized` before `init()` resolved, `invalid_options` for bad options. */
  new (options: ClientOptions): Client;
  readonly prototype: Client;
};
