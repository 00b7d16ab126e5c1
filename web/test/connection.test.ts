import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../src/lib/connection';
import type { ConnectionStatus } from '../src/lib/store';
import { FakeSocket, FakeTimers } from './fake';

function setup(random = () => 1) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const lines: string[] = [];
  const statuses: ConnectionStatus[] = [];
  let opens = 0;
  const conn = new Connection({
    url: 'ws://test/ws',
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    onLine: (l) => lines.push(l),
    onOpen: () => opens++,
    onStatus: (s) => statuses.push(s),
    timers,
    random,
  });
  return { conn, timers, sockets, lines, statuses, opens: () => opens };
}

test('reconnects with a doubling delay, with jitter, up to the maximum', () => {
  const { conn, timers, sockets, statuses } = setup(() => 1);
  conn.start();
  assert.equal(sockets.length, 1);
  assert.equal(conn.status.state, 'connecting');
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    sockets[sockets.length - 1].drop();
    assert.equal(conn.status.state, 'offline');
    const d = timers.nextDelay()!;
    assert.equal(conn.status.retryAt, timers.now() + d, 'the status says when the next try is');
    delays.push(d);
    timers.advance(d);
    assert.equal(sockets.length, i + 2, 'a new socket after the delay');
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.ok(statuses.some((s) => s.state === 'offline' && s.attempt === 3));

  // Jitter: with random() = 0 the delay is half.
  const half = setup(() => 0);
  half.conn.start();
  half.sockets[0].drop();
  assert.equal(half.timers.nextDelay(), 250);
});

test('a successful login resets the backoff; stop ends the retries', () => {
  const { conn, timers, sockets } = setup();
  conn.start();
  sockets[0].drop();
  timers.advance(timers.nextDelay()!);
  sockets[1].drop();
  timers.advance(timers.nextDelay()!);
  sockets[2].open();
  conn.ready();
  assert.equal(conn.status.state, 'online');
  sockets[2].drop();
  assert.equal(timers.nextDelay(), 500);
  conn.stop();
  assert.equal(timers.nextDelay(), null);
  assert.equal(conn.status.state, 'idle');
});

test('a socket that never opens is given up on and tried again', () => {
  const { conn, timers, sockets } = setup();
  conn.start();
  timers.advance(10_000);
  assert.equal(conn.status.state, 'offline');
  assert.equal(conn.status.reason, 'the server did not answer');
  timers.advance(timers.nextDelay()!);
  assert.equal(sockets.length, 2);
});

test('the outbox keeps lines across a reconnect, in order', () => {
  const { conn, timers, sockets, lines, opens } = setup();
  conn.send('MSG 3 0 before the socket');
  conn.start();
  sockets[0].open();
  assert.equal(opens(), 1);
  // Before ready (logging in), only sendNow goes out.
  conn.send('MSG 3 0 during login');
  assert.ok(conn.sendNow('IAM alice secret123'));
  assert.deepEqual(sockets[0].sent, ['IAM alice secret123']);
  conn.ready();
  assert.deepEqual(sockets[0].sent, ['IAM alice secret123', 'MSG 3 0 before the socket', 'MSG 3 0 during login']);
  conn.send('MSG 3 0 online');
  assert.equal(sockets[0].sent.length, 4);
  sockets[0].say('PONG', 'MSG 0 1 3 0 x\r\n');
  assert.deepEqual(lines, ['PONG', 'MSG 0 1 3 0 x']);

  // The server goes away: what is typed now waits.
  sockets[0].drop(1001, 'server restarting');
  assert.equal(conn.status.reason, 'server restarting');
  conn.send('MSG 3 0 typed while offline 1');
  conn.send('MSG 3 0 typed while offline 2');
  assert.equal(conn.sendNow('IAM x y'), false);
  // The owner puts back the one it never saw acknowledged, ahead of the rest.
  conn.requeue([{ line: 'MSG 3 0 online' }]);
  assert.deepEqual(conn.pending, ['MSG 3 0 online', 'MSG 3 0 typed while offline 1', 'MSG 3 0 typed while offline 2']);
  timers.advance(timers.nextDelay()!);
  sockets[1].open();
  assert.equal(opens(), 2);
  assert.deepEqual(sockets[1].sent, []);
  conn.sendNow('IAM alice secret123');
  conn.ready();
  assert.deepEqual(sockets[1].sent, [
    'IAM alice secret123',
    'MSG 3 0 online',
    'MSG 3 0 typed while offline 1',
    'MSG 3 0 typed while offline 2',
  ]);
  assert.deepEqual(conn.pending, []);
  // Lines from the old socket no longer count.
  sockets[0].say('MSG 0 1 3 0 ghost');
  assert.equal(lines.length, 2);
});

test('onWire is called when a line is written, not when it is queued', () => {
  const { conn, sockets } = setup();
  const wired: string[] = [];
  conn.start();
  conn.send('A', () => wired.push('A'));
  assert.deepEqual(wired, []);
  sockets[0].open();
  conn.ready();
  assert.deepEqual(wired, ['A']);
  conn.send('B', () => wired.push('B'));
  assert.deepEqual(wired, ['A', 'B']);
});

test('a server that goes silent is asked with a PING, then given up on', () => {
  const { conn, timers, sockets } = setup();
  conn.start();
  sockets[0].open();
  conn.ready();
  timers.advance(29_999);
  sockets[0].say('MSG 0 1 3 0 still here'); // any line resets the wait
  timers.advance(29_999);
  assert.deepEqual(sockets[0].sent, []);
  timers.advance(1);
  assert.deepEqual(sockets[0].sent, ['PING alive']);
  sockets[0].say('PONG alive');
  timers.advance(30_000);
  assert.deepEqual(sockets[0].sent, ['PING alive', 'PING alive']);
  timers.advance(10_000); // no answer this time
  assert.equal(conn.status.state, 'offline');
  assert.equal(conn.status.reason, 'the server stopped answering');
  timers.advance(timers.nextDelay()!);
  assert.equal(sockets.length, 2);
});
