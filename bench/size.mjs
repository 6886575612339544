// Size of each entry as an app ships it: bundled and minified with esbuild,
// plus the .wasm it fetches; raw bytes and gzip -9.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { root } from '../scripts/lib.mjs';

export const PEERS = ['reconnecting-websocket', 'partysocket', 'socket.io-client', 'centrifuge'];

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundle(contents, external = []) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external,
    logLevel: 'silent',
  });
  // The wasm glue fetches its module through `new URL(…, import.meta.url)`,
  // which esbuild leaves alone: the .wasm is counted on its own.
  return Buffer.from(result.outputFiles[0].contents);
}

export async function measureSizes() {
  const pkg = join(root, 'pkg');
  const wasm = readFileSync(join(pkg, 'wsnotify_bg.wasm'));
  const rows = [];
  const add = (name, js, extra = null) => rows.push({
    name,
    jsBytes: js.length,
    wasmBytes: extra?.length ?? 0,
    rawBytes: js.length + (extra?.length ?? 0),
    gzipBytes: gzip(js) + (extra ? gzip(extra) : 0),
  });
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
