import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Line, CommandError, cmd, conversationOf, parseLine, splitKey } from '../src/lib/line';

function ok(text: string): Line {
  const l = parseLine(text);
  assert.notEqual(l.type, 'bad', `${text}: ${l.type === 'bad' ? l.error : ''}`);
  return l;
}

function bad(text: string, why: RegExp): void {
  const l = parseLine(text);
  assert.equal(l.type, 'bad', `${text} should not parse`);
  if (l.type === 'bad') assert.match(l.error, why);
}

test('login burst lines', () => {
  assert.deepEqual(pick(ok('TAG 0 15')), { type: 'me', user: 15 });
  assert.deepEqual(pick(ok('TAG 3 0 club')), { type: 'place', place: '3/0', name: 'club' });
  assert.deepEqual(pick(ok('TAG 3 1 games')), { type: 'place', place: '3/1', name: 'games' });
  assert.deepEqual(pick(ok('ADD ON 0 2 bob')), { type: 'presence', online: true, user: 2, pseudo: 'bob' });
  assert.deepEqual(pick(ok('ADD OFF 0 7 carol')), { type: 'presence', online: false, user: 7, pseudo: 'carol' });
  assert.deepEqual(pick(ok('GRP 0 15 0 2 0 7')), { type: 'friends', owner: 15, users: [2, 7] });
  assert.deepEqual(pick(ok('GRP 0 15')), { type: 'friends', owner: 15, users: [] });
  assert.deepEqual(pick(ok('GRP 3 0 club general 0 15 0 2')), {
    type: 'members',
    place: '3/0',
    serverName: 'club',
    channelName: 'general',
    users: [15, 2],
  });
  assert.deepEqual(pick(ok('SENT 0 9')), {
    type: 'invite',
    restated: true,
    from: 9,
    to: 0,
    place: null,
    serverName: '',
    channelName: '',
  });
  assert.deepEqual(pick(ok('SENT 0 9 4 2 other chat')), {
    type: 'invite',
    restated: true,
    from: 9,
    to: 0,
    place: '4/2',
    serverName: 'other',
    channelName: 'chat',
  });
  assert.deepEqual(pick(ok('INV 0 15 0 8 3 1 club games')), {
    type: 'invite',
    restated: false,
    from: 15,
    to: 8,
    place: '3/1',
    serverName: 'club',
    channelName: 'games',
  });
  assert.deepEqual(pick(ok('OWNER 3 0 0 15')), { type: 'role', role: 'OWNER', place: '3/0', user: 15 });
  assert.deepEqual(pick(ok('UNREAD 3 0 3 8930')), { type: 'unread', conv: '3/0', count: 3, newest: 8930 });
  assert.deepEqual(pick(ok('AWAY 0 15 lunch, back at 2')), { type: 'away', user: 15, text: 'lunch, back at 2' });
  assert.deepEqual(pick(ok('AWAY 0 15')), { type: 'away', user: 15, text: '' });
});

