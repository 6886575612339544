// The README's provider example: one connection shared by several components,
// and a message list that renders once per frame, not once per message.
import { useState } from 'react';
import { NotificationProvider, useDeliveryStatus, useNotificationClient, useNotificationMessages } from 'wsnotify/react';

export function Room({ userId, url, onRender }) {
  return (
    <NotificationProvider userId={userId} url={url} delivery="at-least-once">
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
  const { sendMessage, state, client } = useNotificationClient();
  const [lastId, setLastId] = useState(null);
  return (
    <>
      <button disabled={state !== 'open'} onClick={() => setLastId(sendMessage(null, 'hi room'))}>
        Send
      </button>
      <Tick client={client} id={lastId} />
    </>
  );
}

/** The delivery status of one sent chat, for a tick. */
function Tick({ client, id }) {
  const delivery = useDeliveryStatus(client, id);
  return <span data-testid="tick">{delivery?.status ?? 'none'}</span>;
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
