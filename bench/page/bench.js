// The benchmark contestants, each behind the same small adapter: open, a chat
// callback, send a chat, send a control request, wait for a control reply.
import { createClient } from '/pkg/index.js';
import { io, PartySocket, ReconnectingWebSocket } from '/vendor/peers.js';
import initWasm from '/pkg/wsnotify.js';

const wasm = await initWasm();
window.wasmMemoryBytes = () => wasm.memory.buffer.byteLength;

const MESSAGE = 'y'.repeat(60);

/** Adapters over a WebSocket-like object whose frames are parsed with JSON.parse. */
function socketAdapter(make) {
  return async (url) => {
    const socket = make(url);
    const waiting = new Map();
    let onChat = () => {};
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'chat') onChat(frame);
      else waiting.get(frame.type)?.();
    };
    await new Promise((resolve) => {
      socket.onopen = resolve;
    });
    return {
      onChat: (callback) => { onChat = callback; },
      sendChat: (message) => socket.send(JSON.stringify({ type: 'chat', fromUserId: 'bench', toUserId: 'peer', message })),
      request: (frame, reply) => new Promise((resolve) => {
        waiting.set(reply, resolve);
        socket.send(JSON.stringify(frame));
      }),
      replyOnce: (type) => new Promise((resolve) => waiting.set(type, resolve)),
      close: () => socket.close(),
    };
  };
}

const contestants = {
  'raw WebSocket': socketAdapter((url) => new WebSocket(url)),
  'reconnecting-websocket': socketAdapter((url) => new ReconnectingWebSocket(url)),
  partysocket: socketAdapter((url) => new PartySocket(url)),
  async wsnotify(url) {
    const client = await createClient({ url, userId: 'bench' });
    const waiting = new Map();
    let onChat = () => {};
    client.onChat((chat) => onChat(chat));
    for (const type of ['count', 'expecting']) client.on(type, () => waiting.get(type)?.());
    await new Promise((resolve) => {
      client.onOpen(resolve);
      client.connect();
    });
    return {
      client,
      onChat: (callback) => { onChat = callback; },
      sendChat: (message) => client.sendChat('peer', message),
      request: (frame, reply) => new Promise((resolve) => {
        waiting.set(reply, resolve);
        client.sendJson(frame);
      }),
      replyOnce: (type) => new Promise((resolve) => waiting.set(type, resolve)),
      close: () => client.free(),
    };
  },
  async 'socket.io-client'(url, ioUrl) {
    const socket = io(ioUrl, { transports: ['websocket'] });
    const waiting = new Map();
    let onChat = () => {};
    socket.on('chat', (chat) => onChat(chat));
    socket.on('count', () => waiting.get('count')?.());
    await new Promise((resolve) => socket.on('connect', resolve));
    return {
      onChat: (callback) => { onChat = callback; },
      sendChat: (message) => socket.emit('chat', { type: 'chat', fromUserId: 'bench', toUserId: 'peer', message }),
      request: (frame, reply) => new Promise((resolve) => {
        if (frame.type === 'flood') {
          waiting.set(reply, resolve);
          socket.emit('flood', frame.n);
        } else {
          socket.emit('expect', frame.n, resolve);
        }
      }),
      replyOnce: (type) => new Promise((resolve) => waiting.set(type, resolve)),
      close: () => socket.close(),
    };
  },
};
window.contestants = Object.keys(contestants);

const connect = (name, urls) => contestants[name](urls.ws, urls.io);

/** Resolves once `adapter` has delivered `n` chats, each counted in its callback. */
function countChats(adapter, n) {
  let received = 0;
  return new Promise((resolve) => {
    adapter.onChat(() => {
      received += 1;
      if (received === n) resolve();
    });
  });
}

/** Messages per second received: the server floods `n` chats, each counted in a callback. */
window.receive = async (name, urls, n) => {
  const adapter = await connect(name, urls);
  const finished = countChats(adapter, n);
  const started = performance.now();
  adapter.request({ type: 'flood', n }, 'never');
  await finished;
  const seconds = (performance.now() - started) / 1000;
  adapter.close();
  return n / seconds;
};

/** Messages per second sent: `n` chat sends until the server has counted them all. */
window.send = async (name, urls, n) => {
  const adapter = await connect(name, urls);
  await adapter.request({ type: 'expect', n }, 'expecting');
  const counted = adapter.replyOnce('count');
  const started = performance.now();
  for (let i = 0; i < n; i += 1) adapter.sendChat(MESSAGE);
  await counted;
  const seconds = (performance.now() - started) / 1000;
  adapter.close();
  return n / seconds;
};

/** Round trips over `adapter`: send → server echo → callback, `n` in sequence; ms each. */
async function timeRoundTrips(adapter, n, label) {
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const text = `echo-${label}-${i}`;
    const echoed = new Promise((resolve) => adapter.onChat((chat) => chat.message === text && resolve()));
    const started = performance.now();
    adapter.sendChat(text);
    await echoed;
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * Round trips of every contestant in `names`, interleaved: after `warmUp`
 * unmeasured round trips each, `blocks` turns in which every contestant
 * makes `perBlock` in a row. A round trip takes half a millisecond here, and
 * how long the machine takes to wake the server and the browser drifts by
 * more than that over seconds; interleaving spreads the drift over all
 * contestants instead of charging it to whoever ran at the time.
 */
window.roundTrips = async (names, urls, { warmUp, blocks, perBlock }) => {
  const adapters = [];
  for (const name of names) adapters.push([name, await connect(name, urls)]);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  try {
    for (const [name, adapter] of adapters) await timeRoundTrips(adapter, warmUp, `warm-${name}`);
    for (let block = 0; block < blocks; block += 1) {
      // Rotate who goes first, as the throughput rounds do.
      for (let i = 0; i < adapters.length; i += 1) {
        const [name, adapter] = adapters[(i + block) % adapters.length];
        times[name].push(...await timeRoundTrips(adapter, perBlock, `${block}`));
      }
    }
  } finally {
    for (const [, adapter] of adapters) adapter.close();
  }
  return times;
};

/** wsnotify only, in steps so that the runner can weigh the heap between them. */
window.memory = {
  async open(urls) {
    window.memory.adapter = await connect('wsnotify', urls);
  },
  async flood(n) {
    const { adapter } = window.memory;
    const finished = countChats(adapter, n);
    adapter.request({ type: 'flood', n }, 'never');
    await finished;
    adapter.onChat(() => {});
  },
  async reconnect(times) {
    const { client } = window.memory.adapter;
    for (let i = 0; i < times; i += 1) {
      await new Promise((resolve) => {
        const off = client.onOpen(() => {
          off();
          resolve();
        });
        client.reconnect();
      });
    }
  },
  close() {
    window.memory.adapter.close();
    window.memory.adapter = null;
  },
};
window.ready = true;
