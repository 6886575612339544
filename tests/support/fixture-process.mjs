// A fixture server of tests/fixtures/servers/ as a separate process on a
// fixed port, so a test can SIGKILL it and start it again where the client
// expects it. Reads the trace lines the fixture prints: what it received and
// what it sent, across restarts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';

/**
 * Starts fixture `name` on `port` with extra `env`; resolves once it listens
 * to `{ url, trace, start(), kill() }`. `trace` holds every traced line of
 * every run: `{ event: 'connection' | 'received' | 'sent' | 'close', data, binary }`.
 */
export async function startFixture(name, port, env = {}) {
  const trace = [];
  let child = null;
  async function start() {
    child = spawn(process.execPath, [join(root, 'tests', 'fixtures', 'servers', `${name}.mjs`)], {
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const listening = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fixture ${name} did not start`)), 10_000);
      child.once('exit', (code) => reject(new Error(`fixture ${name} exited with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (text) => {
        const entry = JSON.parse(text);
        if (entry.event === 'listening') {
          clearTimeout(timer);
          resolve();
        } else {
          trace.push(entry);
        }
      });
    });
    await listening;
  }
  await start();
  return {
    url: `ws://127.0.0.1:${port}/`,
    trace,
    /** The data of the traced lines of `event`. */
    of: (event) => trace.filter((entry) => entry.event === event),
    start,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