test('tagged messages keep their free text, spaces included', () => {
  const l = ok('@id=8813;time=1733230970002;reply=8812 MSG 0 2 3 0 salut  !  à  toi ');
  assert.equal(l.type, 'msg');
  if (l.type !== 'msg') return;
  assert.deepEqual(l.tags, { id: 8813, time: 1733230970002, reply: 8812 });
  assert.equal(l.from, 2);
  assert.equal(l.to, '3/0');
  assert.equal(l.text, 'salut  !  à  toi ');

  const e = ok('@id=8820;time=1733231000000;edited=1733231050000;x-new=1 MSG 0 15 3 0 salut tout le monde !');
  assert.equal(e.type === 'msg' && e.tags?.edited, 1733231050000);
  assert.deepEqual(e.type === 'msg' && e.tags?.other, { 'x-new': '1' });

  const f = ok('@id=9000;time=1 FILESENT 0 1 0 2 photo.png');
  assert.deepEqual(pick(f), { type: 'fileSent', tags: { id: 9000, time: 1 }, from: 1, to: '0/2', name: 'photo.png' });
  const g = ok('FILESENT 0 1 photo.png');
  assert.deepEqual(pick(g), { type: 'fileSent', tags: null, from: 1, to: null, name: 'photo.png' });

  assert.deepEqual(pick(ok('ERR MSG you must be friends or share a server')), {
    type: 'error',
    of: 'MSG',
    reason: 'you must be friends or share a server',
  });
  assert.deepEqual(pick(ok('JEU dice alice rolls 2d6: 3 + 4 = 7')), {
    type: 'game',
    game: 'dice',
    payload: 'alice rolls 2d6: 3 + 4 = 7',
  });
  // A CRLF at the end is not part of the text.
  const crlf = ok('MSG 0 1 5 2 see you at 8\r\n');
  assert.equal(crlf.type === 'msg' && crlf.text, 'see you at 8');
});

test('Part two notifications', () => {
  assert.deepEqual(pick(ok('EDIT 0 15 3 0 8812 salut tout le monde')), {
    type: 'edit',
    actor: 15,
    to: '3/0',
    id: 8812,
    text: 'salut tout le monde',
  });
  assert.deepEqual(pick(ok('DELETE 0 15 3 0 8813')), { type: 'delete', actor: 15, to: '3/0', id: 8813 });
  assert.deepEqual(pick(ok('REACT 0 2 3 0 8812 👍')), {
    type: 'react',
    actor: 2,
    to: '3/0',
    id: 8812,
    emoji: '👍',
    removed: false,
  });
  assert.equal((ok('UNREACT 0 2 3 0 8812 👍') as { removed: boolean }).removed, true);
  assert.deepEqual(pick(ok('TYPING 0 15 3 0')), { type: 'typing', actor: 15, to: '3/0' });
  assert.deepEqual(pick(ok('READ 0 15 8931')), { type: 'read', conv: '0/15', id: 8931 });
  assert.deepEqual(pick(ok('HIST 3 0 2')), { type: 'end', of: 'HIST', server: 0, conv: '3/0', n: 2 });
  assert.deepEqual(pick(ok('FIND 3')), { type: 'end', of: 'FIND', server: 0, conv: null, n: 3 });
  assert.deepEqual(pick(ok('LIST 3 2')), { type: 'end', of: 'LIST', server: 3, conv: null, n: 2 });
  assert.deepEqual(pick(ok('MOD 3 0 0 2')), { type: 'role', role: 'MOD', place: '3/0', user: 2 });
  assert.deepEqual(pick(ok('TOPIC 0 2 3 1 tonight: poker')), {
    type: 'topic',
    actor: 2,
    place: '3/1',
    text: 'tonight: poker',
  });
  assert.deepEqual(pick(ok('KICK 0 2 3 1 0 7 too loud')), {
    type: 'kick',
    actor: 2,
    place: '3/1',
    user: 7,
    reason: 'too loud',
  });
  assert.deepEqual(pick(ok('BAN 3 0 0 7 spam')), { type: 'ban', server: 3, user: 7, reason: 'spam', lifted: false });
  assert.deepEqual(pick(ok('UNBAN 3 0 0 7')), { type: 'ban', server: 3, user: 7, reason: '', lifted: true });
  assert.deepEqual(pick(ok('CHAN 3 1 public 2 games tonight: poker')), {
    type: 'chan',
    place: '3/1',
    public: true,
    members: 2,
    name: 'games',
    topic: 'tonight: poker',
  });
  assert.deepEqual(pick(ok('OPEN 3 1')), { type: 'visibility', place: '3/1', public: true });
  assert.deepEqual(pick(ok('CAP ACK tags')), { type: 'caps', sub: 'ACK', names: ['tags'] });
  const tok = 'A'.repeat(43);
  assert.deepEqual(pick(ok('WEBTOKEN ' + tok)), { type: 'webToken', token: tok });
});

