// Helpers shared by the bootstrap, build, start and test scripts.
// Node built-ins only: these run before `npm ci` has installed anything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// cargo-installed tools (wasm-bindgen) live in $CARGO_HOME/bin, which a
// non-login shell or CI may not have on PATH.
const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
const nodeBin = join(root, 'node_modules', '.bin');
export const toolEnv = {
  ...process.env,
  PATH: [nodeBin, cargoBin, process.env.PATH ?? ''].join(delimiter),
};

export function log(message) {
  console.log(`wsnotify: ${message}`);
}

/** Runs a command with inherited output; resolves to its exit code. */
export function run(command, args, { env = toolEnv, cwd = root } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`wsnotify: cannot run ${command}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Runs a command, echoing its output while also capturing it (the test
 * summary is read from it). Resolves to { code, output }.
 */
export function runCaptured(command, args, { env = toolEnv, cwd = root } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('error', (error) => resolve({ code: 127, output: error.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** Runs a command quietly; resolves to its trimmed stdout, or null if it failed. */
export function probe(command, args) {
  const result = spawnSync(command, args, { env: toolEnv, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

export function fail(message) {
  console.error(`\nwsnotify: ${message}`);
  process.exit(1);
}

export const isPresent = (path) => existsSync(path);

/**
 * The toolchain the npm module is built with: `release-toolchain` in
 * Cargo.toml's `[package.metadata.wsnotify]`, which says why.
 */
export function releaseToolchain() {
  const cargoToml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const toolchain = /^release-toolchain\s*=\s*"([^"]+)"/m.exec(cargoToml)?.[1];
  if (!toolchain) throw new Error('Cargo.toml names no release-toolchain in [package.metadata.wsnotify]');
  return toolchain;
}
