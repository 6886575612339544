// The connections to Redis of one node (node-redis): one for commands and
// scripts, one for pub/sub. Both reconnect by themselves with capped
// backoff, and the pub/sub one is checked for a connection that stays
// open but passes nothing. Commands issued while a connection is down fail
// at once (no offline queue), so a chat is refused as `unavailable`
// instead of waiting in memory for a Redis that may not come back.
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { forLog } from './text.mjs';

export const REDIS_DEFAULTS = {
  /** Longest wait between two reconnection attempts, ms. */
  maxReconnectDelayMs: 1_000,
  /** Opening a connection that takes longer fails and is retried, ms. */
  connectTimeoutMs: 2_000,
  /**
   * The pub/sub connection is checked this often: a message the node
   * publishes to its check channel must come back on it within the same
   * time, or the connection is counted lost and opened again, ms.
   */
  pubsubCheckMs: 5_000,
};

/** A Lua script with its SHA1, for EVALSHA. */
export function luaScript(text) {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/**
 * Connects to `url`; resolves to { client, subscriber, runScript, onLoss, onReconnect, close }.
 * `checkChannel`: a channel only this node listens to, for the pub/sub
 * check. `log` gets one line when a connection is lost and one when it is
 * back, not one per retry.
 */
export async function connectRedis({ url, log, checkChannel, ...options }) {
  const config = { ...REDIS_DEFAULTS, ...options };
  if (!(Number.isFinite(config.pubsubCheckMs) && config.pubsubCheckMs >= 100)) {
    throw new RangeError(`the pub/sub check interval must be at least 100 ms, not ${forLog(String(config.pubsubCheckMs))}`);
  }
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

  /** Follows `connection`: `lose(reason)` reports a loss once, until the connection is ready again. */
  const watch = (connection, name, { onLoss, onBack } = {}) => {
    let lost = false;
    let connectedOnce = false;
    const lose = (reason) => {
      if (lost || closing) return;
      lost = true;
      log(`redis ${name}: connection lost: ${forLog(reason)}`);
      onLoss?.();
    };
    connection.on('error', (error) => lose(String(error?.message ?? error)));
    connection.on('ready', () => {
      if (lost) log(`redis ${name}: connected again`);
      lost = false;
      // node-redis has subscribed again to every channel before it reports ready.
      if (connectedOnce) onBack?.();
      connectedOnce = true;
    });
    return { lose, isLost: () => lost };
  };
  watch(client, 'commands');
  const pubsub = watch(subscriber, 'subscriber', {
    onLoss: () => lossListeners.forEach((listener) => listener()),
    onBack: () => reconnectListeners.forEach((listener) => listener()),
  });
  await Promise.all([client.connect(), subscriber.connect()]);

  // A pub/sub connection can stay open and pass nothing (a half-open TCP
  // connection, a stuck proxy), and node-redis does not notice: it awaits
  // no answer there, and an idle timeout would not fire, since the
  // connection's own writes count as activity. So a message published to
  // the check channel must come back; if it does not, the connection is
  // counted lost and opened again, and node-redis subscribes again to every
  // channel.
  let checkAwaited = null;
  let checks = 0;
  await subscriber.subscribe(checkChannel, (token) => checkAwaited?.(token));
  async function checkPubsub() {
    if (closing || checkAwaited || pubsub.isLost()) return;
    checks += 1;
    const token = String(checks);
    let timer;
    const cameBack = new Promise((resolve) => {
      checkAwaited = (received) => received === token && resolve(true);
      timer = setTimeout(resolve, config.pubsubCheckMs, false);
      timer.unref();
    });
    try {
      await client.publish(checkChannel, token);
      if ((await cameBack) || closing || pubsub.isLost()) return;
      pubsub.lose(`a check message did not come back in ${config.pubsubCheckMs} ms`);
      subscriber.destroy();
      await subscriber.connect();
    } catch {
      // The publish failed: the commands connection is down, which is
      // reported on its own and says nothing of pub/sub; or the node is closing.
    } finally {
      clearTimeout(timer);
      checkAwaited = null;
    }
  }
  const checkTimer = setInterval(checkPubsub, config.pubsubCheckMs);
  checkTimer.unref();

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
      clearInterval(checkTimer);
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
