// Symbol-keyed members the package's modules share (index.js, tabs.js and,
// handed over by index.js, persist.js), out of the application's sight.
export const REPORT = Symbol('wsnotify.report');
export const RESTORED = Symbol('wsnotify.restored');
