// `npm start`: bootstrap, build the package, run the demo server in development
// mode (--dev: the login endpoint is on, see server/index.mjs) until Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';
import { build } from './build.mjs';
import { root } from './lib.mjs';

await bootstrap();
await build();
const server = spawn(process.execPath, [join(root, 'server', 'index.mjs'), '--dev'], { cwd: root, stdio: 'inherit' });
// The server closes its clients with 1001 and exits on either signal.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
