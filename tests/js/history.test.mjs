// Delivery history: numbering, replay, gaps, de-duplication, durability.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer } from '../../server/app.mjs';
import { createHistory } from '../../server/history.mjs';
import { connect } from '../support/ws-client.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'wsnotify-history-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('frames are numbered per user and replayed after lastSeq', () => {
  const history = createHistory();
  for (const n of [1, 2, 3]) assert.equal(history.record('bob', { type: 'chat', message: `${n}` }).seq, n);
  assert.equal(history.record('eve', { type: 'chat', message: 'x' }).seq, 1, 'numbering is per user');
  const { recovered, frames } = history.since('bob', 1);
  assert.equal(recovered, true);
  assert.deepEqual(frames.map((f) => f.message), ['2', '3']);
  assert.deepEqual(history.since('bob', 3), { recovered: true, frames: [] });
});

test('a gap older than the history is flagged, never silent', () => {
  let now = 0;
  const history = createHistory({ limit: 2, maxAgeMs: 1000 }, () => now);
  for (const n of [1, 2, 3]) history.record('bob', { message: `${n}` });
  assert.deepEqual(history.since('bob', 0).recovered, false, 'seq 1 fell out of the 2-frame history');
  assert.deepEqual(history.since('bob', 1).recovered, true);
  now = 5000;
  assert.deepEqual(history.since('bob', 2), { recovered: false, frames: [] }, 'aged out after 1 s');
});

test('a lastSeq from numbering the server does not know replays everything, unrecovered', () => {
  const history = createHistory();
  history.record('bob', { message: 'new' });
  const { recovered, frames } = history.since('bob', 99);
  assert.equal(recovered, false);
  assert.deepEqual(frames.map((f) => f.message), ['new']);
  assert.equal(createHistory().since('ghost', 5).recovered, false);
});

test('the log file survives a restart, torn last line included', () => {
  const file = join(scratch, 'durable.jsonl');
  const first = createHistory({ file });
  first.join('bob');
  first.record('bob', { message: 'kept' });
  first.accept('ada', 'a-1');
  appendFileSync(file, '{"k":"d","u":"bob","t":1,"f":{"mess');
  const second = createHistory({ file });
  assert.deepEqual(second.since('bob', 0).frames.map((f) => f.message), ['kept']);
  assert.equal(second.record('bob', { message: 'next' }).seq, 2, 'numbering continues');
  assert.equal(second.seen('ada', 'a-1'), true);
  assert.equal(second.knows('bob'), true);
  assert.ok(readFileSync(file, 'utf8').split('\n').every((line) => !line || JSON.parse(line)), 'compacted on load');
});

test('the server resumes a client: resumed first, then what it missed', async (t) => {
  const server = await createServer({ port: 0, log: () => {} });
  t.after(() => server.close());
  const join = async (userId, lastSeq) => {
    const client = await connect(server.wsUrl);
    client.send(lastSeq === undefined ? { type: 'init', userId } : { type: 'init', userId, lastSeq });
    await client.next((f) => f.type === 'notification' || f.type === 'resumed', `${userId} registered`);
    return client;
  };
  const ada = await join('ada');
  const bob = await join('bob');
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'bob', message: 'one', id: 'a1' });
  const one = await bob.next((f) => f.message === 'one');
  assert.equal(one.seq, 1);
  bob.close();
  await bob.closed;
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'bob', message: 'two', id: 'a2' });
  assert.equal((await ada.next((f) => f.type === 'ack' && f.id === 'a2')).id, 'a2', 'stored for bob, acked');
  // A resend of a2 (its ack lost) is acked again and not delivered twice.
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'bob', message: 'two', id: 'a2' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(ada.frames.filter((f) => f.type === 'ack' && f.id === 'a2').length, 2);

  const back = await join('bob', 1);
  await back.next((f) => f.message === 'two');
  const afterInit = back.frames.filter((f) => f.type === 'resumed' || f.type === 'chat');
  assert.deepEqual(afterInit.map((f) => f.type === 'resumed' ? `resumed:${f.recovered}` : `${f.message}#${f.seq}`),
    ['resumed:true', 'two#2']);
  ada.close();
  back.close();
});

test('a chat to a user who has never connected is refused with recipient_offline', async (t) => {
  const server = await createServer({ port: 0, log: () => {} });
  t.after(() => server.close());
  const ada = await connect(server.wsUrl);
  ada.send({ type: 'init', userId: 'ada' });
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'stranger', message: 'hi', id: 'z' });
  assert.equal((await ada.next((f) => f.type === 'error')).code, 'recipient_offline');
  ada.close();
});

test('the number of users remembered is bounded, the longest known forgotten first', () => {
  const history = createHistory({ maxUsers: 2 });
  for (const user of ['a', 'b', 'c']) {
    history.join(user);
    history.accept(user, 'id');
  }
  assert.deepEqual(['a', 'b', 'c'].map((user) => history.knows(user)), [false, true, true]);
  assert.deepEqual(['a', 'b', 'c'].map((user) => history.seen(user, 'id')), [false, true, true]);
});

test('a torn history file line does not stop the server from starting', () => {
  const file = join(scratch, 'garbage.jsonl');
  writeFileSync(file, 'not json\n{"k":"s","u":"x","q":7}\n');
  assert.equal(createHistory({ file }).record('x', {}).seq, 8);
});
