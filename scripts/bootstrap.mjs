// Installs what `npm start` and `npm test` need and skips what is present:
// the wasm32 target, the pinned nightly the npm module is built with (with
// its standard library's source), wasm-bindgen-cli at the version in Cargo.lock, the npm
// packages and, for tests, Debian's Chromium and ChromeDriver and Debian's
// redis-server (the multi-node tests start their own).
//
//   node scripts/bootstrap.mjs           # what `npm start` needs
//   node scripts/bootstrap.mjs --browser # plus the browser and Redis for tests
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail, isPresent, log, probe, releaseToolchain, root, run, toolEnv } from './lib.mjs';

const WASM_TARGET = 'wasm32-unknown-unknown';
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMEDRIVER = '/usr/bin/chromedriver';
export const REDIS_SERVER = '/usr/bin/redis-server';

/** The version of `crate` recorded in a Cargo.lock text, or null. */
export function lockedVersion(lockText, crate) {
  for (const block of lockText.split(/\n\[\[package\]\]\n/)) {
    const name = /^name = "([^"]+)"$/m.exec(block)?.[1];
    if (name === crate) return /^version = "([^"]+)"$/m.exec(block)?.[1] ?? null;
  }
  return null;
}

/** The version printed by `wasm-bindgen --version` ("wasm-bindgen 0.2.130 (…)"), or null. */
export function reportedVersion(output) {
  return /^\S+ (\d+\.\d+\.\d+)/.exec(output ?? '')?.[1] ?? null;
}

async function ensureRust() {
  if (!probe('cargo', ['--version'])) {
    fail('cargo is not installed. Install Rust with rustup (https://rustup.rs), then run this again.');
  }
  const targets = probe('rustup', ['target', 'list', '--installed']);
  if (targets === null) {
    fail(`rustup is not installed, so the ${WASM_TARGET} target cannot be added.\n` +
      `Install Rust with rustup (https://rustup.rs), then run: rustup target add ${WASM_TARGET}`);
  }
  if (targets.split('\n').includes(WASM_TARGET)) return;
  log(`installing the Rust target ${WASM_TARGET}`);
  if (await run('rustup', ['target', 'add', WASM_TARGET]) !== 0) {
    fail(`could not add the target. Run: rustup target add ${WASM_TARGET}`);
  }
}

/** The release toolchain, with the wasm32 standard library and its source (for `-Zbuild-std`). */
async function ensureReleaseToolchain() {
  const toolchain = releaseToolchain();
  const installed = probe('rustup', ['component', 'list', '--toolchain', toolchain, '--installed'])?.split('\n') ?? [];
  if (installed.includes('rust-src') && installed.some((line) => line.startsWith(`rust-std-${WASM_TARGET}`))) return;
  log(`installing the Rust toolchain ${toolchain} the npm module is built with`);
  const args = ['toolchain', 'install', toolchain, '--profile', 'minimal', '--component', 'rust-src', '--target', WASM_TARGET];
  if (await run('rustup', args) !== 0) fail(`could not install the toolchain. Run: rustup ${args.join(' ')}`);
}

async function ensureWasmBindgen() {
  const version = lockedVersion(readFileSync(join(root, 'Cargo.lock'), 'utf8'), 'wasm-bindgen');
  if (!version) fail('Cargo.lock names no wasm-bindgen version.');
  const cli = reportedVersion(probe('wasm-bindgen', ['--version']));
  const runner = reportedVersion(probe('wasm-bindgen-test-runner', ['--version']));
  if (cli === version && runner === version) return;
  log(`installing wasm-bindgen-cli ${version} (found ${cli ?? 'none'}); this compiles for a few minutes, once`);
  const args = ['install', 'wasm-bindgen-cli', '--version', version, '--force'];
  if (await run('cargo', args) !== 0) fail(`could not install wasm-bindgen-cli. Run: cargo ${args.join(' ')}`);
}

async function ensureNpmPackages() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = join(root, 'node_modules', '.wsnotify-lock-sha256');
  if (isPresent(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  log('installing npm packages (npm ci)');
  if (await run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) fail('npm ci failed. Run: npm ci');
  writeFileSync(stamp, digest);
}

async function ensureBrowser() {
  if (isPresent(CHROMIUM) && isPresent(CHROMEDRIVER)) return;
  const command = 'apt-get install -y chromium chromium-driver';
  if (process.getuid?.() !== 0) fail(`Chromium is needed for the browser tests. Run: sudo apt-get update && sudo ${command}`);
  log('installing Debian\'s chromium and chromium-driver');
  const env = { ...toolEnv, DEBIAN_FRONTEND: 'noninteractive' };
  if (await run('apt-get', ['update'], { env }) !== 0 ||
      await run('apt-get', command.split(' ').slice(1), { env }) !== 0) {
    fail(`could not install Chromium. Run: apt-get update && ${command}`);
  }
}

async function ensureRedis() {
  if (isPresent(REDIS_SERVER) || probe('redis-server', ['--version'])) return;
  const command = 'apt-get install -y redis-server';
  if (process.getuid?.() !== 0) fail(`redis-server is needed for the multi-node tests. Run: sudo apt-get update && sudo ${command}`);
  log('installing Debian\'s redis-server');
  const env = { ...toolEnv, DEBIAN_FRONTEND: 'noninteractive' };
  if (await run('apt-get', ['update'], { env }) !== 0 ||
      await run('apt-get', command.split(' ').slice(1), { env }) !== 0) {
    fail(`could not install redis-server. Run: apt-get update && ${command}`);
  }
  // Only the binary is wanted: the tests start their own servers.
  await run('sh', ['-c', 'systemctl disable --now redis-server 2>/dev/null || service redis-server stop 2>/dev/null || true'], { env });
}

/** `browser`: also what the tests need (Chromium, ChromeDriver, redis-server). */
export async function bootstrap({ browser = false, redis = browser } = {}) {
  await ensureRust();
  await ensureReleaseToolchain();
  await ensureWasmBindgen();
  await ensureNpmPackages();
  if (browser) await ensureBrowser();
  if (redis) await ensureRedis();
  log('toolchain ready');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bootstrap({ browser: process.argv.includes('--browser') });
}
