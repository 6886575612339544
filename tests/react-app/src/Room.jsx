// The README's provider example: one connection shared by several components,
// and a message list that renders once per frame, not once per message.
import { NotificationProvider, useNotificationClient, useNotificationMessages } from 'wsnotify/react';

export function Room({ userId, url, onRender }) {
  return (
    <NotificationProvider userId={userId} url={url}>
      <Status />
      <Composer />
      <MessageList onRender={onRender} />
    </NotificationProvider>
  );
}

function Status() {
  const { state } = useNotificationClient();
  return <p data-testid="room-state">{state}</p>;
}

function Composer() {
  const { sendMessage, state } = useNotificationClient();
  return (
    <button disabled={state !== 'open'} onClick={() => sendMessage(null, 'hi room')}>
      Send
    </button>
  );
}

function MessageList({ onRender }) {
  const messages = useNotificationMessages();
  onRender?.();
  return (
    <ol data-testid="messages">
      {messages.map((chat) => (
        <li key={chat.id ?? `${chat.timestamp}-${chat.message}`}>
          {chat.fromUserId}: {chat.message}
        </li>
      ))}
    </ol>
  );
}
