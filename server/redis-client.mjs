// The connections to Redis of one node (node-redis): one for commands and
// scripts, one for pub/sub. Both reconnect by themselves with capped
// backoff; commands issued while a connection is down fail at once (no
// offline queue), so a chat is refused as `unavailable` instead of waiting
// in memory for a Redis that may not come back.
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { forLog } from './text.mjs';

export const REDIS_DEFAULTS = {
  /** Longest wait between two reconnection attempts, ms. */
  maxReconnectDelayMs: 1_000,
  /** Opening a connection that takes longer fails and is retried, ms. */
  connectTimeoutMs: 2_000,
};

/** A Lua script with its SHA1, for EVALSHA. */
export function luaScript(text) {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/**
 * Connects to `url`; resolves to { client, subscriber, runScript, onReconnect, close }.
 * `log` gets one line when a connection is lost and one when it is back,
 * not one per retry.
 */
export async function connectRedis({ url, log, ...options }) {
  const config = { ...REDIS_DEFAULTS, ...options };
  const socket = {
    connectTimeout: config.connectTimeoutMs,
    // Jittered so that the nodes of a cluster do not all knock at once.
    reconnectStrategy: (retries) => Math.min(config.maxReconnectDelayMs, 50 * 2 ** retries) * (0.5 + Math.random() / 2),
  };
  const client = createClient({ url, disableOfflineQueue: true, socket });
  const subscriber = client.duplicate();
  const reconnectListeners = [];
  const lossListeners = [];
  let closing = false;

  const watch = (connection, name) => {
    let lost = false;
    let connectedOnce = false;
    connection.on('error', (error) => {
      if (lost || closing) return;
      lost = true;
      log(`redis ${name}: connection lost: ${forLog(String(error?.message ?? error))}`);
      if (name === 'subscriber') for (const listener of lossListeners) listener();
    });
    connection.on('ready', () => {
      if (lost) log(`redis ${name}: connected again`);
      lost = false;
      if (connectedOnce && name === 'subscriber') for (const listener of reconnectListeners) listener();
      connectedOnce = true;
    });
  };
  watch(client, 'commands');
  watch(subscriber, 'subscriber');
  await Promise.all([client.connect(), subscriber.connect()]);

  return {
    client,
    subscriber,
    /** Runs `script` (from luaScript) by its SHA, loading it when Redis does not know it (a restarted Redis). */
    async runScript(script, keys, args) {
      const options = { keys, arguments: args.map(String) };
      try {
        return await client.evalSha(script.sha, options);
      } catch (error) {
        if (!String(error?.message).startsWith('NOSCRIPT')) throw error;
        return client.eval(script.text, options);
      }
    },
    /** `listener()` runs when the pub/sub connection is lost: messages published from now on may be missed. */
    onLoss: (listener) => lossListeners.push(listener),
    /** `listener()` runs each time the pub/sub connection is back after a loss: messages may have been missed. */
    onReconnect: (listener) => reconnectListeners.push(listener),
    async close() {
      closing = true;
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
