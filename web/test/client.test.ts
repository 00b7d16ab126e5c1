import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SalonClient, ServerError, unbase64 } from '../src/lib/client';
import { FakeSocket, FakeTimers, fakeServer, settle } from './fake';

function setup(server: (line: string, sock: FakeSocket) => void) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const fetches: { url: string; init: RequestInit | undefined }[] = [];
  const client = new SalonClient({
    url: 'ws://test/ws',
    socket: (url) => {
      const s = new FakeSocket(url);
      s.server = server;
      sockets.push(s);
      return s;
    },
    fetch: (async (url: string, init?: RequestInit) => {
      fetches.push({ url, init });
      return { status: 204, ok: true } as Response;
    }) as unknown as typeof fetch,
    timers,
    random: () => 1,
  });
  return { client, timers, sockets, fetches };
}

async function loggedIn(server = fakeServer(2, 'bob')) {
  const t = setup(server);
  const p = t.client.login('bob', 'secret123');
  t.sockets[0].open();
  await p;
  await settle();
  return t;
}

test('login sends CAP tags, IAM and a PING, resolves after the burst, then gets the files cookie', async () => {
  const { client, sockets, fetches } = await loggedIn();
  assert.deepEqual(sockets[0].sent.slice(0, 3), ['CAP REQ tags', 'IAM bob secret123', 'PING w1']);
  assert.equal(client.state.session.state, 'in');
  assert.equal(client.state.me, 2);
  assert.equal(client.state.connection.state, 'online');
  assert.ok(sockets[0].sent.includes('WEBTOKEN'));
  assert.equal(fetches.length, 1);
  assert.equal(fetches[0].url, '/auth');
  assert.equal(fetches[0].init?.method, 'POST');
  assert.deepEqual(fetches[0].init?.headers, { Authorization: 'Salon ' + 'T'.repeat(43) });
  assert.equal(client.state.filesReady, true);
  assert.equal(client.fileURL('0/15', 'a b.png', true), '/files/0/15/a%20b.png?thumb=1');
});

test('a refused login rejects with the reason and does not retry', async () => {
  const { client, sockets, timers } = setup((line, s) => {
    if (line.startsWith('IAM')) s.say('ERR IAM wrong pseudo or password');
    else fakeServer(2, 'bob')(line, s);
  });
  const p = client.login('bob', 'wrongpass1');
  sockets[0].open();
  await assert.rejects(p, /wrong pseudo or password/);
  assert.equal(client.state.session.state, 'out');
  assert.equal(client.state.session.error, 'wrong pseudo or password');
  assert.equal(timers.nextDelay(), null, 'no reconnect');
});

test('requests resolve with their answer and reject with their ERR', async () => {
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (line === 'NEW SERV club') s.say('TAG 3 0 club', 'GRP 3 0 club general 0 2');
      else if (line === 'NEW SERV x y') s.say('ERR NEW wrong number of fields');
      else if (line === 'NEW CHAN 3 games') s.say('TAG 3 1 games', 'GRP 3 1 club games 0 2');
      else if (line === 'WHO alice') s.say('ADD ON 0 15 alice');
      else if (line === 'WHO nobody') s.say('ERR WHO no such user');
      else if (line === 'LIST 3') s.say('CHAN 3 0 public 1 general', 'LIST 3 1');
      else return false;
      return true;
    }),
  );
  assert.equal(await client.createServer('club'), 3);
  assert.equal(client.state.servers[3].name, 'club');
  assert.equal(await client.createChannel(3, 'games'), '3/1');
  assert.equal(await client.who('alice'), 15);
  await assert.rejects(client.who('nobody'), (e) => e instanceof ServerError && e.verb === 'WHO' && e.reason === 'no such user');
  assert.deepEqual(
    (await client.list(3)).map((c) => c.place),
    ['3/0'],
  );
  // A bad argument is refused before anything is sent.
  await assert.rejects(client.createServer('x y'), /printable text without spaces/);
});

