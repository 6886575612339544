// Routing across nodes through Redis pub/sub: one channel per user. A node
// subscribes to the channel of each user it holds a connection of; the
// history script (server/history/redis.mjs) publishes each numbered frame
// in the same step that stores it, so frames reach every node in the order
// of their numbers. Pub/sub loses what is published while a subscriber is
// disconnected: `onGap` tells the server to catch its connections up from
// the history.

/**
 * `redis`: from connectRedis; `prefix`: of every key and channel;
 * `deliver(userId, text)` sends to the user's connections on this node.
 */
export function createRedisRouting({ redis, prefix, deliver }) {
  const userPrefix = `${prefix}user:`;
  const channelOf = (userId) => `${userPrefix}${userId}`;
  /** userId → the pending or done SUBSCRIBE, so that concurrent inits share one. */
  const subscriptions = new Map();
  const gapListeners = [];
  const gapStartListeners = [];
  const onMessage = (text, channel) => deliver(channel.slice(userPrefix.length), text);

  redis.onLoss(() => {
    for (const listener of gapStartListeners) listener();
  });
  // Reported once node-redis has subscribed again to every channel, so
  // nothing published from then on is missed while the server catches up.
  redis.onReconnect(() => {
    for (const listener of gapListeners) listener();
  });

  return {
    channelOf,
    /** Subscribes to `userId`'s channel; resolves once Redis confirmed it. */
    listen(userId) {
      let subscribed = subscriptions.get(userId);
      if (!subscribed) {
        subscribed = redis.subscriber.subscribe(channelOf(userId), onMessage);
        subscriptions.set(userId, subscribed);
        subscribed.catch(() => {
          if (subscriptions.get(userId) === subscribed) subscriptions.delete(userId);
        });
      }
      return subscribed;
    },
    unlisten(userId) {
      if (!subscriptions.delete(userId)) return;
      redis.subscriber.unsubscribe(channelOf(userId), onMessage).catch(() => {});
    },
    /** Resolves to whether everything published before the call has reached this node (false past a bound). */
    caughtUp: () => redis.pubsubCaughtUp(),
    /** Publishes `text` to `userId`'s channel (frames the history did not publish itself). */
    publish: (userId, text) => redis.client.publish(channelOf(userId), text),
    /** `listener()`: pub/sub is down; frames published from now on may be missed. */
    onGapStart: (listener) => gapStartListeners.push(listener),
    /** `listener()`: pub/sub is back after `onGapStart`; subscriptions are in place again. */
    onGap: (listener) => gapListeners.push(listener),
    close() {
      subscriptions.clear();
    },
  };
}
