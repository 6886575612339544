// The connections to Redis of one node (node-redis): one for commands and
// scripts, one for pub/sub. Both reconnect by themselves with capped
// backoff, and the pub/sub one is checked for a connection that stays
// open but passes nothing. Commands issued while a connection is down fail
// at once (no offline queue), so a chat is refused as `unavailable`
// instead of waiting in memory for a Redis that may not come back.
import { createHash, randomBytes } from 'node:crypto';
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
 * Connects to `url`; resolves to { client, subscriber, runScript, pubsubCaughtUp, onLoss, onReconnect, close }.
 * `checkChannel`: a channel only this node listens to, for the pub/sub
 * check. `log` gets one line when a connection is lost and one when it is
 * back, not one per retry.
 */
export async function connectRedis({ url, log, checkChannel, ...options }) {
  const config = { ...REDIS_DEFAULTS, ...options };
  if (!(Number.isFinite(config.pubsubCheckMs) && config.pubsubCheckMs >= 100 && config.pubsubCheckMs <= 600_000)) {
    throw new RangeError(`the pub/sub check interval must be from 100 to 600000 ms, not ${forLog(String(config.pubsubCheckMs))}`);
  }
  const socket = {
    connectTimeout: config.connectTimeoutMs,
    // Jittered so that the nodes of a cluster do not all knock at once.
    reconnectStrategy: (retries) => Math.min(config.maxReconnectDelayMs, 50 * 2 ** retries) * (0.5 + Math.random() / 2),
  };
  const client = createClient({ url, disableOfflineQueue: true, socket });
  // A pub/sub connection with no traffic either way for three periods is
  // cut and opened again by node-redis, so that one being opened does not
  // wait on its handshake for good; an open one pings every period (and
  // gets the check messages), so it is never that quiet.
  const subscriber = client.duplicate({
    pingInterval: config.pubsubCheckMs,
    socket: { ...socket, socketTimeout: 3 * config.pubsubCheckMs },
  });
  const reconnectListeners = [];
  const lossListeners = [];
  let closing = false;

  /**
   * Follows `connection`: `lose(reason)` reports a loss once, until the
   * connection is ready again; `losses()` counts them.
   */
  const watch = (connection, name, { onLoss, onBack } = {}) => {
    let lost = false;
    let losses = 0;
    let connectedOnce = false;
    const lose = (reason) => {
      if (lost || closing) return;
      lost = true;
      losses += 1;
      log(`redis ${name}: connection lost: ${forLog(reason)}`);
      onLoss?.();
    };
    connection.on('error', (error) => {
      const message = String(error?.message ?? error);
      // node-redis reports some errors on a connection it keeps: no loss, and no 'ready' to end one.
      if (connection.isReady) log(`redis ${name}: ${forLog(message)}`);
      else lose(message);
    });
    connection.on('ready', () => {
      if (lost) log(`redis ${name}: connected again`);
      lost = false;
      // node-redis has subscribed again to every channel before it reports ready.
      if (connectedOnce) onBack?.();
      connectedOnce = true;
    });
    return { lose, isLost: () => lost, losses: () => losses };
  };
  watch(client, 'commands');
  const pubsub = watch(subscriber, 'subscriber', {
    onLoss: () => lossListeners.forEach((listener) => listener()),
    onBack: () => reconnectListeners.forEach((listener) => listener()),
  });
  await Promise.all([client.connect(), subscriber.connect()]);

  // Tokens published to the check channel and awaited on the pub/sub
  // connection. Pub/sub keeps Redis's order on one connection, so once a
  // token is back, everything published before it has reached this node.
  const awaitedTokens = new Map();
  await subscriber.subscribe(checkChannel, (token) => awaitedTokens.get(token)?.());
  /** Resolves to whether a token published now came back within `pubsubCheckMs` of its publish; throws if it cannot be published. */
  async function roundTrip() {
    const token = randomBytes(8).toString('hex');
    let answer;
    const cameBack = new Promise((resolve) => {
      answer = resolve;
    });
    awaitedTokens.set(token, () => answer(true));
    let timer;
    try {
      await client.publish(checkChannel, token);
      // Timed from the publish's answer, so that a slow command is not taken for a deaf connection.
      timer = setTimeout(answer, config.pubsubCheckMs, false);
      timer.unref();
      return await cameBack;
    } finally {
      clearTimeout(timer);
      awaitedTokens.delete(token);
    }
  }

  // A pub/sub connection can stay open and pass nothing (a half-open TCP
  // connection, a stuck proxy), and node-redis does not notice: an
  // unanswered ping fails nothing, and the connection's own writes (pings,
  // SUBSCRIBEs) keep it from timing out. So a token published to the check
  // channel must come back; if it does not, the connection is counted lost
  // and opened again, and node-redis subscribes again to every channel.
  let checking = false;
  async function checkPubsub() {
    if (closing || checking || pubsub.isLost()) return;
    checking = true;
    const losses = pubsub.losses();
    try {
      // A loss meanwhile was reported, and the connection perhaps opened again, on its own.
      if ((await roundTrip()) || closing || pubsub.losses() !== losses) return;
      pubsub.lose(`a check message did not come back in ${config.pubsubCheckMs} ms`);
      subscriber.destroy();
      await subscriber.connect();
    } catch {
      // The publish failed: the commands connection is down, which is
      // reported on its own and says nothing of pub/sub; or the node is closing.
    } finally {
      checking = false;
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
    /**
     * Resolves to whether everything published before the call has reached
     * this node's pub/sub connection (false when that took longer than
     * `pubsubCheckMs`); throws when Redis cannot be reached.
     */
    pubsubCaughtUp: roundTrip,
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
