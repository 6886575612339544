// `npm run bench`, multi-node section: chat delivery through the reference
// server with one node in memory, one node over Redis, and two nodes over
// Redis with both users on one node or on different nodes. Node `ws`
// clients; each node and redis-server are processes of their own.
// Throughput: one sender pushes BENCH_CLUSTER_N direct chats (at most
// WINDOW unacknowledged) to one receiver; messages/s from the first send to
// the last arrival. Round trip: a chat to the other user, who answers at
// once; p50/p99 over ROUND_TRIPS, after WARM_UP unmeasured ones.
// `node bench/cluster.mjs` runs this section alone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { root } from '../scripts/lib.mjs';
import { startRedis } from '../tests/support/redis-process.mjs';

const N = Number(process.env.BENCH_CLUSTER_N ?? 5_000);
const WINDOW = 200;
const ROUND_TRIPS = 2_000;
const WARM_UP = 200;
const LIMITS = { rateLimit: { perSecond: 1e6, burst: 1e6 }, maxBacklogBytes: 64 * 1024 * 1024 };

async function startNode(options) {
  const child = spawn(process.execPath, [join(root, 'bench', 'cluster-node.mjs'), JSON.stringify({
    port: 0, insecureDevIdentity: true, ...LIMITS, ...options,
  })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = await once(child.stdout, 'data');
  const { port } = JSON.parse(chunk.toString());
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A user connected to `url`; `onChat(frame)` for each chat received from someone else. */
async function user(url, userId) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, 'open');
  const handlers = { chat: () => {}, ack: () => {} };
  socket.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"ack"')) handlers.ack();
    else if (text.startsWith('{"type":"chat"') && !text.includes(`"fromUserId":${JSON.stringify(userId)}`)) handlers.chat(text);
  });
  socket.send(JSON.stringify({ type: 'init', userId }));
  let n = 0;
  return {
    handlers,
    send(to, message) {
      n += 1;
      socket.send(JSON.stringify({ type: 'chat', fromUserId: userId, toUserId: to, message, id: `${userId}-${n}` }));
    },
    close: () => socket.close(),
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function measure(senderUrl, receiverUrl, label) {
  const sender = await user(senderUrl, `s-${label}`);
  const receiver = await user(receiverUrl, `r-${label}`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // both registered everywhere
  const message = 'x'.repeat(60);

  // Round trips.
  const times = [];
  for (let i = 0; i < WARM_UP + ROUND_TRIPS; i += 1) {
    const started = performance.now();
    const answered = new Promise((resolve) => {
      sender.handlers.chat = resolve;
    });
    receiver.handlers.chat = () => receiver.send(`s-${label}`, message);
    sender.send(`r-${label}`, message);
    await answered;
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  receiver.handlers.chat = () => {};
  sender.handlers.chat = () => {};

  // Throughput.
  let sent = 0;
  let acked = 0;
  let arrived = 0;
  const started = performance.now();
  const done = new Promise((resolve) => {
    receiver.handlers.chat = () => {
      arrived += 1;
      if (arrived === N) resolve();
    };
  });
  const pump = () => {
    while (sent < N && sent - acked < WINDOW) {
      sent += 1;
      sender.send(`r-${label}`, message);
    }
  };
  sender.handlers.ack = () => {
    acked += 1;
    pump();
  };
  pump();
  await done;
  const seconds = (performance.now() - started) / 1000;
  sender.close();
  receiver.close();
  times.sort((a, b) => a - b);
  return { rate: N / seconds, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** Runs the section; resolves to { parameters, rows: [{ setup, rate, p50, p99 }] }. */
export async function measureCluster() {
  const rows = [];
  const memory = await startNode({});
  rows.push({ setup: '1 node, in memory', ...await measure(memory.url, memory.url, 'memory') });
  await memory.stop();

  const redis = await startRedis();
  try {
    const one = await startNode({ redisUrl: redis.url, nodeId: 'bench-1' });
    rows.push({ setup: '1 node, Redis', ...await measure(one.url, one.url, 'one') });
    const two = await startNode({ redisUrl: redis.url, nodeId: 'bench-2' });
    rows.push({ setup: '2 nodes, Redis, both users on one node', ...await measure(one.url, one.url, 'same') });
    rows.push({ setup: '2 nodes, Redis, users on different nodes', ...await measure(one.url, two.url, 'cross') });
    await Promise.all([one.stop(), two.stop()]);
  } finally {
    await redis.stop();
  }
  return { parameters: { messages: N, window: WINDOW, roundTrips: ROUND_TRIPS, warmUp: WARM_UP }, rows };
}

/** The section's markdown table. */
export function clusterTable({ parameters, rows }) {
  const lines = [
    `| reference server, ${parameters.messages.toLocaleString('en-US')} direct chats, ${parameters.roundTrips.toLocaleString('en-US')} round trips | messages/s | round trip p50 | p99 |`,
    '| --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    lines.push(`| ${row.setup} | ${Math.round(row.rate).toLocaleString('en-US')} | ${row.p50.toFixed(3)} ms | ${row.p99.toFixed(3)} ms |`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await measureCluster();
  console.log(JSON.stringify(results, null, 2));
  console.log(`\n${clusterTable(results)}\n`);
  process.exit(0);
}
