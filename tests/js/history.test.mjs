// Delivery history: numbering, replay, gaps, de-duplication, durability.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer } from '../../server/app.mjs';
import { createHistory } from '../../server/history/memory.mjs';
import { connect } from '../support/ws-client.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'wsnotify-history-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const SECRET = 'history-test-secret-of-at-least-32-bytes';

/** The history speaks JSON text; these read it back. */
const parsed = (texts) => texts.map((text) => JSON.parse(text));
const messages = (result) => parsed(result.frames).map((f) => f.message);
const seqOf = (text) => JSON.parse(text).seq;

test('frames are numbered per user and replayed after lastSeq', () => {
  const history = createHistory();
  for (const n of [1, 2, 3]) assert.equal(seqOf(history.record('bob', { type: 'chat', message: `${n}` })), n);
  assert.equal(seqOf(history.record('eve', { type: 'chat', message: 'x' })), 1, 'numbering is per user');
  const epoch = history.join('bob');
  assert.match(epoch, /^[\x21-\x7e]{1,32}$/);
  assert.equal(JSON.parse(history.record('bob', { message: '4' })).epoch, epoch, 'every numbered frame carries the epoch');
  const result = history.since('bob', 1, epoch);
  assert.equal(result.recovered, true);
  assert.equal(result.epoch, epoch);
  assert.deepEqual(messages(result), ['2', '3', '4']);
  assert.deepEqual(history.since('bob', 4, epoch), { recovered: true, epoch, frames: [] });
  assert.notEqual(history.join('eve'), epoch, 'each user has an epoch of its own');
  history.close();
});

test('a gap older than the history is flagged, never silent', () => {
  let now = 0;
  const history = createHistory({ limit: 2, maxAgeMs: 1000 }, () => now);
  for (const n of [1, 2, 3]) history.record('bob', { message: `${n}` });
  assert.deepEqual(history.since('bob', 0).recovered, false, 'seq 1 fell out of the 2-frame history');
  assert.deepEqual(history.since('bob', 1).recovered, true);
  now = 5000;
  const { recovered, frames } = history.since('bob', 2);
  assert.deepEqual({ recovered, frames }, { recovered: false, frames: [] }, 'aged out after 1 s');
});

test('a lastSeq from numbering the server does not know replays everything, unrecovered', () => {
  const history = createHistory();
  history.record('bob', { message: 'new' });
  const result = history.since('bob', 99);
  assert.equal(result.recovered, false);
  assert.deepEqual(messages(result), ['new']);
  assert.equal(createHistory().since('ghost', 5).recovered, false);
});

test('the log file survives a restart, torn last line included', () => {
  const file = join(scratch, 'durable.jsonl');
  const first = createHistory({ file });
  const epoch = first.join('bob');
  first.record('bob', { message: 'kept' });
  first.accept('ada', 'a-1');
  appendFileSync(file, '{"k":"d","u":"bob","t":1,"f":{"mess');
  const second = createHistory({ file });
  assert.deepEqual(messages(second.since('bob', 0, epoch)), ['kept']);
  assert.equal(second.since('bob', 0, epoch).recovered, true, 'same epoch after the restart');
  assert.equal(seqOf(second.record('bob', { message: 'next' })), 2, 'numbering continues');
  second.close();
  // What comes after the compaction on load goes into the new file, not the replaced one.
  assert.deepEqual(messages(createHistory({ file }).since('bob', 0, epoch)), ['kept', 'next']);
  assert.equal(second.seen('ada', 'a-1'), true);
  assert.equal(second.knows('bob'), true);
  assert.ok(readFileSync(file, 'utf8').split('\n').every((line) => !line || JSON.parse(line)), 'compacted on load');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the history file is readable by its owner only');
});

