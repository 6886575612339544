// Size of each entry as an app ships it on first load: bundled and minified
// with esbuild, with code splitting as app bundlers do it, plus the .wasm it
// fetches; raw bytes and gzip -9. A chunk that only a dynamic `import()`
// reaches (tab sharing) is fetched when an app uses it, not on first load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { root } from '../scripts/lib.mjs';

export const PEERS = ['reconnecting-websocket', 'partysocket', 'socket.io-client', 'centrifuge'];

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The files `contents` loads on first load: its entry chunk and the chunks it imports statically. */
async function bundle(contents, external = []) {
  const scratch = mkdtempSync(join(tmpdir(), 'wsnotify-size-'));
  try {
    const entry = join(scratch, 'entry.js');
    writeFileSync(entry, contents);
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      nodePaths: [join(root, 'node_modules')],
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      outdir: join(scratch, 'out'),
      write: false,
      metafile: true,
      external,
      logLevel: 'silent',
    });
    // The wasm glue fetches its module through `new URL(…, import.meta.url)`,
    // which esbuild leaves alone: the .wasm is counted on its own.
    const byPath = new Map(result.outputFiles.map((file) => [relative(root, file.path), file.contents]));
    const loaded = new Set();
    const visit = (path) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const { path: imported, kind } of result.metafile.outputs[path].imports) {
        if (kind === 'import-statement' && byPath.has(imported)) visit(imported);
      }
    };
    visit(Object.keys(result.metafile.outputs).find((path) => result.metafile.outputs[path].entryPoint));
    return [...loaded].map((path) => Buffer.from(byPath.get(path)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function measureSizes() {
  const pkg = join(root, 'pkg');
  const wasm = readFileSync(join(pkg, 'wsnotify_bg.wasm'));
  const rows = [];
  const add = (name, chunks, extra = null) => {
    const jsBytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    rows.push({
      name,
      jsBytes,
      wasmBytes: extra?.length ?? 0,
      rawBytes: jsBytes + (extra?.length ?? 0),
      gzipBytes: chunks.reduce((sum, chunk) => sum + gzip(chunk), 0) + (extra ? gzip(extra) : 0),
    });
  };
  add('wsnotify (core entry)', await bundle(`export * from ${JSON.stringify(join(pkg, 'index.js'))};`), wasm);
  add('wsnotify/react (without React)', await bundle(`export * from ${JSON.stringify(join(pkg, 'react.js'))};`, ['react']), wasm);
  // A peer counts as all it exports, as an app importing it would ship it.
  for (const peer of PEERS) {
    add(peer, await bundle(`import * as library from '${peer}'; globalThis.library = library;`));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await measureSizes());
}
