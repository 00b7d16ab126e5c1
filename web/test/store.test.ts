// The store fed with transcripts shaped as docs/protocol.md's examples:
// alice (15) owns server 3 ("club"), whose channel 1 is "games"; bob (2)
// and carol (7) are members.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../src/lib/line';
import { type LiveMessage, Store } from '../src/lib/store';

function feed(s: Store, transcript: string): void {
  for (const raw of transcript.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const l = parseLine(line);
    assert.notEqual(l.type, 'bad', `${line}: ${l.type === 'bad' ? l.error : ''}`);
    s.apply(l);
  }
}

const burst = `
  TAG 0 2
  ADD ON 0 2 bob
  ADD ON 0 15 alice
  ADD OFF 0 7 carol
  ADD OFF 0 9 dave
  GRP 0 2 0 15
  TAG 3 0 club
  GRP 3 0 club general 0 15 0 2
  GRP 3 0 club general 0 7
  OWNER 3 0 0 15
  MOD 3 0 0 2
  TAG 3 1 games
  GRP 3 1 club games 0 15 0 2 0 7
  MOD 3 1 0 15
  TOPIC 0 2 3 1 tonight: poker
  SENT 0 9
  SENT 0 9 4 2 other chat
  INV 0 2 0 7
  AWAY 0 15 lunch, back at 2
  UNREAD 3 0 3 8930
  UNREAD 0 15 1 8931
`;

function loggedIn(): Store {
  const s = new Store(() => 1000);
  feed(s, burst);
  s.release(); // as the client does on the login's PONG
  return s;
}

test('the login burst builds users, friends, servers, channels, invitations, unread', () => {
  const s = loggedIn();
  const st = s.state;
  assert.equal(st.me, 2);
  assert.deepEqual(st.users[15], { tag: 15, pseudo: 'alice', online: true, away: 'lunch, back at 2' });
  assert.equal(st.users[7].online, false);
  assert.deepEqual(st.friends, [15]);
  const club = st.servers[3];
  assert.equal(club.name, 'club');
  assert.equal(club.owner, 15);
  assert.deepEqual(club.moderators, [2]);
  assert.deepEqual(club.channels[0].members, [15, 2, 7], 'GRP lines of one place add up');
  assert.equal(club.channels[0].name, 'general');
  assert.equal(club.channels[1].name, 'games');
  assert.equal(club.channels[1].topic, 'tonight: poker');
  assert.deepEqual(club.channels[1].moderators, [15]);
  assert.equal(st.invitations.length, 3);
  const fromDave = st.invitations.filter((i) => i.from === 9);
  assert.ok(fromDave.every((i) => i.incoming && i.to === 2));
  assert.deepEqual(
    fromDave.map((i) => i.place),
    [null, '4/2'],
  );
  const mine = st.invitations.find((i) => i.from === 2)!;
  assert.equal(mine.incoming, false);
  assert.equal(mine.to, 7);
  assert.equal(st.conversations['3/0'].unread, 3);
  assert.equal(st.conversations['3/0'].newest, 8930);
  assert.equal(st.conversations['0/15'].unread, 1);
  assert.deepEqual(s.directs(), [15]);
});

