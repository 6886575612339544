// Presence on one node: userId → this process's connections that sent
// `init` with it. The global view (isOnline, onlineCount, users) is the
// local one; server/presence/redis.mjs has the same interface for several
// nodes.

export function createMemoryPresence() {
  /** userId → Set of connections. */
  const byUser = new Map();
  return {
    /** Adds `connection` for `userId`; true when the user just came online. */
    add(userId, connection) {
      let connections = byUser.get(userId);
      const cameOnline = !connections;
      if (cameOnline) byUser.set(userId, (connections = new Set()));
      connections.add(connection);
      return cameOnline;
    },
    /** Removes `connection` of `userId`; true when the user just went offline. */
    remove(userId, connection) {
      const connections = byUser.get(userId);
      if (!connections?.delete(connection)) return false;
      if (connections.size > 0) return false;
      byUser.delete(userId);
      return true;
    },
    /** The connections of `userId` on this node (empty when none). */
    connectionsOf: (userId) => byUser.get(userId) ?? [],
    /** Number of connections of `userId` on this node. */
    connectionCount: (userId) => byUser.get(userId)?.size ?? 0,
    /** The ids of the users with a connection on this node. */
    localUsers: () => byUser.keys(),
    isOnline: (userId) => byUser.has(userId),
    onlineCount: () => byUser.size,
    /** The ids of the users online (on any node). */
    users: () => byUser.keys(),
    /** `listener(userId, online)` hears of users coming and going on other nodes: never, here. */
    onRemoteChange() {},
    close() {},
  };
}
