// Peer-to-peer transfers in the lib (lib/p2p.ts; docs/privacy.md,
// "Peer-to-peer transfers"): the RTC 0 U p2p-* lines read and written,
// their JSON payloads, and the chunk and progress bookkeeping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LineOf, parseLine } from '../src/lib/line';
import { RtcAssembler, rtcLines } from '../src/lib/rtc';
import {
  CHUNK,
  P2pError,
  Reassembly,
  active,
  chunkRanges,
  cleanName,
  newId,
  parseAnswer,
  parseCandidate,
  parseOffer,
  previewType,
} from '../src/lib/p2p';

const ID = '0123456789abcdef';

test('p2p lines: parsed on a user address, refused on a channel', () => {
  const l = parseLine('RTC 0 15 p2p-offer 0 1 eyJpZCI6IjEifQ==');
  assert.equal(l.type, 'rtc');
  const r = l as LineOf<'rtc'>;
  assert.equal(r.conv, '0/15');
  assert.equal(r.kind, 'p2p-offer');
  assert.equal(r.last, true);
  for (const kind of ['p2p-answer', 'p2p-candidate']) assert.equal(parseLine(`RTC 0 15 ${kind} 0 1 AA==`).type, 'rtc');
  assert.equal(parseLine('RTC 3 1 p2p-offer 0 1 AA==').type, 'bad');
  assert.equal(parseLine('RTC 0 15 p2p-other 0 1 AA==').type, 'bad');
});

test('p2p lines: a big offer goes out in pieces and comes back whole', () => {
  const sdp = 'v=0\r\n' + 'a=x'.repeat(3000);
  const text = JSON.stringify({ id: ID, name: 'photo.png', size: 12345, sdp });
  const lines = rtcLines('0/15', 'p2p-offer', text);
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => l.startsWith('RTC 0 15 p2p-offer ')));
  const asm = new RtcAssembler();
  let got = null;
  for (const raw of lines) {
    const l = parseLine(raw);
    assert.equal(l.type, 'rtc');
    got = asm.push(l as LineOf<'rtc'>) ?? got;
  }
  assert.ok(got);
  assert.equal(got.kind, 'p2p-offer');
  assert.deepEqual(parseOffer(got.text), { id: ID, name: 'photo.png', size: 12345, sdp });
});

