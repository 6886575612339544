// `npm run bench`: size, receive and send throughput, round trips and memory
// of wsnotify against a raw WebSocket and the peers, in one Chromium run.
// Prints a markdown table, writes bench/results.json and BENCHMARKS.md.
// Bounded: each measurement has a deadline, the whole run at most 20 minutes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { bootstrap, CHROMIUM } from '../scripts/bootstrap.mjs';
import { build } from '../scripts/build.mjs';
import { log, root } from '../scripts/lib.mjs';
import { median } from './stats.mjs';

const N = Number(process.env.BENCH_N ?? 100_000);
// Five rounds, not three: from one 100,000-message run to the next the same
// contestant's rate moves (bench/findings.md, "How the benchmark is run"),
// and the median of more runs moves less. (Seven would risk the 20-minute
// bound when the machine is slow.)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Unmeasured messages each contestant receives and sends before the first
// round, so that no one's first measured run pays for JIT and wasm tier-up.
const WARM_UP = Math.min(10_000, N);
const ROUND_TRIPS = 1_000;
// Round trips are taken in 100 interleaved blocks of 10 per contestant
// (see `roundTrips` in bench/page/bench.js), after 100 unmeasured ones: in
// one run per contestant, the p50 of the same client moved from run to run
// by more than the differences being measured (bench/findings.md).
const ROUND_TRIP_BLOCKS = 100;
const ROUND_TRIP_WARM_UP = 100;
const RECONNECTS = 1_000;
const deadline = setTimeout(() => {
  console.error('bench: over 20 minutes, giving up');
  process.exit(2);
}, 20 * 60_000);
deadline.unref();

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

await bootstrap({ browser: true });
// These modules import npm packages, which the bootstrap installs on a clean clone.
const { launchBrowser } = await import('../tests/support/browser.mjs');
const { clusterTable, measureCluster } = await import('./cluster.mjs');
const { startBenchServers } = await import('./servers.mjs');
const { serveBenchPage } = await import('./site.mjs');
const { measureSizes } = await import('./size.mjs');
await build();

log('measuring sizes');
const sizes = await measureSizes();

const site = await serveBenchPage(join(root, 'pkg'));
const servers = await startBenchServers(N);
const browser = await launchBrowser();
const page = await browser.newPage();
page.on('pageerror', (error) => console.error(`bench page: ${error.message}`));
await page.goto(site.url);
await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
const contestants = await page.evaluate(() => window.contestants);
if (!await page.evaluate(() => window.crossOriginIsolated)) {
  console.error('bench: the page is not cross-origin isolated; round trips are measured to 100 µs only');
}
const urls = { ws: servers.wsUrl, io: servers.ioUrl };
const timeout = { timeout: 120_000 };

const receive = Object.fromEntries(contestants.map((name) => [name, []]));
const send = Object.fromEntries(contestants.map((name) => [name, []]));
log(`warming up: ${WARM_UP} messages each way per contestant`);
for (const name of contestants) {
  await page.evaluate(([c, u, n]) => window.receive(c, u, n), [name, urls, WARM_UP], timeout);
  await page.evaluate(([c, u, n]) => window.send(c, u, n), [name, urls, WARM_UP], timeout);
}
for (let round = 0; round < ROUNDS; round += 1) {
  // Rotate the order, and reverse it every other round, so that no
  // contestant always runs first or always follows the same one (whose
  // garbage the next run's collector may pay for).
  const rotated = contestants.map((_, i) => contestants[(i + round) % contestants.length]);
  const order = round % 2 ? rotated.reverse() : rotated;
  for (const name of order) {
    log(`round ${round + 1}/${ROUNDS}: ${name}`);
    receive[name].push(await page.evaluate(([c, u, n]) => window.receive(c, u, n), [name, urls, N], timeout));
    send[name].push(await page.evaluate(([c, u, n]) => window.send(c, u, n), [name, urls, N], timeout));
  }
}
log(`round trips: ${ROUND_TRIPS} per contestant, interleaved`);
const roundTrips = await page.evaluate(([names, u, plan]) => window.roundTrips(names, u, plan), [contestants, urls, {
  warmUp: ROUND_TRIP_WARM_UP, blocks: ROUND_TRIP_BLOCKS, perBlock: ROUND_TRIPS / ROUND_TRIP_BLOCKS,
}], timeout);

log('measuring memory');
const cdp = await page.context().newCDPSession(page);
const heap = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
};
await page.evaluate((u) => window.memory.open(u), urls);
await page.evaluate(() => window.memory.flood(1000));
const heapBefore = await heap();
const wasmBefore = await page.evaluate(() => window.wasmMemoryBytes());
await page.evaluate((n) => window.memory.flood(n), N, timeout);
const heapAfterMessages = await heap();
const wasmAfterMessages = await page.evaluate(() => window.wasmMemoryBytes());
await page.evaluate((k) => window.memory.reconnect(k), RECONNECTS, timeout);
const wasmAfterReconnects = await page.evaluate(() => window.wasmMemoryBytes());
await page.evaluate(() => window.memory.close());

await browser.close();
await servers.close();
site.close();

log('multi-node: the reference server in memory, over Redis, on one and two nodes');
const cluster = await measureCluster();

