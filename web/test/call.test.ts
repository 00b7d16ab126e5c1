// Calls in the lib: CALL and RTC lines read and written, RTC payloads cut
// and joined, and the store's roster of each call (docs/protocol.md,
// "Calls"). bob (2) is the viewer; alice (15) owns server 3, whose
// channel 1 is "games"; carol (7) is a member.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LineOf, CommandError, RTC_CHUNK, cmd, formatMedia, parseLine, parseMedia } from '../src/lib/line';
import { RtcAssembler, RtcError, rtcLines } from '../src/lib/rtc';
import { RING_MS, Store } from '../src/lib/store';

function feed(s: Store, transcript: string): void {
  for (const raw of transcript.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const l = parseLine(line);
    assert.notEqual(l.type, 'bad', `${line}: ${l.type === 'bad' ? l.error : ''}`);
    s.apply(l);
  }
}

function loggedIn(now: () => number = () => 1000): Store {
  const s = new Store(now);
  feed(
    s,
    `TAG 0 2
     ADD ON 0 2 bob
     ADD ON 0 15 alice
     ADD ON 0 7 carol
     GRP 0 2 0 15
     TAG 3 0 club
     GRP 3 0 club general 0 15 0 2 0 7
     OWNER 3 0 0 15
     TAG 3 1 games
     GRP 3 1 club games 0 15 0 2 0 7`,
  );
  s.release();
  return s;
}

const rtc = (text: string) => {
  const l = parseLine(text);
  assert.equal(l.type, 'rtc', text);
  return l as LineOf<'rtc'>;
};

test('CALL lines parse: every event, channel and direct addresses', () => {
  assert.deepEqual(
    (({ raw, verb, ...rest }) => rest)(parseLine('CALL 0 15 3 1 JOIN mic,cam') as LineOf<'call'>),
    { type: 'call', actor: 15, to: '3/1', event: 'JOIN', media: ['mic', 'cam'], user: 0 },
  );
  const cases: [string, Partial<LineOf<'call'>>][] = [
    ['CALL 0 15 0 2 JOIN mic', { actor: 15, to: '0/2', event: 'JOIN', media: ['mic'] }],
    ['CALL 0 15 3 1 MEDIA -', { event: 'MEDIA', media: [] }],
    ['CALL 0 15 3 1 MEDIA mic,cam,screen', { event: 'MEDIA', media: ['mic', 'cam', 'screen'] }],
    ['CALL 0 15 3 1 MEDIA screen', { event: 'MEDIA', media: ['screen'] }],
    ['CALL 0 15 3 1 LEAVE', { event: 'LEAVE', to: '3/1' }],
    ['CALL 0 2 0 15 DECLINE', { actor: 2, to: '0/15', event: 'DECLINE' }],
    ['CALL 0 15 3 1 MUTE 0 7', { event: 'MUTE', user: 7 }],
    ['CALL 0 15 3 1 UNMUTE 0 7', { event: 'UNMUTE', user: 7 }],
    ['CALL 0 15 3 1 KICK 0 7', { event: 'KICK', user: 7 }],
  ];
  for (const [text, want] of cases) {
    const l = parseLine(text);
    assert.equal(l.type, 'call', text);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((l as unknown as Record<string, unknown>)[k], v, `${text}: ${k}`);
  }
  for (const bad of [
    'CALL 0 15 3 1',
    'CALL 3 1 3 1 JOIN mic', // the actor is a user
    'CALL 0 15 3 1 JOIN', // no list
    'CALL 0 15 3 1 JOIN mic extra',
    'CALL 0 15 3 1 JOIN cam,mic', // not in order
    'CALL 0 15 3 1 JOIN mic,mic',
    'CALL 0 15 3 1 JOIN speaker',
    'CALL 0 15 3 1 MEDIA mic,',
    'CALL 0 15 3 1 LEAVE now',
    'CALL 0 15 3 1 MUTE 3 1',
    'CALL 0 15 0 2 MUTE 0 7', // moderation is of channel calls
    'CALL 0 15 3 1 RING',
    'CALL 0 15 0 0 JOIN mic',
  ]) {
    assert.equal(parseLine(bad).type, 'bad', bad);
  }
});

test('media lists read and write in the protocol order', () => {
  assert.deepEqual(parseMedia('-'), []);
  assert.deepEqual(parseMedia('cam,screen'), ['cam', 'screen']);
  assert.equal(parseMedia('screen,cam'), null);
  assert.equal(parseMedia(''), null);
  assert.equal(formatMedia([]), '-');
  assert.equal(formatMedia(['screen', 'mic']), 'mic,screen');
});