test('messages, replies, edits, deletions and reactions', () => {
  const s = loggedIn();
  const live: LiveMessage[] = [];
  s.onLive((m) => live.push(m));
  const before = s.state;
  feed(
    s,
    `
    @id=8940;time=1733230962417 MSG 0 15 3 0 salut les gens, @bob
    @id=8941;time=1733230970002;reply=8940 MSG 0 2 3 0 salut !
    EDIT 0 15 3 0 8940 salut tout le monde
    REACT 0 2 3 0 8940 👍
    REACT 0 7 3 0 8940 👍
    REACT 0 7 3 0 8940 🎉
    UNREACT 0 7 3 0 8940 🎉
  `,
  );
  const c = s.state.conversations['3/0'];
  assert.equal(c.messages.length, 2);
  const [m1, m2] = c.messages;
  assert.equal(m1.text, 'salut tout le monde');
  assert.equal(m1.edited, 1000);
  assert.equal(m2.replyTo, 8940);
  assert.deepEqual(m1.reactions, [{ emoji: '👍', users: [2, 7], count: 2, mine: true }]);
  // Alice's message counted unread with a mention; bob's own reply moved his marker.
  assert.equal(live.length, 2);
  assert.equal(live[0].mention, true);
  assert.equal(live[1].mine, true);
  assert.equal(c.unread, 0);
  assert.equal(c.readMarker, 8941);
  // Immutability: the old snapshot is untouched; untouched parts keep their identity.
  assert.equal(before.conversations['3/0'].messages.length, 0);
  assert.equal(s.state.servers, before.servers);
  assert.notEqual(s.state.conversations, before.conversations);

  const kept = s.state.conversations['3/0'].messages[1];
  feed(s, 'DELETE 0 15 3 0 8940');
  const after = s.state.conversations['3/0'];
  assert.equal(after.messages[0].deleted, true);
  assert.equal(after.messages[0].text, '');
  assert.equal(after.messages[1], kept, 'an unchanged message keeps its identity');
});

test('direct messages and files are named by the other party', () => {
  const s = loggedIn();
  feed(
    s,
    `
    @id=9001;time=5 MSG 0 15 0 2 hi bob
    @id=9002;time=6 MSG 0 2 0 15 hi alice
    @id=9003;time=7 FILESENT 0 15 photo.png
    @id=9004;time=8 FILESENT 0 2 0 15 reply.jpg
    @id=9005;time=9 FILESENT 0 15 3 0 club.gif
    TYPING 0 15 0 2
  `,
  );
  const d = s.state.conversations['0/15'];
  assert.deepEqual(
    d.messages.map((m) => [m.id, m.author, m.text, m.file]),
    [
      [9001, 15, 'hi bob', null],
      [9002, 2, 'hi alice', null],
      [9003, 15, '', 'photo.png'],
      [9004, 2, '', 'reply.jpg'],
    ],
  );
  assert.equal(d.unread, 0, 'bob wrote last: his own message moved his marker');
  assert.equal(d.readMarker, 9004);
  assert.deepEqual(d.typing, { 15: 1000 + 6000 });
  assert.equal(s.state.conversations['3/0'].messages[0].file, 'club.gif');
  // A message from the typer ends its typing note.
  feed(s, '@id=9006;time=10 MSG 0 15 0 2 there?');
  assert.deepEqual(s.state.conversations['0/15'].typing, {});
});

test('UNREAD and READ move the counts', () => {
  const s = loggedIn();
  feed(s, 'READ 0 15 8931');
  assert.equal(s.state.conversations['0/15'].unread, 0);
  assert.equal(s.state.conversations['0/15'].readMarker, 8931);
  // A READ that would move back is ignored.
  feed(s, 'READ 0 15 8000');
  assert.equal(s.state.conversations['0/15'].readMarker, 8931);
  // An older message arriving after the marker is not unread.
  feed(s, '@id=8900;time=1 MSG 0 15 0 2 old');
  assert.equal(s.state.conversations['0/15'].unread, 0);
  feed(s, '@id=8950;time=1 MSG 0 15 0 2 new');
  assert.equal(s.state.conversations['0/15'].unread, 1);
});