test('the other core lines', () => {
  assert.deepEqual(pick(ok('JOIN 3 1 0 7')), { type: 'join', place: '3/1', user: 7 });
  assert.deepEqual(pick(ok('JOIN 0 2 0 15')), { type: 'join', place: '0/2', user: 15 });
  assert.deepEqual(pick(ok('BYE')), { type: 'logout' });
  assert.deepEqual(pick(ok('BYE 0 7')), { type: 'offline', user: 7 });
  assert.deepEqual(pick(ok('BYE 0 7 3 1')), { type: 'left', user: 7, place: '3/1' });
  assert.deepEqual(pick(ok('BYE 0 7 0 2')), { type: 'unfriend', user: 7, other: 2 });
  assert.deepEqual(pick(ok('BYE 0 7 0 2 3 1')), { type: 'uninvite', user: 7, other: 2, place: '3/1' });
  assert.deepEqual(pick(ok('DEL 3 1')), { type: 'deleted', place: '3/1' });
  assert.deepEqual(pick(ok('RENAME nouveau 3')), { type: 'renameServer', name: 'nouveau', server: 3 });
  assert.deepEqual(pick(ok('RENAME salle 3 1')), { type: 'renameChannel', name: 'salle', place: '3/1' });
  assert.deepEqual(pick(ok('RENAME bobby 0 2')), { type: 'renameUser', name: 'bobby', user: 2 });
  assert.deepEqual(pick(ok('PSW newsecret1')), { type: 'password', password: 'newsecret1' });
  assert.deepEqual(pick(ok('NEWFILE OK')), { type: 'ack', of: 'NEWFILE' });
  assert.deepEqual(pick(ok('NEWFILE 5 2 photo.png 5000')), { type: 'fileStart', conv: '5/2', name: 'photo.png', size: 5000 });
  assert.deepEqual(pick(ok('FILE 5 2 photo.png iVBO==')), { type: 'fileChunk', conv: '5/2', name: 'photo.png', data: 'iVBO==' });
  assert.deepEqual(pick(ok('ENDFILE 0 2 photo.png 5000')), { type: 'fileEnd', conv: '0/2', name: 'photo.png', size: 5000 });
  assert.deepEqual(pick(ok('PONG w12')), { type: 'pong', token: 'w12' });
  assert.deepEqual(pick(ok('PING salond')), { type: 'ping', token: 'salond' });
  assert.deepEqual(pick(ok('KEY 0 15 AQIDBA==')), { type: 'key', user: 15, key: 'AQIDBA==' });
  assert.deepEqual(pick(ok('CALL 0 2 3 0 JOIN mic')), { type: 'call', actor: 2, to: '3/0', event: 'JOIN', media: ['mic'], user: 0 });
  assert.deepEqual(pick(ok('LOCATE 0 2 3 0')), { type: 'unknown', rest: '0 2 3 0' });
});

