// A Node WebSocket client for server tests: collects frames and close info.
import { once } from 'node:events';
import WebSocket from 'ws';

const WAIT_MS = 5_000;

/** Opens a socket to `url`; resolves once open. `options` go to `ws`. */
export async function connect(url, options = {}) {
  const socket = new WebSocket(url, options);
  const frames = [];
  const waiters = new Set();
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const check of waiters) check();
  });
  const closed = once(socket, 'close').then(([code, reason]) => ({ code, reason: reason.toString() }));
  await once(socket, 'open');
  return {
    socket,
    frames,
    closed,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    /** Resolves to the first received frame matching `predicate`, waiting up to 5 s. */
    next(predicate, what = 'a frame') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(frames)}`));
        }, WAIT_MS);
        waiters.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}
