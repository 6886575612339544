// The page's Web Locks, which the tab election (tabs.js) and the owners of
// stored chats (persist.js) rely on.

/** The page's Web Locks, or null where there are none (insecure contexts, old browsers). */
export function webLocks() {
  const locks = typeof navigator === 'object' ? navigator.locks : undefined;
  return typeof locks?.request === 'function' ? locks : null;
}