test('bad lines come back as errors, never as exceptions', () => {
  bad('', /empty verb/);
  bad('MSG 0 1 5', /MSG: wrong number of fields/);
  bad('MSG 1 0 5 2 hi', /expected a user address/);
  bad('MSG 0 0 5 2 hi', /invalid address/);
  bad('MSG 0 01 5 2 hi', /invalid address/);
  bad('ADD MAYBE 0 2 bob', /expected ON or OFF/);
  bad('ADD ON 0 2  bob', /wrong number of fields|empty field/);
  bad('GRP 3 0 club general 0', /members must be 0 tag pairs/);
  bad('TAG 0 99999999999999999999', /invalid address/);
  bad('TAG 0 9007199254740993', /invalid address/); // beyond 2^53: refused rather than misread
  bad('@id=1 MSG 0 1 5 2 hi', /no time tag/);
  bad('@id=0;time=1 MSG 0 1 5 2 hi', /invalid id tag/);
  bad('@id=1;id=2;time=1 MSG 0 1 5 2 hi', /given twice/);
  bad('@id=1;time MSG 0 1 5 2 hi', /malformed tag/);
  bad('@id=1;time=1', /without a line after it/);
  bad('@' + 'a=b;'.repeat(200) + ' MSG 0 1 5 2 hi', /longer than 512/);
  bad('@id=1;time=1 @id=2;time=2 MSG 0 1 5 2 hi', /two tag prefixes/);
  bad('REACT 0 2 3 0 8812 a\u0001b', /invalid reaction/);
  bad('REACT 0 2 3 0 0 x', /invalid message id/);
  bad('UNREAD 3 0 x 1', /invalid number/);
  bad('OWNER 3 1 0 2', /an owner is of a server/);
  bad('BAN 3 1 0 2 x', /a ban is from a server/);
  bad('HIST 3 0', /wrong number of fields/);
  bad('CHAN 3 1 secret 2 games', /expected public or private/);
  bad('PONG a b', /token with a space/);
  bad('ERR', /missing verb/);
  bad('JEU', /missing game id/);
  bad('WEBTOKEN short', /invalid token/);
  // Many random lines: none throws.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = ['MSG', 'TAG', 'GRP', '0', '1', '3', '@id=1;time=2', 'x', '', 'ADD', 'ON', 'BYE', 'REACT', 'HIST'];
  for (let i = 0; i < 5000; i++) {
    const n = Math.floor(rand() * 8);
    const line = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
    const l = parseLine(line);
    assert.ok(typeof l.type === 'string');
  }
});