test('call commands: CALL CONV JOIN/LEAVE/MEDIA, DECLINE, moderation', () => {
  assert.equal(cmd.callJoin('3/1'), 'CALL 3 1 JOIN audio');
  assert.equal(cmd.callJoin('0/15', true), 'CALL 0 15 JOIN video');
  assert.equal(cmd.callLeave('3/0'), 'CALL 3 0 LEAVE');
  assert.equal(cmd.callMedia('3/1', ['cam', 'mic']), 'CALL 3 1 MEDIA mic,cam');
  assert.equal(cmd.callMedia('0/15', []), 'CALL 0 15 MEDIA -');
  assert.equal(cmd.callDecline(15), 'CALL 0 15 DECLINE');
  assert.equal(cmd.callModerate('3/1', 'MUTE', 7), 'CALL 3 1 MUTE 0 7');
  assert.equal(cmd.callModerate('3/1', 'UNMUTE', 7), 'CALL 3 1 UNMUTE 0 7');
  assert.equal(cmd.callModerate('3/1', 'KICK', 7), 'CALL 3 1 KICK 0 7');
  assert.throws(() => cmd.callModerate('0/15', 'MUTE', 7), (e) => e instanceof CommandError);
  assert.throws(() => cmd.callMedia('3/1', ['speaker' as 'mic']), (e) => e instanceof CommandError);
  assert.throws(() => cmd.callDecline(0), (e) => e instanceof CommandError);
});

test('RTC lines parse', () => {
  const l = rtc('RTC 3 1 offer 0 1 dj0w');
  assert.deepEqual([l.conv, l.kind, l.seq, l.last, l.payload], ['3/1', 'offer', 0, true, 'dj0w']);
  assert.equal(rtc('RTC 0 15 ice 4 0 W10=').last, false);
  for (const bad of [
    'RTC 3 1 offer 0 1',
    'RTC 3 1 hello 0 1 dj0w',
    'RTC 3 1 offer -1 1 dj0w',
    'RTC 3 1 offer 0 2 dj0w',
    'RTC 3 1 offer 0 1 dj0w!',
    'RTC 3 1 offer 0 1 ' + 'A'.repeat(RTC_CHUNK + 1),
  ]) {
    assert.equal(parseLine(bad).type, 'bad', bad);
  }
});

test('a payload is cut into lines of 3000 base64 characters, and joined again', () => {
  const sdp = 'v=0\r\n' + 'a=candidate:é '.repeat(1000) + 'end\r\n'; // UTF-8, over 3 lines
  const lines = rtcLines('0/15', 'answer', sdp);
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(sdp)));
  assert.equal(lines.length, Math.ceil(b64.length / RTC_CHUNK));
  assert.ok(lines.length >= 3);
  lines.forEach((line, i) => {
    const f = line.split(' ');
    assert.deepEqual(f.slice(0, 6 - 1), ['RTC', '0', '15', 'answer', String(i)]);
    assert.equal(f[5], i === lines.length - 1 ? '1' : '0');
    assert.ok(f[6].length <= RTC_CHUNK);
    if (i < lines.length - 1) assert.equal(f[6].length, RTC_CHUNK);
  });
  assert.equal(lines.map((l) => l.split(' ')[6]).join(''), b64);
  // The receiving side joins what the server sends the same way.
  const a = new RtcAssembler();
  const got = lines.map((l) => a.push(rtc(l.replace(' answer ', ' offer '))));
  assert.deepEqual(got.slice(0, -1), lines.slice(0, -1).map(() => null));
  assert.deepEqual(got[got.length - 1], { conv: '0/15', kind: 'offer', text: sdp });
  // A short one is one line; a candidate's JSON too.
  const cand = JSON.stringify({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  const one = rtcLines('3/1', 'candidate', cand);
  assert.equal(one.length, 1);
  assert.match(one[0], /^RTC 3 1 candidate 0 1 [A-Za-z0-9+/=]+$/);
  assert.deepEqual(a.push(rtc(one[0])), { conv: '3/1', kind: 'candidate', text: cand });
  assert.throws(() => rtcLines('3/1', 'answer', ''), (e) => e instanceof RtcError);
  assert.throws(() => rtcLines('3/1', 'answer', 'x'.repeat(256 * 1024 + 1)), (e) => e instanceof RtcError);
});

