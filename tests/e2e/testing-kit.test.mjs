// wsnotify/testing as a user's project uses it: `npm pack ./pkg`, the tarball
// installed into tests/testing/fixture, whose tests (the README's three
// examples and the kit's own tests) run in Vitest with jsdom, with happy-dom
// and in headless Chromium (Vitest's browser mode), whose Jest tests run in
// Jest with jsdom and its modern fake timers, and whose TypeScript consumer
// of every export type-checks.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../scripts/lib.mjs';
import { installPackedPackage } from '../support/packed-package.mjs';

const fixture = join(root, 'tests', 'testing', 'fixture');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const RUN_TIMEOUT_MS = 240_000;
/** Every test file of the fixture, with how many tests it holds. */
const EXPECTED = {
  'ConnectionBanner.test.jsx': 1,
  'Composer.test.jsx': 2,
  'close-policy.test.js': 11,
  'hooks.test.jsx': 13,
  'kit.test.js': 28,
};
/** The Jest tests of the fixture. */
const EXPECTED_JEST = { 'kit.test.mjs': 8 };
let scratch;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-testing-'));
  installPackedPackage(fixture, scratch);
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs `vitest run` in the fixture with `args`; resolves to its JSON report. */
function runVitest(name, args) {
  const report = join(scratch, `${name}.json`);
  return runReporting([vitest, 'run', '--reporter=json', `--outputFile=${report}`, ...args], report);
}

/** Runs Jest (ESM through Node's VM modules) in the fixture; resolves to its JSON report. */
function runJest() {
  const report = join(scratch, 'jest.json');
  return runReporting(['--experimental-vm-modules', jest, '--config', 'jest.config.mjs', '--json', `--outputFile=${report}`], report);
}

/** Runs Node with `args` in the fixture; resolves to the JSON report written to `report`, killing it past RUN_TIMEOUT_MS. */
function runReporting(args, report) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: fixture,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let parsed = null;
      try {
        parsed = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        // No report: the run failed before testing; the output says why.
      }
      resolve({ code, signal, output, report: parsed });
    });
  });
}

/** Asserts that every fixture test ran and passed, file by file. */
function assertAllPassed({ code, signal, output, report }, expected = EXPECTED) {
  assert.ok(report, `vitest wrote no report (exit ${code ?? signal}):\n${output.slice(-4000)}`);
  const failures = report.testResults.flatMap((file) => file.assertionResults
    .filter((result) => result.status !== 'passed')
    .map((result) => `${result.fullName}: ${result.status} ${result.failureMessages.join('\n').slice(0, 600)}`));
  assert.deepEqual(failures, [], `failing tests:\n${failures.join('\n')}\n${output.slice(-2000)}`);
  const counts = Object.fromEntries(report.testResults.map((file) => [file.name.split('/').pop(), file.assertionResults.length]));
  assert.deepEqual(counts, expected);
  assert.equal(code, 0, output.slice(-2000));
}

test('Vitest with jsdom runs the three README examples and the kit’s own tests, all green', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
  assertAllPassed(await runVitest('jsdom', []));
});

test('the same tests pass with happy-dom', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
  assertAllPassed(await runVitest('happy-dom', ['--config', 'vitest.happy-dom.config.mjs']));
});

test('Jest with jsdom and modern fake timers: backoff, close codes, page signals and a rendered hook', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
  assertAllPassed(await runJest(), EXPECTED_JEST);
});

test('the same tests pass in headless Chromium (Vitest browser mode, Playwright)', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
  // kit.test.js checks that it runs in Chromium, not in Node.
  assertAllPassed(await runVitest('chromium', ['--config', 'vitest.browser.config.mjs']));
});

test('tsc --noEmit passes on a TypeScript consumer of every export of wsnotify/testing, from the installed tarball', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  let failure = null;
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '-p', join(fixture, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    failure = `${error.stdout}${error.stderr}`;
  }
  assert.equal(failure, null, `tsc failed:\n${failure}`);
});