const raw = 'raw WebSocket';
const summary = (samples) => ({ median: median(samples), min: Math.min(...samples), max: Math.max(...samples) });
const throughput = (table) => Object.fromEntries(Object.entries(table).map(([name, samples]) => {
  const s = summary(samples);
  return [name, { ...s, ratioToRaw: s.median / median(table[raw]), samples }];
}));
const results = {
  date: new Date().toISOString(),
  command: 'npm run bench',
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chromium: execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim(),
  },
  parameters: {
    messages: N, warmUp: WARM_UP, rounds: ROUNDS, roundTrips: ROUND_TRIPS, roundTripBlocks: ROUND_TRIP_BLOCKS, roundTripWarmUp: ROUND_TRIP_WARM_UP, reconnects: RECONNECTS,
  },
  sizes,
  receive: throughput(receive),
  send: throughput(send),
  roundTrip: Object.fromEntries(Object.entries(roundTrips).map(([name, samples]) => [name, {
    p50: percentile(samples, 0.5), p99: percentile(samples, 0.99),
    ratioToRawP50: percentile(samples, 0.5) / percentile(roundTrips[raw], 0.5),
  }])),
  cluster,
  memory: {
    heapRetainedAfterMessagesBytes: heapAfterMessages - heapBefore,
    wasmGrowthAfterMessagesBytes: wasmAfterMessages - wasmBefore,
    wasmGrowthAcrossReconnectsBytes: wasmAfterReconnects - wasmAfterMessages,
  },
};

const core = sizes.find((row) => row.name.startsWith('wsnotify (core'));
const centrifuge = sizes.find((row) => row.name === 'centrifuge');
results.targets = [
  { target: 'core entry ≤ 24 KB gzip and smaller than centrifuge', value: kb(core.gzipBytes), pass: core.gzipBytes <= 24 * 1024 && core.gzipBytes < centrifuge.gzipBytes },
  { target: 'core entry ≤ 40 KB gzip (the boundary redesign; stretch 32 KB)', value: kb(core.gzipBytes), pass: core.gzipBytes <= 40 * 1024 },
  { target: `receive throughput ≥ 0.95× raw at N = ${N}`, value: `${results.receive.wsnotify.ratioToRaw.toFixed(2)}×`, pass: results.receive.wsnotify.ratioToRaw >= 0.95 },
  { target: `send throughput ≥ 0.95× raw at N = ${N}`, value: `${results.send.wsnotify.ratioToRaw.toFixed(2)}×`, pass: results.send.wsnotify.ratioToRaw >= 0.95 },
  { target: 'round trip p50 ≤ 1.10× raw', value: `${results.roundTrip.wsnotify.ratioToRawP50.toFixed(2)}×`, pass: results.roundTrip.wsnotify.ratioToRawP50 <= 1.10 },
  { target: `heap retained after ${N} messages ≤ 64 KiB`, value: kb(results.memory.heapRetainedAfterMessagesBytes), pass: results.memory.heapRetainedAfterMessagesBytes <= 64 * 1024 },
  { target: `wasm memory flat across ${RECONNECTS} reconnects`, value: `${results.memory.wasmGrowthAcrossReconnectsBytes} B`, pass: results.memory.wasmGrowthAcrossReconnectsBytes === 0 },
];

const lines = [];
lines.push('| size | raw (JS + wasm) | gzip -9 |', '| --- | --- | --- |');
for (const row of sizes) lines.push(`| ${row.name} | ${kb(row.rawBytes)}${row.wasmBytes ? ` (${kb(row.jsBytes)} + ${kb(row.wasmBytes)})` : ''} | ${kb(row.gzipBytes)} |`);
lines.push('', `| throughput, ${N} chats (messages/s) | receive: median (min–max) | ×raw | send: median (min–max) | ×raw |`, '| --- | --- | --- | --- | --- |');
const rate = (value) => Math.round(value).toLocaleString('en-US');
for (const name of contestants) {
  const r = results.receive[name];
  const s = results.send[name];
  lines.push(`| ${name} | ${rate(r.median)} (${rate(r.min)}–${rate(r.max)}) | ${r.ratioToRaw.toFixed(2)} | ${rate(s.median)} (${rate(s.min)}–${rate(s.max)}) | ${s.ratioToRaw.toFixed(2)} |`);
}
lines.push('', `| round trip, ${ROUND_TRIPS} in ${ROUND_TRIP_BLOCKS} interleaved blocks | p50 | p99 | p50 ×raw |`, '| --- | --- | --- | --- |');
for (const name of contestants) {
  const t = results.roundTrip[name];
  lines.push(`| ${name} | ${t.p50.toFixed(3)} ms | ${t.p99.toFixed(3)} ms | ${t.ratioToRawP50.toFixed(2)} |`);
}
lines.push('', '| target | measured | pass |', '| --- | --- | --- |');
for (const target of results.targets) lines.push(`| ${target.target} | ${target.value} | ${target.pass ? 'pass' : 'FAIL'} |`);
lines.push('', clusterTable(cluster));
const table = lines.join('\n');
console.log(`\n${table}\n`);

writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const { machine } = results;
writeFileSync(join(root, 'BENCHMARKS.md'), `# Benchmarks

The last run of \`npm run bench\` (${results.date.slice(0, 10)}): ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB,
Node ${machine.node}, ${machine.chromium} headless; ${N.toLocaleString('en-US')} chats per throughput
run, after ${WARM_UP.toLocaleString('en-US')} unmeasured ones each way; ${ROUNDS} rounds alternating the contestants in one browser; round trips
after ${ROUND_TRIP_WARM_UP} unmeasured ones, in ${ROUND_TRIP_BLOCKS} blocks of ${ROUND_TRIPS / ROUND_TRIP_BLOCKS} taken in turn; memory:
JS heap after a forced GC, wasm linear memory. Raw figures: \`bench/results.json\`.
centrifuge is measured for size only: its throughput needs a Centrifugo server.

${table}
${readFileSync(join(root, 'bench', 'findings.md'), 'utf8')}`);
log('wrote bench/results.json and BENCHMARKS.md');
process.exit(0);
