// The README's first React example, as users write it.
import { useState } from 'react';
import { useNotification } from 'wsnotify/react';

export function Chat({ userId, url }) {
  const [lines, setLines] = useState([]);
  const { sendMessage, readyState, state } = useNotification(userId, {
    url,
    onNotify: (message) => setLines((previous) => [...previous, message]),
    onChat: (chat) => setLines((previous) => [...previous, `${chat.fromUserId}: ${chat.message}`]),
  });
  return (
    <section>
      <p>
        <span data-testid="state">{state}</span> (readyState {readyState})
      </p>
      <button onClick={() => sendMessage(null, 'hello from React')}>Say hello</button>
      <ul>
        {lines.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
    </section>
  );
}
