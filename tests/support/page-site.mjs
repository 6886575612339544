// A loopback HTTP server for a test page: the built package under /pkg/ and
// the page's own folder under /.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';
import { createStaticHandler } from '../../server/static.mjs';

/** Serves tests/`page`/ and pkg/ on a free port; resolves to `{ url, close() }`. */
export async function servePage(page) {
  const site = createServer(createStaticHandler([
    { prefix: '/pkg/', dir: join(root, 'pkg') },
    { prefix: '/', dir: join(root, 'tests', page) },
  ]));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${site.address().port}`, close: () => site.close() };
}
