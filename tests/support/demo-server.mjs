// The reference server as `npm start` runs it for the demo: signed tokens
// from its development login.
import { createServer } from '../../server/app.mjs';

/** The reference server with the demo's login, on a free port. */
export function createDemoServer() {
  return createServer({ port: 0, tokenSecret: 'demo-test-secret-of-at-least-32-bytes', devLogin: true, log: () => {} });
}
