// Starts tests/support/test-server.mjs as a child process (Node built-ins only,
// so the test orchestrator can import this before npm packages exist).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'test-server.mjs');
const START_TIMEOUT_MS = 10_000;

/** Resolves to { ws, control, stop() } once the test server listens. */
export async function startTestServer() {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    const [first] = await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error('the test server exited before listening');
      }),
    ]);
    return {
      ...JSON.parse(first),
      async stop() {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      },
    };
  } finally {
    clearTimeout(timer);
  }
}