test('nothing typed is lost: messages typed offline, and one sent but not echoed, go out after the re-login', async () => {
  let echoing = true;
  let nextId = 100;
  const server = fakeServer(2, 'bob', (line, s) => {
    if (!echoing) return true; // the server is dying: it answers nothing more
    const m = /^MSG 3 0 (.*)$/.exec(line);
    if (!m) return false;
    s.say(`@id=${nextId++};time=1 MSG 0 2 3 0 ${m[1]}`);
    return true;
  });
  const { client, sockets, timers } = await loggedIn(server);
  assert.equal(await client.sendMessage('3/0', 'first'), 100);
  assert.deepEqual(client.state.conversations['3/0'].pending, []);

  // The server takes the line but dies before echoing it.
  echoing = false;
  const lost = client.sendMessage('3/0', 'in flight');
  await settle();
  assert.equal(client.state.conversations['3/0'].pending[0].state, 'sent');
  sockets[0].drop(1006);
  assert.equal(client.state.connection.state, 'offline');
  assert.equal(client.state.session.state, 'pending');

  // Typed while offline.
  const typed = client.sendMessage('3/0', 'typed offline');
  assert.deepEqual(
    client.state.conversations['3/0'].pending.map((p) => [p.text, p.state]),
    [
      ['in flight', 'sent'],
      ['typed offline', 'queued'],
    ],
  );
  assert.deepEqual(
    client.outbox.filter((l) => l.startsWith('MSG')),
    ['MSG 3 0 in flight', 'MSG 3 0 typed offline'],
  );

  // The server is back: the client logs in again by itself and sends both, in order.
  echoing = true;
  timers.advance(timers.nextDelay()!);
  assert.equal(sockets.length, 2);
  sockets[1].open();
  assert.equal(await lost, 101);
  assert.equal(await typed, 102);
  const sent = sockets[1].sent.filter((l) => !l.startsWith('PING'));
  // The one that was on the wire is looked for in the newest page first: not there, it goes again.
  assert.deepEqual(sent.slice(0, 5), [
    'CAP REQ tags',
    'IAM bob secret123',
    'HIST 3 0 0 50',
    'MSG 3 0 in flight',
    'MSG 3 0 typed offline',
  ]);
  assert.deepEqual(client.state.conversations['3/0'].pending, []);
  assert.deepEqual(
    client.state.conversations['3/0'].messages.map((m) => m.text),
    ['first', 'in flight', 'typed offline'],
  );
  assert.equal(client.state.connection.state, 'online');
  assert.equal(client.state.session.state, 'in');
});

test('a refused message stays as failed, with the reason', async () => {
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (!line.startsWith('MSG 0 9')) return false;
      s.say('ERR MSG you must be friends or share a server');
      return true;
    }),
  );
  await assert.rejects(client.sendMessage('0/9', 'hi'), /you must be friends/);
  const p = client.state.conversations['0/9'].pending;
  assert.deepEqual(
    p.map((x) => [x.state, x.error]),
    [['failed', 'you must be friends or share a server']],
  );
  client.discardPending('0/9', p[0].local);
  assert.deepEqual(client.state.conversations['0/9'].pending, []);
});

test('upload sends NEWFILE, FILE lines of 2880 bytes pipelined, ENDFILE, and resolves with the final name', async () => {
  const size = 2880 * 2 + 1000; // not a multiple of 2880
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 256;
  const files: string[] = [];
  let held: string[] = [];
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      const [verb] = line.split(' ');
      if (verb === 'NEWFILE') s.say('NEWFILE OK');
      else if (verb === 'FILE') {
        files.push(line);
        held.push('FILE OK'); // answered later: the client must not wait for each
      } else if (verb === 'ENDFILE') {
        s.say(...held, 'ENDFILE OK', '@id=500;time=1 FILESENT 0 2 3 0 photo-2.png');
        held = [];
      } else return false;
      return true;
    }),
  );
  const progress: [number, number][] = [];
  const name = await client.upload('3/0', new Blob([bytes]), 'photo.png', (d, t) => progress.push([d, t]));
  assert.equal(name, 'photo-2.png');
  assert.equal(files.length, 3);
  const decoded: number[] = [];
  for (const [i, f] of files.entries()) {
    const [verb, s, c, tmp, data] = f.split(' ');
    assert.deepEqual([verb, s, c, tmp], ['FILE', '3', '0', 'photo.png']);
    const b = unbase64(data);
    assert.equal(b.length, i < 2 ? 2880 : 1000);
    assert.ok(data.length <= 3840);
    decoded.push(...b);
  }
  assert.deepEqual(decoded, [...bytes]);
  assert.deepEqual(progress[0], [0, size]);
  assert.deepEqual(progress[progress.length - 1], [size, size]);
  assert.equal(client.state.conversations['3/0'].messages[0].file, 'photo-2.png');
});

