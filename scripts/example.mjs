// `npm run example:rust`: builds examples/rust_chat.rs (the Rust client in a
// plain wasm-bindgen page) and serves it next to the reference server until
// Ctrl-C; `npm run example:rust -- --leptos` does the same with
// examples/leptos-chat (a Leptos component, its own crate). The server runs
// in its insecure development identity mode (it prints a warning): the page
// connects as whichever user its URL names.
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';
import { fail, log, root, run } from './lib.mjs';
import { createStaticHandler } from '../server/static.mjs';

const TARGET = 'wasm32-unknown-unknown';
const EXAMPLES = {
  plain: {
    dir: join(root, 'examples', 'rust-chat'),
    build: ['build', '--release', '--target', TARGET, '--example', 'rust_chat'],
    wasm: join(root, 'target', TARGET, 'release', 'examples', 'rust_chat.wasm'),
    out: join(root, 'target', 'rust-chat-pkg'),
  },
  leptos: {
    dir: join(root, 'examples', 'leptos-chat'),
    build: ['build', '--release', '--target', TARGET, '--manifest-path', join(root, 'examples', 'leptos-chat', 'Cargo.toml')],
    wasm: join(root, 'examples', 'leptos-chat', 'target', TARGET, 'release', 'wsnotify-leptos-chat.wasm'),
    out: join(root, 'examples', 'leptos-chat', 'target', 'pkg'),
  },
};
const example = EXAMPLES[process.argv.includes('--leptos') ? 'leptos' : 'plain'];

await bootstrap();
// The server needs the npm packages that the bootstrap installs on a clean clone.
const { createServer } = await import('../server/app.mjs');
log(`building ${example.dir}`);
if (await run('cargo', example.build) !== 0) fail('cargo build failed');
if (await run('wasm-bindgen', ['--target', 'web', '--out-dir', example.out, '--out-name', 'rust_chat', example.wasm]) !== 0) {
  fail('wasm-bindgen failed');
}

const host = process.env.HOST ?? '127.0.0.1';
const page = createHttpServer(createStaticHandler([
  { prefix: '/pkg/', dir: example.out },
  { prefix: '/', dir: example.dir },
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
