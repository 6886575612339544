// Builds the npm package into pkg/:
//   cargo build (wasm32, release, on the pinned nightly with panics that
//   abort at once, without reference types) → wasm-bindgen --target web → wasm-opt -Oz
//   → short names for the imports and internal exports (short-names.mjs)
//   → merge pkg-template/ (version taken from Cargo.toml).
// Cargo is incremental by itself; the bindgen and wasm-opt steps are skipped
// when neither the compiled .wasm nor the template changed since the last build.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fail, isPresent, log, releaseToolchain, root, run, toolEnv } from './lib.mjs';
import { shortenNames } from './short-names.mjs';

const TARGET = 'wasm32-unknown-unknown';
// A target directory of its own: the module's flags differ from the stable
// builds' (tests, lints), and sharing one would rebuild both every time.
const moduleTargetDir = join(root, 'target', 'module');
const compiledWasm = join(moduleTargetDir, TARGET, 'release', 'wsnotify.wasm');
const bindgenDir = join(root, 'target', 'wsnotify-bindgen');
const templateDir = join(root, 'pkg-template');
export const pkgDir = join(root, 'pkg');
const stampFile = join(root, 'target', 'wsnotify-pkg.sha256');

/** The `version` of the [package] table of a Cargo.toml text. */
export function crateVersion(cargoToml) {
  const pkg = /^\[package\]$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(cargoToml)?.[1] ?? '';
  const version = /^version\s*=\s*"([^"]+)"/m.exec(pkg)?.[1];
  if (!version) throw new Error('Cargo.toml has no [package] version');
  return version;
}

function inputsDigest(version) {
  // The scripts are inputs too: a change to how pkg/ is assembled rebuilds it.
  const hash = createHash('sha256').update(version).update(readFileSync(compiledWasm))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(fileURLToPath(new URL('./short-names.mjs', import.meta.url))));
  for (const name of readdirSync(templateDir).sort()) {
    hash.update(name).update(readFileSync(join(templateDir, name)));
  }
  return hash.digest('hex');
}

export async function build() {
  const toolchain = releaseToolchain();
  log(`compiling the crate for wasm32 (release, ${toolchain})`);
  // The standard library is rebuilt so that a panic aborts at once: no panic
  // message is formatted, so no formatting machinery is linked for it. Its
  // `optimize_for_size` feature picks the smaller variants of its own
  // algorithms (sorting, string searching) for the same reason.
  // Without reference types, wasm-bindgen hands JS values to the module as
  // indices into a JS array instead of through an externref table: every
  // import call then needs less code on the wasm side than the table's
  // bookkeeping, more than the few lines the glue gains. With no location
  // detail, the source paths that `#[track_caller]` functions (wasm-bindgen's
  // `unwrap_throw`, `RefCell` borrows) keep for their messages are left out.
  const env = { ...toolEnv, RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-reference-types -Zlocation-detail=none' };
  const args = [`+${toolchain}`, 'build', '--lib', '--release', '--target', TARGET, '--target-dir', moduleTargetDir,
    '-Zbuild-std=std,panic_abort', '-Zbuild-std-features=optimize_for_size'];
  if (await run('cargo', args, { env }) !== 0) fail('cargo build failed');

  const version = crateVersion(readFileSync(join(root, 'Cargo.toml'), 'utf8'));
  const digest = inputsDigest(version);
  if (isPresent(join(pkgDir, 'package.json')) && isPresent(stampFile) &&
      readFileSync(stampFile, 'utf8') === digest) {
    log('pkg/ is up to date');
    return;
  }

  rmSync(bindgenDir, { recursive: true, force: true });
  // `encodeInto` is in every browser the client runs in (its argument checks
  // need `String.prototype.isWellFormed`, which came later): the glue needs
  // no fallback for it.
  if (await run('wasm-bindgen', ['--target', 'web', '--encode-into', 'always', '--out-dir', bindgenDir, '--out-name', 'wsnotify', compiledWasm]) !== 0) {
    fail('wasm-bindgen failed');
  }

  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir);
  log('optimising with wasm-opt -Oz');
  const optimised = join(pkgDir, 'wsnotify_bg.wasm');
  // rustc's wasm32 target emits these post-MVP features by default (reference
  // types are turned off above); wasm-opt has to be allowed to keep them.
  const features = ['--enable-bulk-memory', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
    '--enable-sign-ext', '--enable-multivalue'];
  // The function-name section (a large part of the module), the producers section
  // and the target-features section are for debuggers and linkers, not for
  // the people downloading the package.
  const strip = ['--strip-debug', '--strip-producers', '--strip-target-features'];
  // The linker puts the stack first, growing down from 1 MiB, with the data
  // and the heap above it: the module never touches its first 1 KiB, which
  // lets wasm-opt fold address arithmetic (`--low-memory-unused`).
  if (await run('wasm-opt', ['-Oz', '--low-memory-unused', ...features, ...strip, join(bindgenDir, 'wsnotify_bg.wasm'), '-o', optimised]) !== 0) {
    fail('wasm-opt failed');
  }
  const read = (name) => readFileSync(join(bindgenDir, name), 'utf8');
  const { wasm, glue, declarations: [moduleTypes, glueTypes] } = shortenNames(readFileSync(optimised), read('wsnotify.js'),
    [read('wsnotify_bg.wasm.d.ts'), read('wsnotify.d.ts')]);
  writeFileSync(optimised, wasm);
  writeFileSync(join(pkgDir, 'wsnotify.js'), glue);
  writeFileSync(join(pkgDir, 'wsnotify_bg.wasm.d.ts'), moduleTypes);
  // The generated classes declare `[Symbol.dispose]`; referencing its lib here
  // lets consumers type-check with any `lib` setting.
  writeFileSync(join(pkgDir, 'wsnotify.d.ts'), `/// <reference lib="esnext.disposable" />\n${glueTypes}`);
  cpSync(templateDir, pkgDir, { recursive: true });
  const manifest = join(pkgDir, 'package.json');
  const pkgJson = JSON.parse(readFileSync(manifest, 'utf8'));
  pkgJson.version = version;
  writeFileSync(manifest, `${JSON.stringify(pkgJson, null, 2)}\n`);
  cpSync(join(root, 'LICENSE'), join(pkgDir, 'LICENSE'));

  writeFileSync(stampFile, digest);
  log(`built pkg/ (wsnotify ${version})`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build();
}