test('the server resumes a client: resumed first, then what it missed', async (t) => {
  const server = await createServer({ port: 0, tokenSecret: SECRET, log: () => {} });
  t.after(() => server.close());
  const join = async (userId, lastSeq, epoch) => {
    const client = await connect(server.wsUrl);
    const { token } = await server.auth.issue(userId);
    client.send(lastSeq === undefined ? { type: 'init', userId, token } : { type: 'init', userId, token, lastSeq, epoch });
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

  const back = await join('bob', 1, one.epoch);
  await back.next((f) => f.message === 'two');
  const afterInit = back.frames.filter((f) => f.type === 'resumed' || f.type === 'chat');
  assert.deepEqual(afterInit.map((f) => f.type === 'resumed' ? `resumed:${f.recovered}:${f.epoch}` : `${f.message}#${f.seq}:${f.epoch}`),
    [`resumed:true:${one.epoch}`, `two#2:${one.epoch}`]);
  back.close();

  // A client holding numbering of another epoch (history lost) is told so and gets everything kept.
  const stale = await join('bob', 1, 'an-old-epoch');
  await stale.next((f) => f.message === 'two');
  const resumed = stale.frames.find((f) => f.type === 'resumed');
  assert.deepEqual(resumed, { type: 'resumed', recovered: false, epoch: one.epoch });
  assert.deepEqual(stale.frames.filter((f) => f.type === 'chat').map((f) => f.message), ['one', 'two']);
  ada.close();
  stale.close();
});

test('a chat to a user who has never connected is refused with recipient_offline', async (t) => {
  const server = await createServer({ port: 0, tokenSecret: SECRET, log: () => {} });
  t.after(() => server.close());
  const ada = await connect(server.wsUrl);
  ada.send({ type: 'init', userId: 'ada', token: (await server.auth.issue('ada')).token });
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'stranger', message: 'hi', id: 'z' });
  assert.equal((await ada.next((f) => f.type === 'error')).code, 'recipient_offline');
  ada.close();
});

test('the number of users remembered is bounded, the least recently active offline user forgotten first', () => {
  const history = createHistory({ maxUsers: 2 });
  for (const user of ['a', 'b', 'c']) {
    history.join(user);
    history.accept(user, 'id');
  }
  assert.deepEqual(['a', 'b', 'c'].map((user) => history.knows(user)), [false, true, true]);
  assert.deepEqual(['a', 'b', 'c'].map((user) => history.seen(user, 'id')), [false, true, true]);
});

test('an online user is never forgotten, however many others come', () => {
  const online = new Set(['victim']);
  const history = createHistory({ maxUsers: 100, isOnline: (user) => online.has(user) });
  const epoch = history.join('victim');
  history.record('victim', { message: 'first' });
  for (let n = 0; n < 1000; n += 1) history.join(`fake-${n}`);
  assert.equal(history.stats().users, 100);
  const next = JSON.parse(history.record('victim', { message: 'second' }));
  assert.deepEqual([next.seq, next.epoch], [2, epoch], 'numbering goes on in the same epoch');
});

test('a forgotten user comes back with a new epoch, and a resume says nothing was recovered', () => {
  const history = createHistory({ maxUsers: 1 });
  const epoch = history.join('bob');
  history.record('bob', { message: 'lost' });
  history.join('eve');
  assert.equal(history.knows('bob'), false);
  const result = history.since('bob', 1, epoch);
  assert.equal(result.recovered, false);
  assert.notEqual(result.epoch, epoch);
  assert.equal(JSON.parse(history.record('bob', { message: 'new' })).seq, 1, 'numbering restarts, under the new epoch');
});

test('history bytes are bounded per user and in total, and the sweep drops aged frames', () => {
  let now = 0;
  const big = 'x'.repeat(10_000);
  const history = createHistory({ maxBytesPerUser: 50_000, maxBytes: 200_000, maxAgeMs: 1000, sweepIntervalMs: 0 }, () => now);
  for (let n = 0; n < 20; n += 1) history.record('one', { message: big });
  assert.ok(history.stats().entries <= 5, `${history.stats().entries} frames kept for one user`);
  for (let user = 0; user < 20; user += 1) for (let n = 0; n < 5; n += 1) history.record(`u${user}`, { message: big });
  assert.ok(history.stats().bytes <= 200_000, `${history.stats().bytes} bytes kept`);
  now = 2000;
  history.sweep();
  assert.equal(history.stats().entries, 0, 'everything aged out');
});