test('an upload refused midway rejects with the reason', async () => {
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      const [verb] = line.split(' ');
      if (verb === 'NEWFILE') s.say('ERR NEWFILE file too large: the limit is 10 bytes');
      else return false;
      return true;
    }),
  );
  await assert.rejects(client.upload('3/0', new Blob([new Uint8Array(20)]), 'big.bin'), /file too large/);
});

test('history pages through the client: open, loadOlder, and the end', async () => {
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (line === 'HIST 3 0 0 50') {
        const page = [];
        for (let id = 51; id <= 100; id++) page.push(`@id=${id};time=${id} MSG 0 15 3 0 m${id}`);
        s.say(...page, 'HIST 3 0 50');
      } else if (line === 'HIST 3 0 51 50') {
        s.say('@id=7;time=7 MSG 0 15 3 0 the first', 'HIST 3 0 1');
      } else return false;
      return true;
    }),
  );
  assert.equal(await client.open('3/0'), true);
  assert.equal(client.state.conversations['3/0'].messages.length, 50);
  assert.equal(await client.loadOlder('3/0'), false);
  assert.equal(client.state.conversations['3/0'].messages[0].text, 'the first');
  assert.equal(await client.loadOlder('3/0'), false, 'nothing older: no request');
});

test('typing is throttled; the server\'s PING is answered', async () => {
  const { client, sockets, timers } = await loggedIn();
  client.typing('3/0');
  client.typing('3/0');
  timers.advance(3000);
  client.typing('3/0');
  assert.equal(sockets[0].sent.filter((l) => l === 'TYPING 3 0').length, 2);
  sockets[0].say('PING salond');
  assert.equal(sockets[0].sent[sockets[0].sent.length - 1], 'PONG salond');
});

test('logout closes for good', async () => {
  const { client, sockets, timers } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (line !== 'BYE') return false;
      s.say('BYE');
      s.drop(1000);
      return true;
    }),
  );
  await client.logout();
  assert.equal(client.state.session.state, 'out');
  assert.equal(client.state.me, 0);
  assert.equal(client.state.connection.state, 'idle');
  assert.equal(timers.nextDelay(), null);
  assert.equal(sockets.length, 1);
});

test('game commands and plugin verbs resolve with their answers, kept in the conversation', async () => {
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (line === 'ROLL 2d6') s.say('ROLL 2d6 3 + 4 = 7');
      else if (line === 'ROLL') s.say('ERR ROLL nothing to roll: try 2d6+1');
      else if (line === 'JEU blackjack balance') s.say('JEU blackjack balance 500');
      else if (line === 'JEU blackjack sit 3 1') s.say('JEU blackjack sat 3 1 1 2');
      else return false;
      return true;
    }),
  );
  assert.deepEqual(await client.command('ROLL 2d6', '3/0'), ['2d6 3 + 4 = 7']);
  await assert.rejects(client.command('ROLL', '3/0'), /nothing to roll/);
  assert.deepEqual(await client.game('blackjack', 'balance', '3/0'), ['balance 500']);
  assert.deepEqual(await client.game('blackjack', 'sit 3 1', '3/0'), ['sat 3 1 1 2']);
  assert.deepEqual(
    client.state.conversations['3/0'].games.map((g) => g.payload),
    ['2d6 3 + 4 = 7', 'balance 500'],
  );
  assert.deepEqual(
    client.state.conversations['3/1'].games.map((g) => g.payload),
    ['sat 3 1 1 2'],
  );
  await assert.rejects(client.command('roll 2d6'), /upper case/);
});

