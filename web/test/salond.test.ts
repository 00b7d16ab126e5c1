// The lib against a real salond (bin/salond, built by `make web-test`):
// two SalonClients, each on its own connection, do what two people do in
// the page: register, befriend, make a server, chat, reply, react, edit,
// delete, read history pages, search, send a file; then the server
// restarts and what was typed meanwhile arrives.
//
// Node has no WebSocket here, so the clients speak over salond's TCP
// listener through a small adapter: the same lines, the same rules
// (PROTOCOL.md section 1); only the framing differs (CRLF instead of one
// WebSocket message per line). The browser tests cover /ws itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SalonClient } from '../src/lib/client';
import type { SocketLike } from '../src/lib/connection';
import type { State } from '../src/lib/store';

const binary = process.env.SALOND ?? resolve(process.cwd(), '../bin/salond');

/** TCPSocket carries lines over a TCP connection, as a WebSocket would carry them. */
class TCPSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private sock: any;
  private buf = '';

  constructor(port: number) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.setEncoding('utf8');
    this.sock.on('connect', () => {
      this.readyState = 1;
      this.onopen?.({});
    });
    this.sock.on('data', (chunk: string) => {
      this.buf += chunk;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        this.onmessage?.({ data: line });
      }
    });
    this.sock.on('error', () => this.onerror?.({}));
    this.sock.on('close', () => {
      this.readyState = 3;
      this.onclose?.({ code: 1006, reason: '' });
    });
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sock.write(data + '\r\n');
  }

  close(): void {
    this.readyState = 3;
    this.sock.destroy();
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = srv.address().port as number;
  await new Promise<void>((ok) => srv.close(ok));
  return port;
}

class Salond {
  proc: any = null;
  log = '';
  constructor(
    readonly port: number,
    readonly config: string,
  ) {}

  async start(): Promise<void> {
    this.proc = spawn(binary, ['-config', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.on('data', (d: unknown) => (this.log += String(d)));
    // Ready when it accepts a connection; a loaded machine may take a while
    // to start it, and a process that exited will never be ready.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const up = await new Promise<boolean>((ok) => {
        const s = connect(this.port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          ok(true);
        });
        s.on('error', () => ok(false));
      });
      if (up) return;
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error('salond did not start:\n' + this.log);
      await new Promise((ok) => setTimeout(ok, 10));
    }
  }

  /** stop sends SIGTERM (what EXT does) and waits for the process to exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((ok) => {
      p.on('exit', () => ok());
      p.kill('SIGTERM');
    });
  }
}

/** until resolves when pred holds for the client's state, told by its subscription. */
function until(c: SalonClient, what: string, pred: (s: State) => boolean, ms = 10_000): Promise<void> {
  if (pred(c.state)) return Promise.resolve();
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      off();
      fail(new Error('timed out waiting for ' + what));
    }, ms);
    const off = c.subscribe(() => {
      if (pred(c.state)) {
        clearTimeout(timer);
        off();
        ok();
      }
    });
  });
}

function client(port: number): SalonClient {
  return new SalonClient({
    socket: () => new TCPSocket(port),
    // No /auth over TCP: the files cookie is the browser tests' to check.
    fetch: (async () => ({ status: 404, ok: false })) as unknown as typeof fetch,
    minDelay: 20,
    maxDelay: 200,
  });
}