test('reassembly refuses pieces out of order and starts afresh', () => {
  const a = new RtcAssembler();
  const [p0, p1, p2] = ['YWJj', 'ZGVm', 'Z2hp']; // abc def ghi
  assert.equal(a.push(rtc(`RTC 3 1 offer 0 0 ${p0}`)), null);
  // seq 2 instead of 1: refused, and what was gathered is gone.
  assert.throws(() => a.push(rtc(`RTC 3 1 offer 2 1 ${p2}`)), /out of order/);
  assert.throws(() => a.push(rtc(`RTC 3 1 offer 1 1 ${p1}`)), /out of order/); // not 0 after the reset
  assert.deepEqual(a.push(rtc(`RTC 3 1 offer 0 1 ${p0}`)), { conv: '3/1', kind: 'offer', text: 'abc' });
  // The kind changes before the last piece.
  assert.equal(a.push(rtc(`RTC 3 1 offer 0 0 ${p0}`)), null);
  assert.throws(() => a.push(rtc(`RTC 3 1 ice 1 1 ${p1}`)), /out of order/);
  // A repeated piece.
  assert.equal(a.push(rtc(`RTC 3 1 offer 0 0 ${p0}`)), null);
  assert.throws(() => a.push(rtc(`RTC 3 1 offer 0 0 ${p0}`)), /out of order/);
  // Not base64 once joined (a lone '=' in the middle).
  assert.equal(a.push(rtc('RTC 3 1 offer 0 0 YQ==')), null);
  assert.throws(() => a.push(rtc('RTC 3 1 offer 1 1 YQ==')), (e) => e instanceof RtcError);
  // Too large: the pieces add up past 256 KiB.
  const big = 'A'.repeat(RTC_CHUNK);
  let err: unknown = null;
  for (let i = 0; i < 120 && !err; i++) {
    try {
      a.push(rtc(`RTC 3 1 offer ${i} 0 ${big}`));
    } catch (e) {
      err = e;
    }
  }
  assert.match(String(err), /too large/);
  assert.deepEqual(a.push(rtc('RTC 3 1 ice 0 1 W10=')), { conv: '3/1', kind: 'ice', text: '[]' });
});

test('the roster: JOIN, MEDIA, MUTE, UNMUTE, LEAVE in a channel call', () => {
  const s = loggedIn();
  feed(s, 'CALL 0 15 3 1 JOIN mic');
  assert.deepEqual(s.state.calls['3/1'], { conv: '3/1', participants: [{ user: 15, media: ['mic'], muted: false }] });
  feed(s, 'CALL 0 2 3 1 JOIN mic,cam');
  feed(s, 'CALL 0 15 3 1 MEDIA mic,screen');
  feed(s, 'CALL 0 15 3 1 MUTE 0 2');
  assert.deepEqual(s.state.calls['3/1'].participants, [
    { user: 15, media: ['mic', 'screen'], muted: false },
    { user: 2, media: ['mic', 'cam'], muted: true },
  ]);
  const before = s.state.calls;
  feed(s, 'CALL 0 15 3 1 MUTE 0 9'); // not in the call: nothing changes
  assert.equal(s.state.calls, before);
  feed(s, 'CALL 0 15 3 1 UNMUTE 0 2');
  assert.equal(s.state.calls['3/1'].participants[1].muted, false);
  // A kick is followed by the LEAVE that removes.
  feed(s, 'CALL 0 15 3 1 KICK 0 2');
  assert.equal(s.state.calls['3/1'].participants.length, 2);
  assert.equal(s.state.notices.at(-1)?.kind, 'callKicked');
  assert.equal(s.state.notices.at(-1)?.place, '3/1');
  feed(s, 'CALL 0 2 3 1 LEAVE');
  feed(s, 'CALL 0 15 3 1 LEAVE');
  assert.equal(s.state.calls['3/1'], undefined);
  // Muting lasts until the participant leaves: a new JOIN starts unmuted.
  feed(s, 'CALL 0 7 3 1 JOIN mic\nCALL 0 15 3 1 MUTE 0 7\nCALL 0 7 3 1 LEAVE\nCALL 0 7 3 1 JOIN mic');
  assert.equal(s.state.calls['3/1'].participants[0].muted, false);
});

