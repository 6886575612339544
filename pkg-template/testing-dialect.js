// wsnotify/testing: the wsnotify dialect of the scripted server, the answers
// of the reference server (docs/PROTOCOL.md): `init` registers the user (its
// own "joined" notification, then `resumed` and the missed chats when it
// sent `lastSeq`), `chat` is relayed, numbered, kept for replay and acked,
// `ping` gets `pong`, and a bad frame gets `error` with the same codes and
// messages. Differences: identity is taken on trust unless `verifyToken` is
// given, join/leave notifications go out at once (the reference server
// batches them in time), and there is no rate limit, no init timeout and no
// age limit on the replay history (500 chats per user).

import { IDS_PER_SENDER, MAX_CLIENT_FRAME_BYTES, parseClientFrame, relayedChat } from './client-frames.js';
import { resumeFrom } from './resume.js';

const HISTORY_LIMIT = 500;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A new epoch: 12 printable ASCII characters. */
function newEpoch() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const random = new Uint8Array(12);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(random);
  else for (let i = 0; i < random.length; i += 1) random[i] = Math.floor(Math.random() * 256);
  return [...random].map((byte) => alphabet[byte % 64]).join('');
}

/** Per-user numbering (epoch, seq), the chats kept for replay, the chat ids accepted. */
function createHistory() {
  const users = new Map();
  const userOf = (userId) => {
    let user = users.get(userId);
    if (!user) {
      user = { epoch: newEpoch(), seq: 0, entries: [], ids: new Set() };
      users.set(userId, user);
    }
    return user;
  };
  return {
    join: (userId) => userOf(userId).epoch,
    knows: (userId) => users.has(userId),
    seen: (sender, id) => users.get(sender)?.ids.has(id) ?? false,
    accept(sender, id) {
      const { ids } = userOf(sender);
      ids.add(id);
      // A Set iterates in insertion order: the first is the oldest.
      if (ids.size > IDS_PER_SENDER) ids.delete(ids.values().next().value);
    },
    record(userId, frame) {
      const user = userOf(userId);
      user.seq += 1;
      const text = JSON.stringify({ ...frame, seq: user.seq, epoch: user.epoch });
      user.entries.push({ seq: user.seq, text });
      if (user.entries.length > HISTORY_LIMIT) user.entries.shift();
      return text;
    },
    since(userId, lastSeq, epoch) {
      const user = userOf(userId);
      return { epoch: user.epoch, ...resumeFrom(user, user.entries, lastSeq, epoch) };
    },
  };
}

/** The dialect of `server`: its `received(connection, frame, data)` and `closed(connection)` hooks and server-side pushes. */
export function createWsnotifyDialect(server) {
  /** userId → the open connections that sent its `init`. */
  const online = new Map();
  const history = createHistory();

  const send = (connection, frame) => connection.send(JSON.stringify(frame));
  const connectionsOf = (userId) => [...(online.get(userId) ?? [])];
  const broadcast = (frame, exceptUser) => {
    for (const [userId, connections] of online) {
      if (userId === exceptUser) continue;
      for (const connection of connections) send(connection, frame);
    }
  };
  const deliver = (userId, frame) => {
    const text = history.record(userId, frame);
    for (const connection of connectionsOf(userId)) connection.send(text);
    return text;
  };

  function register(connection, frame) {
    const { userId, lastSeq, epoch } = frame;
    connection.userId = userId;
    const first = !online.has(userId);
    if (first) online.set(userId, new Set());
    online.get(userId).add(connection);
    if (first) {
      send(connection, { type: 'notification', message: `${userId} joined`, online: online.size });
      broadcast({ type: 'notification', message: `${userId} joined`, online: online.size }, userId);
    }
    history.join(userId);
    if (lastSeq !== undefined) {
      const resumed = history.since(userId, lastSeq, epoch);
      send(connection, { type: 'resumed', recovered: resumed.recovered, epoch: resumed.epoch });
      for (const text of resumed.frames) connection.send(text);
    }
  }

  function init(connection, frame) {
    if (connection.userId !== undefined) {
      if (frame.userId !== connection.userId) connection.close(4403, 'already initialized as another user');
      return;
    }
    const verdict = server.verifyToken ? server.verifyToken(frame.token, frame.userId) : true;
    if (verdict !== true) {
      const refusal = isObject(verdict) ? verdict : { code: 4401, reason: frame.token === undefined ? 'token required' : 'invalid token' };
      connection.close(refusal.code ?? 4401, refusal.reason ?? 'invalid token');
      return;
    }
    register(connection, frame);
  }

  function chat(connection, frame) {
    if (frame.fromUserId !== connection.userId) {
      send(connection, { type: 'error', code: 'unauthorized', message: 'fromUserId must be the user of this connection', id: frame.id });
      return;
    }
    if (frame.id !== undefined && history.seen(frame.fromUserId, frame.id)) {
      if (server.sendAcks) send(connection, { type: 'ack', id: frame.id });
      return;
    }
    const out = relayedChat(frame);
    if (!out) {
      send(connection, { type: 'error', code: 'invalid_message', message: 'message too long', id: frame.id });
      return;
    }
    let recipients;
    if (frame.toUserId === undefined) {
      recipients = [...online.keys()];
    } else if (online.has(frame.toUserId) || history.knows(frame.toUserId)) {
      recipients = [...new Set([frame.toUserId, frame.fromUserId])];
    } else {
      send(connection, { type: 'error', code: 'recipient_offline', message: `${frame.toUserId} has never been online`, id: frame.id });
      return;
    }
    for (const userId of recipients) deliver(userId, out);
    if (frame.id !== undefined) {
      history.accept(frame.fromUserId, frame.id);
      if (server.sendAcks) send(connection, { type: 'ack', id: frame.id });
    }
  }

  return {
    received(connection, _decoded, data) {
      if (typeof data !== 'string') {
        send(connection, { type: 'error', code: 'invalid_message', message: 'binary frames are not supported' });
        return;
      }
      if (new TextEncoder().encode(data).length > MAX_CLIENT_FRAME_BYTES) {
        connection.close(1009, '');
        return;
      }
      const { frame, error } = parseClientFrame(data);
      if (error) {
        send(connection, { type: 'error', code: 'invalid_message', message: error });
        return;
      }
      if (frame.type === 'ping') {
        if (server.answerPings) send(connection, { type: 'pong' });
      } else if (frame.type === 'init') {
        init(connection, frame);
      } else if (connection.userId === undefined) {
        send(connection, { type: 'error', code: 'unauthorized', message: 'send init first', id: frame.id });
      } else {
        chat(connection, frame);
      }
    },
    closed(connection) {
      const { userId } = connection;
      const connections = online.get(userId);
      if (!connections?.delete(connection) || connections.size > 0) return;
      online.delete(userId);
      broadcast({ type: 'notification', message: `${userId} left`, online: online.size });
    },
    deliverChat({ fromUserId, toUserId, message, id, timestamp = new Date().toISOString() }) {
      const out = { type: 'chat', fromUserId, message, timestamp };
      if (toUserId !== undefined && toUserId !== null) out.toUserId = toUserId;
      if (id !== undefined) out.id = id;
      const recipients = out.toUserId === undefined ? [...online.keys()] : [out.toUserId];
      const sent = {};
      for (const userId of recipients) sent[userId] = JSON.parse(deliver(userId, out));
      return sent;
    },
    notify(message) {
      broadcast({ type: 'notification', message, online: online.size });
    },
  };
}