test('two clients of the lib chat through a real salond, across a restart', async () => {
  assert.ok(existsSync(binary), `${binary} is missing: make web-test builds it`);
  const dir = mkdtempSync(join(tmpdir(), 'salon-web-lib-'));
  const port = await freePort();
  const config = join(dir, 'salon.hcl');
  writeFileSync(
    config,
    `listen = "127.0.0.1:${port}"\ndata_dir = "${join(dir, 'data')}"\npasswords {\n  time = 1\n  memory_kib = 64\n}\n` +
      'limits {\n  messages_per_second = 100000\n  message_burst = 100000\n  registrations_per_hour = 100000\n}\n',
  );
  const server = new Salond(port, config);
  await server.start();
  const alice = client(port);
  const bob = client(port);
  try {
    await alice.register('alice', 'alicepass1');
    await bob.register('bob', 'bobpass123');
    assert.equal(alice.state.session.state, 'in');
    const aliceTag = alice.state.me;
    const bobTag = bob.state.me;
    assert.ok(aliceTag > 0 && bobTag > 0 && aliceTag !== bobTag);

    // Friends, by pseudo.
    assert.equal(await alice.befriend('bob'), bobTag);
    await until(bob, 'the friend request', (s) => s.invitations.some((i) => i.incoming && i.from === aliceTag));
    await bob.acceptInvitation(bob.state.invitations.find((i) => i.from === aliceTag)!);
    await until(alice, 'the friendship', (s) => s.friends.includes(bobTag));
    assert.ok(bob.state.friends.includes(aliceTag));
    await assert.rejects(alice.who('nobody'), /no such user/);

    // A server, an invitation, a channel.
    const srv = await alice.createServer('club');
    assert.equal(alice.state.servers[srv].owner, aliceTag);
    await alice.invite(bobTag, `${srv}/0`);
    await until(bob, 'the invitation', (s) => s.invitations.some((i) => i.place === `${srv}/0`));
    await bob.acceptInvitation(bob.state.invitations.find((i) => i.place === `${srv}/0`)!);
    await until(bob, 'the server', (s) => s.servers[srv]?.channels[0]?.members.includes(aliceTag) ?? false);
    await until(alice, 'bob in the server', (s) => s.servers[srv].channels[0].members.includes(bobTag));
    const games = await alice.createChannel(srv, 'games');
    assert.equal(alice.state.servers[srv].channels[Number(games.split('/')[1])].name, 'games');
    await assert.rejects(alice.createServer('x'.repeat(40)), /1 to 32 bytes/);

    // Chat: a message, a reply, a reaction, an edit, a deletion.
    const general = `${srv}/0`;
    await bob.open(general);
    const id1 = await alice.sendMessage(general, 'salut les gens, @bob');
    await until(bob, 'the message', (s) => s.conversations[general]?.messages.some((m) => m.id === id1) ?? false);
    assert.equal(bob.state.conversations[general].mentions, 1);
    const id2 = await bob.reply(general, id1, 'salut !');
    await until(alice, 'the reply', (s) => s.conversations[general]?.messages.some((m) => m.id === id2) ?? false);
    assert.equal(alice.message(general, id2)?.replyTo, id1);
    await bob.react(id1, '👍');
    await until(alice, 'the reaction', () => alice.message(general, id1)?.reactions[0]?.count === 1);
    await assert.rejects(bob.react(id1, '👍'), /already/);
    await alice.edit(id1, 'salut tout le monde');
    await until(bob, 'the edit', () => bob.message(general, id1)?.text === 'salut tout le monde');
    await assert.rejects(bob.edit(id1, 'mine now'), /author/);
    await bob.delete(id2);
    await until(alice, 'the deletion', () => alice.message(general, id2)?.deleted === true);

    // Direct messages.
    const dm = await alice.sendMessage(`0/${bobTag}`, 'hi bob');
    await until(bob, 'the direct message', (s) => s.conversations[`0/${aliceTag}`]?.messages.some((m) => m.id === dm) ?? false);
    assert.equal(bob.state.conversations[`0/${aliceTag}`].unread, 1);
    bob.markRead(`0/${aliceTag}`, dm);
    assert.equal(bob.state.conversations[`0/${aliceTag}`].unread, 0);

    // History pages: 120 messages, read back by a third session of bob in pages of 50.
    for (let i = 0; i < 120; i++) await alice.sendMessage(games, `m${i}`);
    const reader = client(port);
    await reader.login('bob', 'bobpass123');
    assert.equal(reader.state.session.state, 'in');
    // Bob was not in games: he cannot read it.
    await assert.rejects(reader.open(games), /member/);
    await alice.invite(bobTag, games);
    await until(reader, 'the channel invitation', (s) => s.invitations.some((i) => i.place === games));
    await reader.acceptInvitation(reader.state.invitations.find((i) => i.place === games)!);
    assert.equal(await reader.open(games), true);
    let c = reader.state.conversations[games];
    assert.equal(c.messages.length, 50);
    assert.equal(c.messages[49].text, 'm119');
    assert.equal(await reader.loadOlder(games), true);
    assert.equal(await reader.loadOlder(games), false);
    c = reader.state.conversations[games];
    assert.deepEqual(
      c.messages.map((m) => m.text),
      Array.from({ length: 120 }, (_, i) => `m${i}`),
    );

    // Search.
    const found = await reader.find(null, 'M7');
    assert.deepEqual(
      found.map((m) => m.text),
      ['m7'],
    );

    // A file, through NEWFILE / FILE / ENDFILE, and back through GET.
    const bytes = new Uint8Array(2880 * 3 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    const progress: number[] = [];
    const name = await alice.upload(general, new Blob([bytes]), 'photo one.png', (d) => progress.push(d));
    assert.equal(name, 'photo_one.png');
    assert.equal(progress[progress.length - 1], bytes.length);
    await until(bob, 'the file', (s) => s.conversations[general].messages.some((m) => m.file === name));
    const back = new Uint8Array(await (await bob.download(general, name)).arrayBuffer());
    assert.deepEqual([...back], [...bytes]);

    // Moderation and topics.
    await alice.topic(games, 'tonight: poker');
    await until(bob, 'the topic', (s) => s.servers[srv].channels[Number(games.split('/')[1])]?.topic === 'tonight: poker');
    await assert.rejects(bob.kick(general, aliceTag, 'no'), /only a moderator/);
    assert.deepEqual(
      (await bob.list(srv)).map((x) => x.name),
      ['general', 'games'],
    );

    // The server restarts: both clients come back by themselves, and a
    // message typed while it is down arrives.
    await server.stop();
    await until(alice, 'offline', (s) => s.connection.state !== 'online');
    const typed = alice.sendMessage(general, 'typed while the server was down');
    await until(alice, 'the queued message', (s) => s.conversations[general].pending.some((p) => p.state === 'queued'));
    await server.start();
    const id = await typed;
    await until(bob, 'bob back, and the message', (s) => s.conversations[general]?.messages.some((m) => m.id === id) ?? false);
    assert.equal(alice.state.connection.state, 'online');
    assert.equal(bob.state.session.state, 'in');
    assert.deepEqual(alice.state.conversations[general].pending, []);
    // Stored once: a fresh session reads it once.
    const check = client(port);
    await check.login('bob', 'bobpass123');
    await check.open(general);
    assert.deepEqual(
      check.state.conversations[general].messages.filter((m) => m.text === 'typed while the server was down').length,
      1,
      'stored once',
    );
    const seen = alice.state.conversations[general].messages.map((m) => m.id);
    assert.equal(new Set(seen).size, seen.length, 'no id held twice');
    await check.logout();

    await reader.logout();
    assert.equal(reader.state.session.state, 'out');
  } finally {
    await alice.logout().catch(() => undefined);
    await bob.logout().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
