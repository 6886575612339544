// The reference server in a child process whose memory a test can watch:
// started by `fork` with the createServer options as JSON in argv[2]; it
// answers IPC messages:
//   { type: 'gc' }      → collects garbage, resets the peak; answers { memory }
//   { type: 'memory' }  → { memory: { current, peak }, metrics }
// Memory is heapUsed + external (Buffers and strings sent and queued), in
// bytes, of what is still referenced: sampled after a full collection every
// 100 ms (run with --expose-gc), so garbage not yet collected does not count.
import { createServer } from '../../server/app.mjs';

const server = await createServer({ ...JSON.parse(process.argv[2]), log: () => {} });
const used = () => {
  global.gc?.();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};
let peak = used();
setInterval(() => {
  peak = Math.max(peak, used());
}, 100);

process.on('message', (message) => {
  if (message.type === 'gc') {
    global.gc?.();
    peak = used();
  }
  process.send({ memory: { current: used(), peak: Math.max(peak, used()) }, metrics: server.metrics() });
});
process.on('disconnect', () => process.exit(0));
process.send({ wsUrl: server.wsUrl, port: server.port });