test('HIST pages: newest first page, older pages, reactions, the end', () => {
  const s = loggedIn();
  s.beginHist('3/0', 0, 3);
  assert.equal(s.state.conversations['3/0'].loading, true);
  feed(
    s,
    `
    @id=8812;time=1733230962417;edited=1733230999120 MSG 0 15 3 0 salut tout le monde
    REACT 0 2 3 0 8812 👍
    @id=8820;time=1733231000000 MSG 0 2 3 0 on joue ?
    @id=8830;time=1733231000001 FILESENT 0 7 3 0 plan.pdf
    @id=9999;time=1733231000002 MSG 0 7 3 1 meanwhile in games
  `,
  );
  // Nothing of the page shows before its end line; the live line of another channel does.
  assert.equal(s.state.conversations['3/0'].messages.length, 0);
  assert.equal(s.state.conversations['3/1'].messages.length, 1);
  assert.equal(s.state.conversations['3/1'].unread, 1);
  feed(s, 'HIST 3 0 3');
  let c = s.state.conversations['3/0'];
  assert.deepEqual(
    c.messages.map((m) => m.id),
    [8812, 8820, 8830],
  );
  assert.equal(c.messages[0].edited, 1733230999120);
  assert.deepEqual(c.messages[0].reactions, [{ emoji: '👍', users: [2], count: 1, mine: true }]);
  assert.equal(c.loaded, true);
  assert.equal(c.loading, false);
  assert.equal(c.hasOlder, true, 'a full page: there may be older ones');
  assert.equal(c.unread, 3, 'history is not news: the count stays what UNREAD said');

  s.beginHist('3/0', 8812, 3);
  feed(s, '@id=8700;time=1 MSG 0 15 3 0 the first one\nHIST 3 0 1');
  c = s.state.conversations['3/0'];
  assert.deepEqual(
    c.messages.map((m) => m.id),
    [8700, 8812, 8820, 8830],
  );
  assert.equal(c.hasOlder, false, 'a short page: nothing older');

  // Fetched again (after a reconnect): the newest page replaces what it
  // covers (8820 was deleted meanwhile), keeps what is older and joins on.
  s.beginHist('3/0', 0, 3);
  feed(
    s,
    `
    @id=8812;time=1733230962417 MSG 0 15 3 0 salut tout le monde
    @id=8830;time=1733231000001 FILESENT 0 7 3 0 plan.pdf
    @id=8840;time=1733231000005 MSG 0 15 3 0 missed while away
    HIST 3 0 3
  `,
  );
  c = s.state.conversations['3/0'];
  assert.deepEqual(
    c.messages.map((m) => m.id),
    [8700, 8812, 8830, 8840],
  );
  assert.deepEqual(c.messages[1].reactions, [], 'reactions are restated with each page');

  // A refused HIST ends the wait.
  s.beginHist('0/15', 0, 50);
  feed(s, 'ERR HIST you are not a member of that channel');
  assert.equal(s.state.conversations['0/15'].loading, false);
});

