// A real redis-server for tests: on a free loopback port, with its own
// temporary directory, append-only file fsynced every second (the
// durability RELIABILITY.md states), no snapshots. Fails with a clear
// message when redis-server is not installed; never skips.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** Throws unless redis-server can be run. */
export function requireRedisServer() {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${REDIS_SERVER} is not installed; the multi-node tests need it. ` +
      'Run `node scripts/bootstrap.mjs --browser` as root, or: sudo apt-get install -y redis-server');
  }
}

/**
 * Starts redis-server; resolves to { url, port, dir, kill(signal), start(), stop() }.
 * `start()` runs it again on the same port and directory (it reloads the
 * append-only file); `stop()` kills it and removes the directory.
 */
export async function startRedis() {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wsnotify-redis-'));
  let child = null;
  const start = async () => {
    child = spawn(REDIS_SERVER, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'everysec', '--dir', dir, '--daemonize', 'no', '--logfile', '',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`redis-server exited: ${output}`)));
    });
    child.stdout.resume();
  };
  const kill = async (signal = 'SIGKILL') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    start,
    async stop() {
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
