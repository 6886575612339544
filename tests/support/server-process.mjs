// The reference server as a separate process on a fixed port, so a test can
// kill it and start it again where the page expects it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';

/** A port that was free a moment ago. */
export async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts `node server/index.mjs` on `port` with extra `env`; resolves once it
 * listens. Unless `env` says otherwise, the server runs in the documented
 * insecure dev identity mode (tests of client behaviour connect as anybody);
 * pass `WSNOTIFY_INSECURE_DEV_IDENTITY: ''` and a secret to test the real thing.
 */
export async function startServerProcess(port, env = {}) {
  const child = spawn(process.execPath, [join(root, 'server', 'index.mjs')], {
    env: { ...process.env, WSNOTIFY_INSECURE_DEV_IDENTITY: '1', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('wsnotify demo:')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`server exited: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    /** What the server printed so far (its log). */
    output: () => output,
    /** Sends `signal` without waiting (SIGSTOP, SIGCONT). */
    signal: (signal) => child.kill(signal),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
