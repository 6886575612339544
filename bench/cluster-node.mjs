// One reference server node for bench/cluster.mjs, in a process of its own:
// createServer options as JSON in argv[2]; prints its port as one JSON line.
import { createServer } from '../server/app.mjs';

const server = await createServer({ ...JSON.parse(process.argv[2]), log: () => {} });
console.log(JSON.stringify({ port: server.port }));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
