// Symbol-keyed members the package's modules share (index.js, tabs.js and,
// handed over by index.js, persist.js; react.js), out of the application's sight.
export const REPORT = Symbol('wsnotify.report');
export const RESTORED = Symbol('wsnotify.restored');
/**
 * `client[RELEASE](report)` closes the client for a successor (react.js, at
 * an unmount or a restart): what it holds fails and each error goes to
 * `report`. With `persist`, the chats its store keeps for the next client
 * stay stored and are not reported: that is not the application's close.
 */
export const RELEASE = Symbol('wsnotify.release');
