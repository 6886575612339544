// Runs the reference server: `node server/index.mjs` (PORT, HOST,
// ALLOWED_ORIGINS and HISTORY_FILE from the environment).
import { createServer } from './app.mjs';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const allowedOrigins = (process.env.ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);

const history = process.env.HISTORY_FILE ? { file: process.env.HISTORY_FILE } : {};
const server = await createServer({ port, host, allowedOrigins, history });
console.log(`wsnotify demo: ${server.url}`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing connections`);
  await server.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