test('a slow game answer does not steal the answers of the commands sent after it', async () => {
  let holding = false;
  const held: string[] = [];
  let sock: FakeSocket | null = null;
  const { client } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      sock = s;
      if (line === 'JEU slow think') {
        holding = true; // the plugin takes its time; PONGs wait for it
        return true;
      }
      if (line.startsWith('PING') && holding) {
        held.push('PONG ' + line.slice(5));
        return true;
      }
      if (line === 'MSG 3 0 quick') s.say('@id=300;time=1 MSG 0 2 3 0 quick');
      else if (line === 'MSG 0 9 no') s.say('ERR MSG you must be friends or share a server');
      else return false;
      return true;
    }),
  );
  const game = client.game('slow', 'think', '3/0');
  const msg = client.sendMessage('3/0', 'quick');
  const refused = assert.rejects(client.sendMessage('0/9', 'no'), /you must be friends/);
  await settle();
  // The plugin answers at last, then the PONGs come in order.
  holding = false;
  sock!.say('JEU slow thought hard', ...held);
  assert.deepEqual(await game, ['thought hard']);
  assert.equal(await msg, 300);
  await refused;
  assert.deepEqual(client.state.errors, [], 'the ERR went to its request, not to a toast');
});

test('a message the server stored but never echoed before dying is not sent twice', async () => {
  const stored: string[] = [];
  let alive = true;
  let nextId = 200;
  const server = fakeServer(2, 'bob', (line, s) => {
    if (!alive) return true;
    const m = /^MSG 3 0 (.*)$/.exec(line);
    if (m) {
      stored.push(`@id=${nextId++};time=5 MSG 0 2 3 0 ${m[1]}`);
      if (m[1] === 'stored, echo lost') {
        alive = false; // stored, then the server dies before the echo
        return true;
      }
      s.say(stored[stored.length - 1]);
      return true;
    }
    if (line === 'HIST 3 0 0 50') {
      s.say(...stored, `HIST 3 0 ${stored.length}`);
      return true;
    }
    return false;
  });
  const { client, sockets, timers } = await loggedIn(server);
  assert.equal(await client.sendMessage('3/0', 'before'), 200);
  const lost = client.sendMessage('3/0', 'stored, echo lost');
  await settle();
  sockets[0].drop(1006);
  const typed = client.sendMessage('3/0', 'typed offline');
  alive = true;
  timers.advance(timers.nextDelay()!);
  sockets[1].open();
  assert.equal(await lost, 201, 'found in the newest page');
  assert.equal(await typed, 202);
  const msgs = sockets[1].sent.filter((l) => l.startsWith('MSG'));
  assert.deepEqual(msgs, ['MSG 3 0 typed offline'], 'the stored one is not sent again');
  assert.deepEqual(
    client.state.conversations['3/0'].messages.map((m) => m.text),
    ['before', 'stored, echo lost', 'typed offline'],
  );
  assert.deepEqual(client.state.conversations['3/0'].pending, []);
});

test('what waits in the outbox is refused, not left hanging, when the re-login fails', async () => {
  let refuse = false;
  const { client, sockets, timers } = await loggedIn(
    fakeServer(2, 'bob', (line, s) => {
      if (refuse && line.startsWith('IAM')) {
        s.say('ERR IAM wrong pseudo or password'); // the password was changed elsewhere
        return true;
      }
      return false;
    }),
  );
  sockets[0].drop();
  const typed = assert.rejects(client.sendMessage('3/0', 'never sent'), /wrong pseudo or password/);
  refuse = true;
  timers.advance(timers.nextDelay()!);
  sockets[1].open();
  await typed;
  assert.equal(client.state.session.state, 'out');
  assert.deepEqual(
    client.state.conversations['3/0'].pending.map((p) => p.state),
    ['failed'],
  );
  assert.equal(timers.nextDelay(), null, 'no more attempts');
});