test('ACTOR CONV addressing: a direct call line concerns the conversation with the actor', () => {
  const s = loggedIn();
  // alice calls bob: she names the conversation "0 2" (bob); for bob it is 0/15.
  feed(s, 'CALL 0 15 0 2 JOIN mic');
  assert.deepEqual(Object.keys(s.state.calls), ['0/15']);
  // bob's own lines name the conversation as he does: 0 15.
  feed(s, 'CALL 0 2 0 15 JOIN mic,cam');
  assert.deepEqual(s.state.calls['0/15'].participants.map((p) => [p.user, p.media.join()]), [
    [15, 'mic'],
    [2, 'mic,cam'],
  ]);
  feed(s, 'CALL 0 15 0 2 MEDIA -');
  assert.deepEqual(s.state.calls['0/15'].participants[0].media, []);
  feed(s, 'CALL 0 2 0 15 LEAVE\nCALL 0 15 0 2 LEAVE');
  assert.deepEqual(s.state.calls, {});
  // A channel line is the channel's, whoever the actor.
  feed(s, 'CALL 0 2 3 1 JOIN mic');
  assert.ok(s.state.calls['3/1']);
});

test('a direct call rings until joined, declined, left, or 45 s', () => {
  let now = 1000;
  const s = loggedIn(() => now);
  feed(s, 'CALL 0 15 0 2 JOIN mic');
  assert.deepEqual(s.state.rings, { '0/15': { conv: '0/15', from: 15, since: 1000 } });
  // bob joins (from this session or another): it stops.
  feed(s, 'CALL 0 2 0 15 JOIN mic');
  assert.deepEqual(s.state.rings, {});
  feed(s, 'CALL 0 2 0 15 LEAVE\nCALL 0 15 0 2 LEAVE');

  // bob declines: CALL 0 2 0 15 DECLINE reaches every session of his.
  feed(s, 'CALL 0 15 0 2 JOIN mic');
  assert.ok(s.state.rings['0/15']);
  feed(s, 'CALL 0 2 0 15 DECLINE');
  assert.deepEqual(s.state.rings, {});
  assert.equal(s.state.calls['0/15'].participants.length, 1, 'a decline does not end the call');
  feed(s, 'CALL 0 15 0 2 LEAVE');

  // alice gives up.
  feed(s, 'CALL 0 15 0 2 JOIN mic');
  feed(s, 'CALL 0 15 0 2 LEAVE');
  assert.deepEqual(s.state.rings, {});

  // Nobody answers for 45 s.
  feed(s, 'CALL 0 15 0 2 JOIN mic');
  now += RING_MS - 1;
  s.expireRings();
  assert.ok(s.state.rings['0/15']);
  now += 1;
  s.expireRings();
  assert.deepEqual(s.state.rings, {});
  // Her MEDIA changes do not ring again.
  feed(s, 'CALL 0 15 0 2 MEDIA mic,cam');
  assert.deepEqual(s.state.rings, {});
  feed(s, 'CALL 0 15 0 2 LEAVE');

  // A channel call never rings, nor one's own call.
  feed(s, 'CALL 0 15 3 1 JOIN mic\nCALL 0 2 0 15 JOIN mic');
  assert.deepEqual(s.state.rings, {});
});

test('the caller hears of a decline', () => {
  const s = loggedIn();
  // bob calls alice; she declines: CALL 0 15 0 2 DECLINE (her naming).
  feed(s, 'CALL 0 2 0 15 JOIN mic');
  assert.deepEqual(s.state.rings, {});
  feed(s, 'CALL 0 15 0 2 DECLINE');
  const n = s.state.notices.at(-1)!;
  assert.deepEqual([n.kind, n.place, n.actor], ['declined', '0/15', 15]);
  assert.deepEqual(s.state.calls['0/15'].participants.map((p) => p.user), [2]);
});

test('the login burst restates the calls, with moderator mutes, and does not ring', () => {
  const s = loggedIn();
  feed(s, 'CALL 0 7 3 1 JOIN mic\nCALL 0 15 0 2 JOIN mic');
  feed(
    s,
    `TAG 0 2
     ADD ON 0 2 bob
     TAG 3 0 club
     TAG 3 1 games
     GRP 3 1 club games 0 15 0 2 0 7
     UNREAD 3 1 0 1
     CALL 0 15 3 1 JOIN mic,cam
     CALL 0 7 3 1 JOIN -
     CALL 0 15 3 1 MUTE 0 7
     CALL 0 15 0 2 JOIN mic`,
  );
  s.release();
  assert.deepEqual(s.state.calls['3/1'].participants, [
    { user: 15, media: ['mic', 'cam'], muted: false },
    { user: 7, media: [], muted: true },
  ]);
  assert.deepEqual(s.state.calls['0/15'].participants.map((p) => p.user), [15]);
  assert.deepEqual(s.state.rings, {});
});

test('a deleted channel takes its call along', () => {
  const s = loggedIn();
  feed(s, 'CALL 0 15 3 1 JOIN mic\nDEL 3 1');
  assert.deepEqual(s.state.calls, {});
});