test('accepted ids are bounded apart from the frames: a flood of ids pushes out no frame, and the sender holding the most forgets first', () => {
  const online = new Set(['carol', 'calm', 'flooder']);
  const history = createHistory({ maxBytes: 100_000, maxIdBytes: 50_000, isOnline: (user) => online.has(user), sweepIntervalMs: 0 });
  const epoch = history.join('carol');
  history.record('carol', { message: 'waits for carol' });
  const calmIds = ['calm-1', 'calm-2', 'calm-3'];
  for (const id of calmIds) history.recordChat('calm', id, { message: id }, []);
  const id = (n) => `${'f'.repeat(120)}-${n}`;
  // 1,000 ids of 124 characters: some 300,000 bytes of ids, three times the frames' budget.
  for (let n = 0; n < 1_000; n += 1) history.recordChat('flooder', id(n), { message: 'x' }, []);
  const { frames, recovered } = history.since('carol', 0, epoch);
  assert.deepEqual([frames.length, recovered], [1, true], 'the frame waiting for carol is still there');
  assert.ok(history.stats().idBytes <= 50_000, `${history.stats().idBytes} bytes of ids kept`);
  assert.ok(calmIds.every((calmId) => history.seen('calm', calmId)), 'a calm sender keeps its ids');
  assert.equal(history.seen('flooder', id(999)), true, 'the flooder keeps its newest ids');
  assert.equal(history.seen('flooder', id(0)), false, 'and forgets its oldest');
});

test('chats recorded after the file was compacted while running are in the compacted file', () => {
  const file = join(scratch, 'compacting.jsonl');
  const history = createHistory({ file, limit: 10 });
  const epoch = history.join('bob');
  for (let n = 1; n <= 3_000; n += 1) history.recordChat('ada', `c-${n}`, { message: `${n}` }, ['bob']);
  history.close();
  // Two lines a chat (the frame, the accepted id) without a compaction.
  assert.ok(readFileSync(file, 'utf8').split('\n').length < 6_000, 'compacted while running');
  const reloaded = createHistory({ file, limit: 10 });
  assert.deepEqual(messages(reloaded.since('bob', 2_995, epoch)), ['2996', '2997', '2998', '2999', '3000']);
  assert.equal(reloaded.seen('ada', 'c-3000'), true);
  reloaded.close();
});

test('after an append that failed part-way, the next chat starts a line of its own and survives a restart', () => {
  const file = join(scratch, 'torn-append.jsonl');
  const history = createHistory({ file });
  const epoch = history.join('bob');
  history.recordChat('ada', 'c-1', { message: 'first' }, ['bob']);
  // An append that fails: the file is a directory for a moment.
  renameSync(file, `${file}.away`);
  mkdirSync(file);
  assert.throws(() => history.recordChat('ada', 'c-2', { message: 'torn' }, ['bob']));
  rmdirSync(file);
  renameSync(`${file}.away`, file);
  // What such a failure may leave: part of the line, without its end.
  appendFileSync(file, '{"k":"d","u":"bob","t":1,"f":{"mess');
  history.recordChat('ada', 'c-3', { message: 'third' }, ['bob']);
  history.close();
  assert.deepEqual(messages(createHistory({ file }).since('bob', 0, epoch)), ['first', 'third']);
});

test('a torn history file line does not stop the server from starting', () => {
  const file = join(scratch, 'garbage.jsonl');
  writeFileSync(file, 'not json\n{"k":"s","u":"x","q":7}\n');
  writeFileSync(file, 'not json\n{"k":"s","u":"x","q":7,"e":"ep"}\n');
  assert.equal(seqOf(createHistory({ file }).record('x', {})), 8);
});
