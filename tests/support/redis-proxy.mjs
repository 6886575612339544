// A TCP proxy in front of a redis-server, for tests that need a fault at an
// exact moment of a node's conversation with Redis: a connection cut, a
// reply held back, a connection that stays open and passes nothing.
import { createServer, connect as connectTcp } from 'node:net';
import { freePort } from './server-process.mjs';
import { until } from './until.mjs';

/**
 * Starts a proxy to the redis-server on `targetPort`; resolves to
 * { url, connections, subscribers(), pubsubOutage(), close() }. For each
 * chunk, `hooks.toServer(connection, text)` and `hooks.toClient(connection,
 * text)` may return 'cut' (both sides of the connection are destroyed),
 * 'swallow' (the chunk is dropped, the connection stays open), a promise
 * that never rejects, to hold the chunk (and what follows it on that side)
 * back until it settles, or nothing to pass it on. A connection is { id,
 * subscriber, subscribed, cut() }: `subscriber` is set once it sent a
 * SUBSCRIBE, `subscribed` once one was confirmed. Chunks are passed on
 * without Nagle's delay.
 */
export async function startRedisProxy(targetPort, hooks = {}) {
  const connections = new Set();
  const subscribers = () => [...connections].filter((connection) => connection.subscriber);
  let count = 0;
  /** During a pub/sub outage (`pubsubOutage()`), a connection that subscribes is cut. */
  let refusingSubscribers = false;
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
      if (conn.subscriber && refusingSubscribers) return 'cut';
      return hooks.toServer?.(conn, text);
    });
    pipe(upstream, client, (conn, text) => {
      if (conn.subscriber && /subscribe/i.test(text)) conn.subscribed = true;
      return hooks.toClient?.(conn, text);
    });
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
    subscribers,
    /**
     * Starts a pub/sub outage: the connections that subscribed are cut, and
     * so is any that subscribes until the returned `end()`, which resolves
     * once a connection opened since the outage began has had a
     * subscription confirmed.
     */
    pubsubOutage() {
      const before = new Set(connections);
      refusingSubscribers = true;
      for (const connection of subscribers()) connection.cut();
      return async () => {
        refusingSubscribers = false;
        const back = () => subscribers().some((connection) => !before.has(connection) && connection.subscribed);
        await until('pub/sub subscribed again', back, 10_000);
      };
    },
    close() {
      for (const connection of connections) connection.cut();
      server.close();
    },
  };
}
