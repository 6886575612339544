// The benchmark page (bench/page/) served over HTTP with a package build
// under /pkg/ and the peers bundled under /vendor/.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as bundle } from 'esbuild';
import { root } from '../scripts/lib.mjs';
import { createStaticHandler } from '../server/static.mjs';

/** Serves the page with the package in `pkgDir`; `close()` stops it and removes the peers' bundle. */
export async function serveBenchPage(pkgDir) {
  const scratch = mkdtempSync(join(tmpdir(), 'wsnotify-bench-'));
  await bundle({
    entryPoints: [join(root, 'bench', 'page', 'peers.js')],
    bundle: true, minify: true, format: 'esm', platform: 'browser', outfile: join(scratch, 'peers.js'), logLevel: 'warning',
  });
  const files = createStaticHandler([
    { prefix: '/pkg/', dir: pkgDir },
    { prefix: '/vendor/', dir: scratch },
    { prefix: '/', dir: join(root, 'bench', 'page') },
  ]);
  // A cross-origin-isolated page gets a 5 µs `performance.now()` instead of
  // 100 µs: round trips of half a millisecond need it to be told apart.
  const site = createHttpServer((request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    files(request, response);
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${site.address().port}/`,
    close() {
      site.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
