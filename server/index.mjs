// Runs the reference server: `node server/index.mjs [--dev] [--insecure-dev-identity]`.
//
// Environment: PORT, HOST, ALLOWED_ORIGINS (comma-separated origins),
// HISTORY_FILE, WSNOTIFY_TOKEN_SECRET (at least 32 bytes; required),
// WSNOTIFY_TOKEN_TTL_SECONDS, WSNOTIFY_DEV=1 (same as --dev),
// WSNOTIFY_INSECURE_DEV_IDENTITY=1 (same as --insecure-dev-identity).
// Several nodes: REDIS_URL (redis://host:port) shares routing, history,
// presence and chat rates through Redis (all nodes need the same
// WSNOTIFY_TOKEN_SECRET); WSNOTIFY_NODE_ID names the node,
// WSNOTIFY_PRESENCE_TTL_MS is how long a dead node's users stay online,
// WSNOTIFY_PUBSUB_CHECK_MS how often a node checks that its pub/sub
// connection still passes messages (5000).
// WSNOTIFY_CONNECTIONS_PER_ADDRESS caps connections per remote address
// (behind a load balancer or proxy, every client has the proxy's address).
// SIGTERM drains: clients are asked to reconnect elsewhere, spread over
// WSNOTIFY_DRAIN_MS (0: close at once); SIGINT closes at once.
//
// --dev (what `npm start` uses): turns on POST /dev/login, which issues a
// token to anybody, and draws a random secret when none is configured.
// --insecure-dev-identity: tokens are not checked at all (tests only).
// Without either, a missing secret is a start-up error (exit code 1).
import { createServer } from './app.mjs';
import { randomSecret } from './auth.mjs';

const flag = (name, variable) => process.argv.includes(name) || process.env[variable] === '1';
const dev = flag('--dev', 'WSNOTIFY_DEV');
const insecureDevIdentity = flag('--insecure-dev-identity', 'WSNOTIFY_INSECURE_DEV_IDENTITY');

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const allowedOrigins = (process.env.ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
const history = process.env.HISTORY_FILE ? { file: process.env.HISTORY_FILE } : {};
let tokenSecret = process.env.WSNOTIFY_TOKEN_SECRET || undefined;
if (dev && !tokenSecret) {
  tokenSecret = randomSecret();
  console.log('development mode: no WSNOTIFY_TOKEN_SECRET, using a random one (tokens end with this process)');
}
const tokenTtlSeconds = process.env.WSNOTIFY_TOKEN_TTL_SECONDS ? Number(process.env.WSNOTIFY_TOKEN_TTL_SECONDS) : undefined;
const numberFrom = (variable) => (process.env[variable] ? { value: Number(process.env[variable]) } : null);
const drainWindow = numberFrom('WSNOTIFY_DRAIN_MS');
const presenceTtl = numberFrom('WSNOTIFY_PRESENCE_TTL_MS');
const pubsubCheck = numberFrom('WSNOTIFY_PUBSUB_CHECK_MS');
const perAddress = numberFrom('WSNOTIFY_CONNECTIONS_PER_ADDRESS');

let server;
try {
  server = await createServer({
    port, host, allowedOrigins, history, tokenSecret, devLogin: dev, insecureDevIdentity,
    ...(tokenTtlSeconds ? { tokenTtlSeconds } : {}),
    redisUrl: process.env.REDIS_URL || undefined,
    nodeId: process.env.WSNOTIFY_NODE_ID || undefined,
    ...(drainWindow ? { drainWindowMs: drainWindow.value } : {}),
    ...(presenceTtl ? { presenceTtlMs: presenceTtl.value } : {}),
    ...(pubsubCheck ? { pubsubCheckMs: pubsubCheck.value } : {}),
    ...(perAddress ? { connections: { perAddress: perAddress.value } } : {}),
  });
} catch (error) {
  console.error(`wsnotify server: cannot start: ${error.message}`);
  if (!tokenSecret && !insecureDevIdentity) {
    console.error('Set WSNOTIFY_TOKEN_SECRET (e.g. `openssl rand -base64 32`), or use `npm start` for development.');
  }
  process.exit(1);
}
console.log(`wsnotify demo: ${server.url}`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  if (signal === 'SIGTERM') {
    console.log('SIGTERM: draining');
    await server.drain();
  } else {
    console.log(`${signal}: closing connections`);
    await server.close();
  }
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
