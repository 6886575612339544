// Routing on one node: a numbered frame for a user goes straight to this
// process's connections of that user. server/routing/redis.mjs has the same
// interface for several nodes.

/** `deliver(userId, text)` sends to the user's connections on this node. */
export function createMemoryRouting({ deliver }) {
  return {
    /** This node holds a connection of `userId` from now on. */
    listen() {},
    /** This node holds no connection of `userId` any more. */
    unlisten() {},
    /** Sends `text` to every connection of `userId`, wherever it is. */
    publish: (userId, text) => deliver(userId, text),
    /** Resolves to whether everything routed before the call has reached this node (here, at once). */
    caughtUp: async () => true,
    /** `listener()` hears when frames may start being missed, and when that is over (never, here). */
    onGapStart() {},
    onGap() {},
    close() {},
  };
}