test('trim and loadNewer anchors keep memory bounded and come back', () => {
  const s = loggedIn();
  s.beginHist('3/1', 0, 200);
  const lines: string[] = [];
  for (let id = 1; id <= 120; id++) lines.push(`@id=${id};time=${id} MSG 0 15 3 1 m${id}`);
  feed(s, lines.join('\n') + '\nHIST 3 1 120');
  s.trim('3/1', 'older', 10); // scrolled to the top: the newest 110 go
  let c = s.state.conversations['3/1'];
  assert.deepEqual(
    c.messages.map((m) => m.id),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(c.hasNewer, true);
  // A live message while detached is counted but not appended.
  feed(s, '@id=121;time=121 MSG 0 15 3 1 live');
  c = s.state.conversations['3/1'];
  assert.equal(c.messages.length, 10);
  assert.equal(c.newest, 121);
  // The page after message 10 is the one before message 61 (50 further on).
  assert.equal(s.newerAnchor('3/1'), 61);
  s.beginHist('3/1', 61, 50);
  const page: string[] = [];
  for (let id = 11; id <= 60; id++) page.push(`@id=${id};time=${id} MSG 0 15 3 1 m${id}`);
  feed(s, page.join('\n') + '\nHIST 3 1 50');
  c = s.state.conversations['3/1'];
  assert.equal(c.messages.length, 60);
  assert.equal(c.messages[59].id, 60);
  assert.equal(c.hasNewer, true);
  assert.equal(s.newerAnchor('3/1'), 111);
  s.trim('3/1', 'newer', 20);
  c = s.state.conversations['3/1'];
  assert.deepEqual([c.messages[0].id, c.messages.length, c.hasOlder], [41, 20, true]);
});

test('FIND results are not conversation lines; a live line in the middle stays live', () => {
  const s = loggedIn();
  s.beginFind(null, 'ecole');
  feed(
    s,
    `
    @id=8901;time=1733232000000 MSG 0 15 3 0 ECOLE encore
    @id=8900;time=1733231950000 MSG 0 15 3 1 l'ecole est fermée
    @id=9500;time=1733239999999 MSG 0 7 3 0 live meanwhile
    @id=8899;time=1733231900000 MSG 0 15 3 0 Rendez-vous à l'École demain
    FIND 3
  `,
  );
  const r = s.state.search!;
  assert.equal(r.done, true);
  assert.deepEqual(
    r.results.map((m) => [m.id, m.conv]),
    [
      [8901, '3/0'],
      [8900, '3/1'],
      [8899, '3/0'],
    ],
  );
  assert.deepEqual(
    s.state.conversations['3/0'].messages.map((m) => m.id),
    [9500],
  );
  // An edit reaches a result too.
  feed(s, 'EDIT 0 15 3 1 8900 corrigé');
  assert.equal(s.state.search!.results[1].text, 'corrigé');
});

test('moderation, topics, lists, bans, renames, leaving and deleting', () => {
  const s = loggedIn();
  feed(
    s,
    `
    MOD 3 1 0 2
    TOPIC 0 2 3 1 new topic here
    OPEN 3 1
    UNMOD 3 0 0 2
    RENAME cercle 3
    RENAME jeux 3 1
    RENAME carolyn 0 7
  `,
  );
  let club = s.state.servers[3];
  assert.deepEqual(club.channels[1].moderators, [15, 2]);
  assert.equal(club.channels[1].topic, 'new topic here');
  assert.equal(club.channels[1].public, true);
  assert.deepEqual(club.moderators, []);
  assert.equal(club.name, 'cercle');
  assert.equal(club.channels[1].name, 'jeux');
  assert.equal(s.state.users[7].pseudo, 'carolyn');

  s.beginList(3);
  feed(s, 'CHAN 3 0 public 3 general\nCHAN 3 1 public 2 games tonight: poker\nCHAN 3 4 public 5 lobby\nLIST 3 3');
  assert.equal(s.state.lists[3].done, true);
  assert.deepEqual(
    s.state.lists[3].channels.map((c) => [c.place, c.members, c.topic]),
    [
      ['3/0', 3, ''],
      ['3/1', 2, 'tonight: poker'],
      ['3/4', 5, ''],
    ],
  );

  s.beginBans(3);
  feed(s, 'BAN 3 0 0 9 spam\nBANS 3 1\nUNBAN 3 0 0 9');
  assert.deepEqual(s.state.bans[3], { bans: [], done: true });

  feed(s, 'KICK 0 15 3 1 0 7 too loud\nBYE 0 7 3 1');
  club = s.state.servers[3];
  assert.deepEqual(club.channels[1].members, [15, 2]);
  assert.equal(s.state.notices.length, 0, 'a kick of someone else is no notice for me');

  feed(s, 'KICK 0 15 3 1 0 2 your turn\nBYE 0 2 3 1');
  assert.equal(s.state.servers[3].channels[1], undefined);
  assert.deepEqual(s.state.notices.map((n) => [n.kind, n.place, n.actor, n.reason]), [['kicked', '3/1', 15, 'your turn']]);

  feed(s, 'BYE 0 7 3 0');
  assert.deepEqual(s.state.servers[3].channels[0].members, [15, 2]);
  feed(s, 'DEL 3 0');
  assert.equal(s.state.servers[3], undefined);
});

test('friends and invitations come and go', () => {
  const s = loggedIn();
  feed(s, 'INV 0 8');
  assert.ok(s.state.invitations.some((i) => i.from === 8 && i.incoming && i.place === null));
  feed(s, 'JOIN 0 8 0 2\nADD ON 0 8 erin');
  assert.deepEqual(s.state.friends, [15, 8]);
  assert.ok(!s.state.invitations.some((i) => i.from === 8));
  feed(s, 'BYE 0 2 0 8');
  assert.deepEqual(s.state.friends, [15]);
  feed(s, 'BYE 0 2 0 9 4 2');
  assert.ok(!s.state.invitations.some((i) => i.place === '4/2'));
  feed(s, 'BYE 0 2 0 9');
  assert.ok(!s.state.invitations.some((i) => i.from === 9));
  // Accepting the invitation to a server: JOIN, TAG and GRP.
  feed(s, 'INV 0 15 5 0 new general\nJOIN 5 0 0 2\nTAG 5 0 new\nGRP 5 0 new general 0 15 0 2');
  assert.deepEqual([...s.state.servers[5].channels[0].members].sort(), [15, 2]);
  assert.equal(s.state.servers[5].name, 'new');
  assert.ok(!s.state.invitations.some((i) => i.place === '5/0'));
  feed(s, 'JOIN 5 0 0 7');
  assert.deepEqual([...s.state.servers[5].channels[0].members].sort(), [15, 2, 7]);
  feed(s, 'BYE 0 15');
  assert.equal(s.state.users[15].online, false);
});

test('games keep their last lines; subscribers hear once per batch', async () => {
  const s = loggedIn();
  let calls = 0;
  const off = s.subscribe(() => calls++);
  feed(s, 'JEU blackjack table 1 open\nJEU blackjack deal Ah Td\nJEU dice alice rolls 7');
  assert.deepEqual(
    s.state.games.blackjack.map((g) => g.payload),
    ['table 1 open', 'deal Ah Td'],
  );
  assert.equal(calls, 0, 'told in a microtask, not during apply');
  await Promise.resolve();
  assert.equal(calls, 1);
  off();
  feed(s, 'JEU dice bob rolls 3');
  await Promise.resolve();
  assert.equal(calls, 1);
});

test('a new login burst starts afresh but keeps the messages loaded', () => {
  const s = loggedIn();
  feed(s, '@id=8950;time=1 MSG 0 15 3 0 hello');
  feed(s, burst);
  const c = s.state.conversations['3/0'];
  assert.equal(c.messages.length, 1);
  assert.equal(c.loaded, false, 'to be fetched again');
  assert.equal(c.unread, 3, 'as the new burst says');
  assert.equal(s.state.invitations.length, 3, 'restated invitations are not doubled');
  assert.deepEqual(s.state.servers[3].channels[0].members, [15, 2, 7]);
});

test('game lines go to the conversation their payload names', () => {
  const s = loggedIn();
  feed(s, 'JEU blackjack sat 3 1 1 15\nJEU blackjack card 3 1 1 0 Ah 11\nJEU blackjack balance 500\nJEU roulette spin 0 15 17');
  assert.deepEqual(
    s.state.conversations['3/1'].games.map((g) => [g.game, g.payload]),
    [
      ['blackjack', 'sat 3 1 1 15'],
      ['blackjack', 'card 3 1 1 0 Ah 11'],
    ],
  );
  assert.equal(s.state.conversations['0/15'].games.length, 1);
  assert.equal(s.state.games.blackjack.length, 3);
  assert.equal(s.state.games.blackjack[2].conv, null);
  // With the conversation the command was typed in, an answer without an address goes there.
  s.apply(parseLine('JEU blackjack balance 480'), { conv: '3/0', game: 'blackjack' });
  s.apply(parseLine('ROLL 2d6 3 + 4 = 7'), { conv: '3/0', game: 'ROLL' });
  s.apply(parseLine('JEU roulette help bet'), { conv: '3/0', game: 'blackjack' });
  assert.deepEqual(
    s.state.conversations['3/0'].games.map((g) => [g.game, g.payload]),
    [
      ['blackjack', 'balance 480'],
      ['ROLL', '2d6 3 + 4 = 7'],
    ],
  );
});

test('a login burst is told to subscribers once, when released', async () => {
  const s = new Store(() => 1000);
  let calls = 0;
  s.subscribe(() => calls++);
  feed(s, 'TAG 0 2');
  await Promise.resolve();
  feed(s, 'ADD ON 0 2 bob');
  await Promise.resolve();
  feed(s, 'GRP 0 2 0 15');
  await Promise.resolve();
  assert.equal(calls, 0);
  s.release();
  await Promise.resolve();
  assert.equal(calls, 1);
  assert.deepEqual(s.state.friends, [15]);
});
