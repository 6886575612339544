// A WebSocket client on a bare TCP socket, for tests that need a peer which
// stops reading: after the handshake and its frames, it pauses and never
// reads again, so everything the server sends piles up.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';

/** A masked client text frame carrying `text`. */
function textFrame(text) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x81, 0x80 | length])
    : length < 65_536 ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
      : null;
  if (!header) throw new RangeError('frame too long for this helper');
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

/**
 * Opens ws://127.0.0.1:`port`/ws, sends `frames` (objects, as JSON), then
 * stops reading. Resolves to { socket, close() }.
 */
export async function openNonReader(port, frames) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write([
    'GET /ws HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '', '',
  ].join('\r\n'));
  let head = '';
  while (!head.includes('\r\n\r\n')) {
    const [chunk] = await once(socket, 'data');
    head += chunk.toString('latin1');
  }
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`handshake refused: ${head.split('\r\n')[0]}`);
  for (const frame of frames) socket.write(textFrame(JSON.stringify(frame)));
  socket.pause();
  socket.on('error', () => {}); // the server cuts it; expected
  return { socket, close: () => socket.destroy() };
}
