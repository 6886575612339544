// Type-checked against the installed tarball: every exported type, as an
// application would use them.
import {
  Client,
  createClient,
  init,
  isReady,
  type AckMessage,
  type ChatMessage,
  type ClientOptions,
  type CloseInfo,
  type ConnectionState,
  type DeliveryState,
  type ErrorCode,
  type GiveUpEvent,
  type HeartbeatOptions,
  type InboundMessage,
  type MessageInfo,
  type NotificationMessage,
  type OutboxOptions,
  type PongMessage,
  type ReconnectOptions,
  type ResumedMessage,
  type ServerErrorMessage,
  type ServerMessage,
  type StateChangeEvent,
  type StringProvider,
  type UnknownMessage,
  type Unsubscribe,
  type WsNotifyError,
} from 'wsnotify';
import {
  DEFAULT_MAX_MESSAGES,
  NotificationProvider,
  useNotification,
  useNotificationClient,
  useNotificationMessages,
  useWebSocket,
  type NotificationHandle,
  type NotificationOptions,
  type NotificationProviderProps,
  type WebSocketHandle,
} from 'wsnotify/react';

const reconnect: ReconnectOptions = { baseDelayMs: 100, maxRetries: 3 };
const heartbeat: HeartbeatOptions = { intervalMs: 1000, timeoutMs: 500 };
const outbox: OutboxOptions = { maxFrames: 10 };
const url: StringProvider = (attempt) => `ws://127.0.0.1/ws?a=${attempt}`;
const options: ClientOptions = { url, userId: 'ada', reconnect, heartbeat, outbox };

export async function vanilla(): Promise<void> {
  await init();
  const ready: boolean = isReady();
  const client: Client = await createClient(options);
  const off: Unsubscribe = client.onChat((chat: ChatMessage) => void chat.message);
  client.onNotification((n: NotificationMessage) => void n.online);
  client.onClose((close: CloseInfo) => void close.wasClean);
  client.onStateChange((change: StateChangeEvent) => {
    const state: ConnectionState = change.state;
    void state;
  });
  client.onGiveUp((event: GiveUpEvent) => void event.retries);
  client.onError((error: WsNotifyError) => {
    const code: ErrorCode = error.code;
    void code;
  });
  client.onMessage((message: InboundMessage, info: MessageInfo) => {
    const known: AckMessage | PongMessage | ServerErrorMessage | ResumedMessage | UnknownMessage | null = null;
    if (info.format === 'json') void [known, (message as ServerMessage).type];
  });
  client.connect();
  const id: string = client.sendChat(null, 'hi');
  const delivery: DeliveryState = client.delivery;
  void delivery;
  off();
  client.free();
  void [ready, id];
}

export function Hooks({ userId }: { userId: string }) {
  const hookOptions: NotificationOptions = {
    url: 'ws://127.0.0.1/ws',
    onNotify: (message: string, frame: NotificationMessage) => void [message, frame.online],
    onChat: (chat: ChatMessage) => void chat.fromUserId,
    maxMessages: DEFAULT_MAX_MESSAGES,
  };
  const handle: NotificationHandle = useNotification(userId, hookOptions);
  handle.sendMessage('bob', 'hello');
  handle.sendJsonMessage({ type: 'custom' });
  const providerProps: NotificationProviderProps = { userId, url: 'ws://127.0.0.1/ws' };
  return (
    <NotificationProvider {...providerProps}>
      <Inner />
      <p>{handle.readyState} {handle.state} {(handle.lastMessage as ServerMessage | null)?.type}</p>
    </NotificationProvider>
  );
}

export function Ticker() {
  const socket: WebSocketHandle<{ event: string; value: number }> = useWebSocket('ws://127.0.0.1:9000/', {
    hello: { join: 'ticker' },
    kindField: 'event',
    onError: (error: WsNotifyError) => void error.code,
  });
  const id: string = socket.sendMessage('hello');
  socket.sendJsonMessage({ event: 'subscribe' });
  // A list of URLs, tried in turn, as the client takes.
  const fallback = useWebSocket(['ws://127.0.0.1:9000/', 'ws://127.0.0.1:9001/']);
  const raw = socket.lastMessage?.data ?? fallback.lastMessage?.data ?? id;
  return <p>{socket.readyState} {socket.lastJsonMessage?.value} {typeof raw}</p>;
}

function Inner() {
  const { client, state } = useNotificationClient();
  const count: number = useNotificationMessages((messages) => messages.length);
  const all: readonly ChatMessage[] = useNotificationMessages();
  return <span>{state} {count} {all.length} {client?.queued}</span>;
}

// @ts-expect-error: sendMessage takes a recipient and a message
useNotification('x', { url: 'ws://x' }).sendMessage(42);
