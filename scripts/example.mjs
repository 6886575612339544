// `npm run example:rust`: builds examples/rust_chat.rs (the Rust client in a
// plain wasm-bindgen page) and serves it next to the reference server until
// Ctrl-C. The server runs in its insecure development identity mode (it
// prints a warning): the page connects as whichever user its URL names.
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';
import { fail, log, root, run } from './lib.mjs';
import { createServer } from '../server/app.mjs';
import { createStaticHandler } from '../server/static.mjs';

const TARGET = 'wasm32-unknown-unknown';
const out = join(root, 'target', 'rust-chat-pkg');

await bootstrap();
log('building examples/rust_chat.rs');
if (await run('cargo', ['build', '--release', '--target', TARGET, '--example', 'rust_chat']) !== 0) fail('cargo build failed');
const wasm = join(root, 'target', TARGET, 'release', 'examples', 'rust_chat.wasm');
if (await run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'rust_chat', wasm]) !== 0) fail('wasm-bindgen failed');

const host = process.env.HOST ?? '127.0.0.1';
const page = createHttpServer(createStaticHandler([
  { prefix: '/pkg/', dir: out },
  { prefix: '/', dir: join(root, 'examples', 'rust-chat') },
]));
await new Promise((resolve) => page.listen(Number(process.env.PORT ?? 8081), host, resolve));
const pageUrl = `http://${host}:${page.address().port}`;
const server = await createServer({ host, port: 0, allowedOrigins: [pageUrl], insecureDevIdentity: true });
console.log(`wsnotify Rust example: ${pageUrl}/?ws=${encodeURIComponent(server.wsUrl)}&user=ada`);
console.log('open it in two tabs with different user= to chat; Ctrl-C stops');
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.close();
    page.close();
    process.exit(0);
  });
}