test('payloads: the shapes of docs/privacy.md', () => {
  assert.deepEqual(parseOffer(`{"id":"${ID}","name":"a.txt","size":0,"sdp":"v=0"}`), { id: ID, name: 'a.txt', size: 0, sdp: 'v=0' });
  assert.deepEqual(parseAnswer(`{"id":"${ID}","sdp":"v=0"}`), { id: ID, sdp: 'v=0' });
  assert.deepEqual(parseAnswer(`{"id":"${ID}","decline":true}`), { id: ID, decline: true });
  assert.deepEqual(
    parseCandidate(`{"id":"${ID}","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0,"extra":1}}`),
    { id: ID, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  );
  const bad = [
    () => parseOffer('not json'),
    () => parseOffer('[]'),
    () => parseOffer('{"id":"short","name":"a","size":1,"sdp":"v=0"}'),
    () => parseOffer(`{"id":"${ID.toUpperCase()}","name":"a","size":1,"sdp":"v=0"}`),
    () => parseOffer(`{"id":"${ID}","name":"a","size":-1,"sdp":"v=0"}`),
    () => parseOffer(`{"id":"${ID}","name":"a","size":1.5,"sdp":"v=0"}`),
    () => parseOffer(`{"id":"${ID}","name":"a","size":1}`),
    () => parseOffer(`{"id":"${ID}","size":1,"sdp":"v=0"}`),
    () => parseAnswer(`{"id":"${ID}"}`),
    () => parseAnswer(`{"id":"${ID}","decline":"yes"}`),
    () => parseCandidate(`{"id":"${ID}","candidate":"candidate:1"}`),
    () => parseCandidate(`{"id":"${ID}"}`),
  ];
  for (const f of bad) assert.throws(f, (e: unknown) => e instanceof P2pError);
});

test('names: no paths, no control characters, never empty', () => {
  assert.equal(cleanName('../../etc/passwd'), 'passwd');
  assert.equal(cleanName('C:\\Users\\a\\photo.png'), 'photo.png');
  assert.equal(cleanName('a\u0000b\nc.txt'), 'abc.txt');
  assert.equal(cleanName(''), 'file');
  assert.equal(cleanName('..'), 'file');
  assert.equal(parseOffer(`{"id":"${ID}","name":"x/../y.bin","size":1,"sdp":"v=0"}`).name, 'y.bin');
});

test('ids: 16 random hex characters', () => {
  const a = newId();
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.notEqual(a, newId());
});

test('chunks: every byte once, in order, none over CHUNK', () => {
  assert.deepEqual(chunkRanges(0), []);
  assert.deepEqual(chunkRanges(1), [[0, 1]]);
  assert.deepEqual(chunkRanges(CHUNK), [[0, CHUNK]]);
  assert.deepEqual(chunkRanges(CHUNK + 1), [
    [0, CHUNK],
    [CHUNK, CHUNK + 1],
  ]);
  const size = 384 * 1024 + 123;
  const r = chunkRanges(size);
  assert.equal(r.length, Math.ceil(size / CHUNK));
  let at = 0;
  for (const [from, to] of r) {
    assert.equal(from, at);
    assert.ok(to - from <= CHUNK && to > from);
    at = to;
  }
  assert.equal(at, size);
});

test('reassembly: progress, completion, and no byte past the size offered', async () => {
  const asm = new Reassembly(5);
  assert.equal(asm.progress, 0);
  asm.push(new Uint8Array([1, 2]).buffer);
  assert.equal(asm.received, 2);
  assert.equal(asm.progress, 0.4);
  assert.equal(asm.complete, false);
  assert.throws(() => asm.push(new Uint8Array(4).buffer), (e: unknown) => e instanceof P2pError);
  assert.equal(asm.received, 2);
  asm.push(new Uint8Array([3, 4, 5]).buffer);
  assert.equal(asm.complete, true);
  assert.equal(asm.progress, 1);
  const b = asm.blob('application/octet-stream');
  assert.equal(b.size, 5);
  assert.deepEqual([...new Uint8Array(await b.arrayBuffer())], [1, 2, 3, 4, 5]);
  assert.equal(new Reassembly(0).complete, true);
  assert.equal(new Reassembly(0).progress, 1);
});

test('preview: images by extension only, never SVG or HTML', () => {
  assert.equal(previewType('a.PNG'), 'image/png');
  assert.equal(previewType('a.jpeg'), 'image/jpeg');
  assert.equal(previewType('a.svg'), null);
  assert.equal(previewType('a.html'), null);
  assert.equal(previewType('png'), null);
});

test('states: which may still move', () => {
  for (const s of ['offering', 'incoming', 'connecting', 'transferring'] as const) assert.ok(active(s));
  for (const s of ['done', 'declined', 'cancelled', 'unreachable', 'failed'] as const) assert.ok(!active(s));
});

// ---- Through the client, with a fake server --------------------------------

import { SalonClient } from '../src/lib/client';
import { P2pEngine } from '../src/lib/p2p';
import { FakeSocket, FakeTimers, fakeServer, settle } from './fake';

async function bob() {
  const sockets: FakeSocket[] = [];
  const client = new SalonClient({
    url: 'ws://test/ws',
    socket: (url) => {
      const s = new FakeSocket(url);
      s.server = fakeServer(2, 'bob');
      sockets.push(s);
      return s;
    },
    fetch: (async () => ({ status: 204, ok: true }) as Response) as unknown as typeof fetch,
    timers: new FakeTimers(),
    random: () => 1,
  });
  const p = client.login('bob', 'secret123');
  sockets[0].open();
  await p;
  await settle();
  return { client, sock: sockets[0] };
}

function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function unb64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

function payloads(sent: string[], kind: string): unknown[] {
  const pieces = sent.flatMap((x) => x.split(/\r?\n/)).filter((l) => l.startsWith(`RTC 0 15 ${kind} `)).map((l) => l.split(' ')[6]);
  return pieces.length ? [JSON.parse(unb64(pieces.join('')))] : [];
}

test('client: p2p sends RTC 0 U lines; p2p lines go to onP2pLine, not to calls', async () => {
  const { client, sock } = await bob();
  assert.equal(client.p2p(15, 'p2p-answer', JSON.stringify({ id: ID, decline: true })), true);
  assert.deepEqual(payloads(sock.sent, 'p2p-answer'), [{ id: ID, decline: true }]);
  const p2p: string[] = [];
  const calls: string[] = [];
  client.onP2pLine((l) => p2p.push(l.raw));
  client.onCallLine((l) => calls.push(l.raw));
  sock.say(`RTC 0 15 p2p-candidate 0 1 ${b64('{}')}`);
  await settle();
  assert.equal(p2p.length, 1);
  assert.equal(calls.length, 0);
});

test('engine: an offer shows as incoming; decline answers {id, decline: true}', async () => {
  const { client, sock } = await bob();
  const made: unknown[] = [];
  const env = {
    RTCPeerConnection: class {
      constructor() {
        made.push(this);
      }
    } as unknown as typeof RTCPeerConnection,
    createObjectURL: () => 'blob:x',
    revokeObjectURL: () => {},
  };
  const engine = new P2pEngine(client, env);
  let changes = 0;
  engine.subscribe(() => changes++);
  const offer = b64(JSON.stringify({ id: ID, name: '../a.png', size: 300000, sdp: 'v=0' }));
  // In two pieces, with a candidate (queued: nothing accepted yet) between them.
  sock.say(`RTC 0 15 p2p-offer 0 0 ${offer.slice(0, 8)}`);
  sock.say(`RTC 0 15 p2p-candidate 0 1 ${b64(JSON.stringify({ id: ID, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } }))}`);
  sock.say(`RTC 0 15 p2p-offer 1 1 ${offer.slice(8)}`);
  await settle();
  assert.equal(engine.transfers.length, 1);
  const t = engine.transfers[0];
  assert.deepEqual(
    { id: t.id, peer: t.peer, dir: t.dir, name: t.name, size: t.size, state: t.state, image: t.image },
    { id: ID, peer: 15, dir: 'in', name: 'a.png', size: 300000, state: 'incoming', image: 'image/png' },
  );
  assert.ok(changes > 0);
  // The same offer again is not a second transfer; a bad one is ignored.
  sock.say(`RTC 0 15 p2p-offer 0 1 ${offer}`);
  sock.say(`RTC 0 15 p2p-offer 0 1 ${b64('{"id":"nope"}')}`);
  await settle();
  assert.equal(engine.transfers.length, 1);
  engine.decline(ID);
  assert.equal(engine.transfers[0].state, 'declined');
  assert.deepEqual(payloads(sock.sent, 'p2p-answer'), [{ id: ID, decline: true }]);
  assert.equal(made.length, 0, 'no peer connection for a declined offer');
  engine.dismiss(ID);
  assert.equal(engine.transfers.length, 0);
});
