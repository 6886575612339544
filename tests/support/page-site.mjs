// Loopback HTTP servers for test pages: a page's folder with the built
// package under /pkg/, or a folder an app was built into.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';
import { createStaticHandler } from '../../server/static.mjs';

/** Serves `routes` (`{ prefix, dir }`, first match wins) on a free port; resolves to `{ url, close() }`. */
async function serve(routes) {
  const site = createServer(createStaticHandler(routes));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${site.address().port}`, close: () => site.close() };
}

/** Serves tests/`page`/ and pkg/ on a free port; resolves to `{ url, close() }`. */
export function servePage(page) {
  return serve([
    { prefix: '/pkg/', dir: join(root, 'pkg') },
    { prefix: '/', dir: join(root, 'tests', page) },
  ]);
}

/** Serves `dir` (an app's build output) at / on a free port; resolves to `{ url, close() }`. */
export function serveBuild(dir) {
  return serve([{ prefix: '/', dir }]);
}
