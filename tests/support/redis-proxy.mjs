// A TCP proxy in front of a redis-server, for tests that need a fault at an
// exact moment of a node's conversation with Redis: a connection cut, a
// reply held back, a connection that stays open and passes nothing.
import { createServer, connect as connectTcp } from 'node:net';
import { freePort } from './server-process.mjs';

/**
 * Starts a proxy to the redis-server on `targetPort`; resolves to
 * { url, connections, close() }. For each chunk, `hooks.toServer(connection,
 * text)` and `hooks.toClient(connection, text)` may return 'cut' (both sides
 * of the connection are destroyed), 'swallow' (the chunk is dropped, the
 * connection stays open), a promise that never rejects, to hold the chunk
 * (and what follows it on that side) back until it settles, or nothing to
 * pass it on. A connection is { id, subscriber, cut() }; `subscriber` is
 * set once it sent a SUBSCRIBE. Chunks are passed on without Nagle's delay.
 */
export async function startRedisProxy(targetPort, hooks = {}) {
  const connections = new Set();
  let count = 0;
  const server = createServer((client) => {
    const upstream = connectTcp(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const connection = {
      id: (count += 1),
      subscriber: false,
      cut() {
        client.destroy();
        upstream.destroy();
      },
    };
    connections.add(connection);
    const pipe = (from, to, hook) => {
      let chain = Promise.resolve();
      from.on('data', (chunk) => {
        chain = chain.then(async () => {
          const verdict = hook?.(connection, chunk.toString('latin1'));
          if (verdict === 'cut') return connection.cut();
          if (verdict === 'swallow') return undefined;
          await verdict;
          if (!to.destroyed) to.write(chunk);
          return undefined;
        });
      });
    };
    pipe(client, upstream, (conn, text) => {
      if (/\bSUBSCRIBE\b/i.test(text)) conn.subscriber = true;
      return hooks.toServer?.(conn, text);
    });
    pipe(upstream, client, hooks.toClient);
    const end = () => {
      connection.cut();
      connections.delete(connection);
    };
    for (const side of [client, upstream]) {
      side.on('error', end);
      side.on('close', end);
    }
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    connections,
    /** The connections that subscribed (a node's pub/sub connection). */
    subscribers: () => [...connections].filter((connection) => connection.subscriber),
    close() {
      for (const connection of connections) connection.cut();
      server.close();
    },
  };
}
