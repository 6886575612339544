// `npm start`: bootstrap, build the package, run the demo server until Ctrl-C.
import { bootstrap } from './bootstrap.mjs';
import { build } from './build.mjs';
import { run } from './lib.mjs';

await bootstrap();
await build();
// The server prints its URL; Ctrl-C reaches it too, and it closes its clients cleanly.
process.on('SIGINT', () => {});
process.exit(await run(process.execPath, ['server/index.mjs']));
