// `npm test`: every check and test suite, in order, stopping at the first
// failure, ending with one line `N passed, N failed`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, CHROMEDRIVER } from './bootstrap.mjs';
import { log, root, runCaptured, toolEnv } from './lib.mjs';
import { startTestServer } from '../tests/support/test-server-process.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';

/** Sums cargo's `test result: … N passed; M failed` lines. */
export function cargoCounts(output) {
  let passed = 0;
  let failed = 0;
  for (const match of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(match[1]);
    failed += Number(match[2]);
  }
  return { passed, failed };
}

/** Reads the `ℹ pass N` / `ℹ fail N` totals of node's spec reporter. */
export function nodeCounts(output) {
  const total = (word) => Number(new RegExp(`^\\S* ?${word} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  return { passed: total('pass'), failed: total('fail') };
}

// A lint or build step counts as one check.
const checkCounts = ({ code }) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });

function testFiles(dir) {
  const path = join(root, 'tests', dir);
  return readdirSync(path).filter((name) => name.endsWith('.test.mjs')).sort().map((name) => join(path, name));
}

const steps = [
  { name: 'cargo fmt --check', command: 'cargo', args: ['fmt', '--all', '--', '--check'], count: checkCounts },
  { name: 'clippy (host)', command: 'cargo', args: ['clippy', '--all-targets', '--', '-D', 'warnings'], count: checkCounts },
  {
    name: `clippy (${WASM_TARGET})`,
    command: 'cargo',
    // With the Rust client's `serde` feature, so that its typed frames are checked too.
    args: ['clippy', '--all-targets', '--target', WASM_TARGET, '--features', 'serde', '--', '-D', 'warnings'],
    count: checkCounts,
  },
  { name: 'native Rust tests', command: 'cargo', args: ['test'], count: ({ output }) => cargoCounts(output) },
  {
    name: 'wasm-bindgen-test in headless Chromium (the JS API and the Rust client)',
    command: 'cargo',
    args: ['test', '--target', WASM_TARGET, '--features', 'serde', '--test', 'web', '--test', 'rust_client'],
    count: ({ output }) => cargoCounts(output),
    async env() {
      const server = await startTestServer();
      return {
        env: {
          ...toolEnv,
          WSNOTIFY_TEST_WS: server.ws,
          WSNOTIFY_TEST_CONTROL: server.control,
          CHROMEDRIVER,
          WASM_BINDGEN_TEST_TIMEOUT: '300',
        },
        cleanup: () => server.stop(),
      };
    },
  },
  {
    name: 'the Rust client example (examples/rust_chat.rs)',
    command: 'cargo',
    args: ['build', '--target', WASM_TARGET, '--example', 'rust_chat'],
    count: checkCounts,
  },
  { name: 'npm package build', command: process.execPath, args: [join(root, 'scripts', 'build.mjs')], count: checkCounts },
  {
    name: 'JS and end-to-end tests',
    command: process.execPath,
    args: ['--test', '--test-reporter=spec', '--test-concurrency=1', ...testFiles('js'), ...testFiles('e2e')],
    count: ({ output }) => nodeCounts(output),
  },
];

async function runStep(step) {
  const { env, cleanup } = step.env ? await step.env() : { env: toolEnv, cleanup: () => {} };
  try {
    const { code, output } = await runCaptured(step.command, step.args, { env });
    const result = step.count({ code, output });
    // A non-zero exit is a failure even if no test result line says so.
    if (code !== 0 && result.failed === 0) result.failed = 1;
    return result;
  } finally {
    await cleanup();
  }
}

await bootstrap({ browser: true });
let passed = 0;
let failed = 0;
for (const step of steps) {
  log(`── ${step.name}`);
  const result = await runStep(step);
  passed += result.passed;
  failed += result.failed;
  if (result.failed > 0) {
    log(`${step.name} failed; stopping`);
    break;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