test('commands are written as the protocol says, and bad arguments refused', () => {
  assert.equal(cmd.login('alice', 'secret123'), 'IAM alice secret123');
  assert.equal(cmd.register('alice', 'secret123'), 'NEW USR alice secret123');
  assert.equal(cmd.msg('3/0', 'salut les gens'), 'MSG 3 0 salut les gens');
  assert.equal(cmd.msg('0/2', 'hi bob'), 'MSG 0 2 hi bob');
  assert.equal(cmd.reply(8812, 'salut !'), 'REPLY 8812 salut !');
  assert.equal(cmd.edit(8812, 'x y'), 'EDIT 8812 x y');
  assert.equal(cmd.delete(8813), 'DELETE 8813');
  assert.equal(cmd.react(8812, '👍'), 'REACT 8812 👍');
  assert.equal(cmd.unreact(8812, '👍'), 'UNREACT 8812 👍');
  assert.equal(cmd.hist('3/0', 0, 50), 'HIST 3 0 0 50');
  assert.equal(cmd.find('3/0', 'école'), 'FIND 3 0 école');
  assert.equal(cmd.find(null, 'ecole'), 'FIND 0 0 ecole');
  assert.equal(cmd.read('0/15', 8931), 'READ 0 15 8931');
  assert.equal(cmd.typing('3/0'), 'TYPING 3 0');
  assert.equal(cmd.newServer('club'), 'NEW SERV club');
  assert.equal(cmd.newChannel(3, 'games'), 'NEW CHAN 3 games');
  assert.equal(cmd.del('3/1'), 'DEL 3 1');
  assert.equal(cmd.renameServer(3, 'cercle'), 'RENAME cercle 3');
  assert.equal(cmd.renameChannel('3/1', 'jeux'), 'RENAME jeux 3 1');
  assert.equal(cmd.leave('3/0'), 'BYE 3 0');
  assert.equal(cmd.invite(2), 'INV 0 2');
  assert.equal(cmd.invite(2, '3/1'), 'INV 0 2 3 1');
  assert.equal(cmd.acceptFriend(2), 'JOIN 0 2');
  assert.equal(cmd.join('3/1'), 'JOIN 3 1');
  assert.equal(cmd.unfriend(2), 'BYE 0 2');
  assert.equal(cmd.uninvite(2, '3/1'), 'BYE 0 2 3 1');
  assert.equal(cmd.mod('3/0', 2), 'MOD 3 0 0 2');
  assert.equal(cmd.unmod('3/1', 2), 'UNMOD 3 1 0 2');
  assert.equal(cmd.kick('3/1', 7, 'too loud'), 'KICK 3 1 0 7 too loud');
  assert.equal(cmd.kick('3/1', 7), 'KICK 3 1 0 7');
  assert.equal(cmd.ban(3, 7, 'spam'), 'BAN 3 0 0 7 spam');
  assert.equal(cmd.unban(3, 7), 'UNBAN 3 0 0 7');
  assert.equal(cmd.bans(3), 'BANS 3');
  assert.equal(cmd.topic('3/1', 'tonight: poker'), 'TOPIC 3 1 tonight: poker');
  assert.equal(cmd.topic('3/1', ''), 'TOPIC 3 1');
  assert.equal(cmd.open('3/1'), 'OPEN 3 1');
  assert.equal(cmd.close('3/1'), 'CLOSE 3 1');
  assert.equal(cmd.list(3), 'LIST 3');
  assert.equal(cmd.away('lunch, back at 2'), 'AWAY lunch, back at 2');
  assert.equal(cmd.away(), 'AWAY');
  assert.equal(cmd.game('blackjack', 'bet 10'), 'JEU blackjack bet 10');
  assert.equal(cmd.password('oldsecret', 'newsecret'), 'PSW oldsecret newsecret');
  assert.equal(cmd.pseudo('bobby', 'secret123'), 'PSD bobby secret123');
  assert.equal(cmd.who('bob'), 'WHO bob');
  assert.equal(cmd.webToken(), 'WEBTOKEN');
  assert.equal(cmd.newFile('5/2', 'photo.png', 5000), 'NEWFILE 5 2 photo.png 5000');
  assert.equal(cmd.endFile('0/2', 'photo.png', 5000), 'ENDFILE 0 2 photo.png 5000');

  const refused = (f: () => unknown, why: RegExp) =>
    assert.throws(f, (e) => e instanceof CommandError && why.test((e as Error).message));
  refused(() => cmd.msg('3/0', ''), /empty/);
  refused(() => cmd.msg('3/0', 'two\nlines'), /line break/);
  refused(() => cmd.msg('3/0', 'é'.repeat(2001)), /longer than 4000 bytes/);
  refused(() => cmd.msg('0/0', 'hi'), /invalid conversation/);
  refused(() => cmd.msg('3 0', 'hi'), /invalid conversation/);
  refused(() => cmd.login('al ice', 'secret123'), /pseudo/);
  refused(() => cmd.login('alice', 'short'), /password/);
  refused(() => cmd.react(1, 'two words'), /reaction/);
  refused(() => cmd.hist('3/0', 0, 201), /1 to 200/);
  refused(() => cmd.del('0/2'), /server or channel/);
  refused(() => cmd.newServer('x'.repeat(33)), /1 to 32 bytes/);
  refused(() => cmd.delete(0), /message id/);
});

test('conversations are named as the viewer sees them', () => {
  assert.equal(conversationOf(15, 15, '0/2'), '0/2'); // my own direct message
  assert.equal(conversationOf(2, 15, '0/2'), '0/15'); // one to me
  assert.equal(conversationOf(2, 15, null), '0/15'); // FILESENT 0 15 name
  assert.equal(conversationOf(2, 15, '3/1'), '3/1');
  assert.deepEqual(splitKey('3/1'), [3, 1]);
});

// pick drops the raw text and verb, which every line carries.
function pick(l: Line): Record<string, unknown> {
  const { raw: _raw, verb: _verb, ...rest } = l as Line & Record<string, unknown>;
  return rest;
}
