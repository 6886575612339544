// Type-checked by tests/js/types.test.mjs (`tsc --noEmit`): a consumer that
// uses every exported type of the package the way an application would.
import {
  Client,
  createClient,
  init,
  type Unsubscribe,
  type ChatMessage,
  type ClientOptions,
  type CloseInfo,
  type ConnectionState,
  type DeliveryEvent,
  type DeliveryStatus,
  type ErrorCode,
  type PersistOptions,
  type RestoredMessage,
  type GiveUpEvent,
  type GenericOptions,
  type InboundMessage,
  type MessageInfo,
  type NotificationMessage,
  type ServerMessage,
  type StateChangeEvent,
  type WsNotifyError,
} from 'wsnotify';

export async function start(): Promise<Client> {
  await init();
  const viaFactory: Client = await createClient({ url: 'ws://127.0.0.1:8080/ws', userId: 'bob' });
  viaFactory.free();
  const options: ClientOptions = {
    url: (attempt: number) => Promise.resolve(`ws://127.0.0.1:8080/ws?attempt=${attempt}`),
    userId: 'ada',
    token: () => 'secret',
    reconnect: { baseDelayMs: 250, factor: 2, maxDelayMs: 5000, jitter: 0.5, stableAfterMs: 5000, maxRetries: 10 },
    heartbeat: { intervalMs: 25000, timeoutMs: 10000 },
    outbox: { maxFrames: 100, maxBytes: 65536 },
    connectTimeout: 5000,
    maxFrameBytes: 65536,
    maxBufferedBytes: 16777216,
    shouldReconnect: (close: CloseInfo) => close.code !== 4403,
  };
  const client = new Client(options);
  const subscriptions: Unsubscribe[] = [
    client.onOpen(() => undefined),
    client.onClose(({ code, reason, wasClean }: CloseInfo) => void [code, reason, wasClean]),
    client.onChat((chat: ChatMessage) => {
      const text: string = chat.message;
      const when: Date = new Date(chat.timestamp);
      void [text, when, chat.toUserId?.length, chat.seq];
    }),
    client.onNotification((notification: NotificationMessage) => void notification.online),
    client.onMessage((message: InboundMessage, info: MessageInfo) => {
      if (info.format === 'text') void (message as string).length;
      if (info.kind === 'resumed') void (message as ServerMessage).type;
      const raw: string | ArrayBuffer | Blob = info.data;
      void raw;
    }),
    client.on('typing', (message: ServerMessage) => void message.type),
    client.onStateChange(({ state, attempt, nextDelayMs, lastClose }: StateChangeEvent) => {
      const current: ConnectionState = state;
      void [current, attempt, nextDelayMs, lastClose?.code];
    }),
    client.onGiveUp(({ retries }: GiveUpEvent) => void retries),
    client.onError((error: WsNotifyError) => {
      const code: ErrorCode = error.code;
      void [code, error.id, error.message, error.attempt, error.frame];
    }),
  ];
  const ticks: Unsubscribe = client.onDelivery(({ id, status, code }: DeliveryEvent) => {
    const current: DeliveryStatus = status;
    if (current === 'failed' && code === 'recipient_offline') client.retry(id);
  });
  subscriptions.push(ticks);
  const persist: PersistOptions = { name: 'chat', maxMessages: 100, maxBytes: 65536, expiryMs: 3_600_000 };
  const persisted = await createClient({ url: 'ws://127.0.0.1:8080/ws', userId: 'ada', delivery: 'at-least-once', persist });
  const restored: readonly RestoredMessage[] = persisted.restored;
  void restored.map(({ id, toUserId, message, at }) => [id, toUserId ?? 'everyone', message, new Date(at)]);
  persisted.free();
  await createClient({ url: 'ws://x', userId: 'a', persist: 'my-app' });
  client.connect();
  const id: string = client.sendChat('bob', 'hello');
  client.sendChat(null, 'everyone');
  client.sendJson({ type: 'custom', n: 1 });
  client.sendText('{"type":"ping"}');
  const ready: number = client.readyState;
  const queued: number = client.queued;
  const attempt: number = client.attempt;
  void [id, ready, queued, attempt];
  subscriptions.forEach((unsubscribe) => unsubscribe());
  client.reconnect();
  client.close(1000, 'bye');
  const generic: GenericOptions = {
    url: 'ws://127.0.0.1:9000/',
    mode: 'generic',
    hello: (attempt: number) => ({ join: 'ada', attempt }),
    kindField: 'event',
    binaryType: 'blob',
    heartbeat: { intervalMs: 20000, ping: { event: 'ping' }, pong: 'pong' },
  };
  const any = new Client(generic);
  any.on('update', (update: ServerMessage) => void update);
  any.free();
  return client;
}

// @ts-expect-error: userId is required in the wsnotify mode
new Client({ url: 'ws://x' });
// @ts-expect-error: a hello is for the generic mode; the wsnotify mode sends init
new Client({ url: 'ws://x', userId: 'a', hello: 'hi' });
// @ts-expect-error: persist keeps what only the wsnotify mode has
new Client({ url: 'ws://x', mode: 'generic', persist: true });
// @ts-expect-error: a delivery status is one of four
const wrongStatus: DeliveryStatus = 'delivered';
void wrongStatus;
// @ts-expect-error: at-least-once needs the acks of the wsnotify mode
new Client({ url: 'ws://x', mode: 'generic', delivery: 'at-least-once' });
// @ts-expect-error: a chat callback receives a ChatMessage, not a number
new Client({ url: 'ws://x', userId: 'a' }).onChat((n: number) => n);
