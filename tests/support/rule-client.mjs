// A Node client that follows the wsnotify client's rules
// (src/engine/delivery.rs), for multi-node tests with hundreds of clients:
// a list of URLs (the next one after a failed attempt or a drain hint),
// `init` with lastSeq/epoch (lastSeq 0 once a connection had no numbered
// frame), resend of unacknowledged chats after each init, numbering
// started afresh after a resume that was not recovered or a frame of
// another epoch, drop of a numbered frame whose seq is not above the last
// one, drop of a chat (fromUserId, id) already delivered, the `reconnect`
// hint obeyed at a random moment in [0, afterMs], 1000/1008/44xx terminal
// and everything else reconnecting.
import WebSocket from 'ws';

export function createRuleClient({ userId, urls, backoffMs = [100, 300] }) {
  let index = 0;
  let socket = null;
  let lastSeq;
  let epoch;
  let connectedBefore = false;
  let stopped = false;
  let nextId = 0;
  const session = Math.random().toString(36).slice(2, 10);
  const pending = new Map(); // id → frame, in send order
  const delivered = new Set(); // `${from}\n${id}`
  const client = {
    userId,
    /** Chats handed to the app, in order. */
    received: [],
    /** ids acknowledged by the server. */
    acked: new Set(),
    /** ids refused with `unavailable` (never acknowledged). */
    unavailable: new Set(),
    resumes: { recovered: 0, unrecovered: 0 },
    /** Date.now() of each reconnection a drain hint caused. */
    hintReconnects: [],
    /** Chats dropped because their (fromUserId, id) was already delivered. */
    resendsDropped: 0,
    connections: 0,
    notifications: [],
    get url() {
      return urls[index];
    },
    get open() {
      return socket?.readyState === WebSocket.OPEN && socket.initialized;
    },
    /** The server has registered this connection (it answered the ping sent after `init`). */
    get registered() {
      return client.open && socket.registered === true;
    },
    sendChat(toUserId, message) {
      nextId += 1;
      // Unique across client instances, as the SDK's ids are: the server
      // remembers accepted ids per sender.
      const id = `${userId}-${session}-${nextId}`;
      const frame = { type: 'chat', fromUserId: userId, message, id };
      if (toUserId !== undefined) frame.toUserId = toUserId;
      pending.set(id, frame);
      if (client.open) socket.send(JSON.stringify(frame));
      return id;
    },
    pendingCount: () => pending.size,
    stop() {
      stopped = true;
      socket?.close(1000);
    },
  };

  const onFrame = (text) => {
    const frame = JSON.parse(text);
    if (frame.type === 'pong') {
      socket.registered = true;
    } else if (frame.type === 'resumed') {
      client.resumes[frame.recovered ? 'recovered' : 'unrecovered'] += 1;
      if (!frame.recovered) lastSeq = undefined;
      if (frame.epoch !== undefined) epoch = frame.epoch;
    } else if (frame.type === 'chat') {
      if (frame.seq !== undefined) {
        if (frame.epoch !== undefined && frame.epoch !== epoch) {
          epoch = frame.epoch;
          lastSeq = undefined;
        }
        if (lastSeq !== undefined && frame.seq <= lastSeq) return;
        lastSeq = frame.seq;
      }
      if (frame.id !== undefined) {
        const key = `${frame.fromUserId}\n${frame.id}`;
        if (delivered.has(key)) {
          client.resendsDropped += 1; // a resend the SDK drops: not shown to the app
          return;
        }
        delivered.add(key);
      }
      client.received.push(frame);
    } else if (frame.type === 'ack') {
      pending.delete(frame.id);
      client.acked.add(frame.id);
    } else if (frame.type === 'error' && frame.code === 'unavailable' && frame.id !== undefined) {
      pending.delete(frame.id);
      client.unavailable.add(frame.id);
    } else if (frame.type === 'notification') {
      client.notifications.push(frame);
    } else if (frame.type === 'reconnect') {
      const current = socket;
      setTimeout(() => {
        if (socket !== current || stopped) return;
        client.hintReconnects.push(Date.now());
        current.removeAllListeners('close');
        current.on('close', () => {});
        current.close(4001, 'server asked to reconnect');
        index = (index + 1) % urls.length;
        connect();
      }, Math.random() * frame.afterMs);
    }
  };

  function connect() {
    if (stopped) return;
    const ws = new WebSocket(urls[index], { perMessageDeflate: false });
    socket = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      client.connections += 1;
      const init = { type: 'init', userId };
      if (lastSeq !== undefined) Object.assign(init, { lastSeq, epoch });
      else if (connectedBefore) init.lastSeq = 0;
      connectedBefore = true;
      ws.send(JSON.stringify(init));
      // Answered once the init is handled: the connection is registered.
      ws.send('{"type":"ping"}');
      ws.initialized = true;
      for (const frame of pending.values()) ws.send(JSON.stringify(frame));
    });
    ws.on('message', (data) => onFrame(data.toString()));
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (socket !== ws || stopped) return;
      if (code === 1000 || code === 1008 || (code >= 4400 && code < 4500)) {
        stopped = true;
        return;
      }
      // A failed attempt moves on to the next URL; a dropped connection retries the same one first.
      if (!opened) index = (index + 1) % urls.length;
      const [low, high] = backoffMs;
      setTimeout(connect, low + Math.random() * (high - low));
    });
  }
  connect();
  return client;
}
