// A stand-in for the browser's WebSocket and timers, for the unit tests of
// connection.ts and client.ts only: the browser tests drive the real page
// against a real salond.

import type { SocketLike, Timers } from '../src/lib/connection';

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** Called with each line the client sends, to play the server's part. */
  server: ((line: string, sock: FakeSocket) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
    this.server?.(data, this);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // The server's side.
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  say(...lines: string[]): void {
    for (const l of lines) this.onmessage?.({ data: l });
  }

  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

export class FakeTimers implements Timers {
  t = 1_000_000;
  private next = 1;
  private pending = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }

  now(): number {
    return this.t;
  }

  /** The delay until the earliest timer, or null. */
  nextDelay(): number | null {
    let min: number | null = null;
    for (const p of this.pending.values()) if (min === null || p.at < min) min = p.at;
    return min === null ? null : min - this.t;
  }

  /** advance runs every timer due within ms, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.pending) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.pending.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
    }
    this.t = end;
  }
}

/** A little server for the client tests: it logs anyone in and answers PING. */
export function fakeServer(me: number, pseudo: string, extra?: (line: string, sock: FakeSocket) => boolean) {
  return (line: string, sock: FakeSocket) => {
    if (extra?.(line, sock)) return;
    const [verb, ...rest] = line.split(' ');
    switch (verb) {
      case 'CAP':
        sock.say('CAP ACK tags');
        return;
      case 'IAM':
      case 'NEW':
        sock.say(`TAG 0 ${me}`, `ADD ON 0 ${me} ${pseudo}`, `GRP 0 ${me}`);
        return;
      case 'PING':
        sock.say(rest.length ? 'PONG ' + rest[0] : 'PONG');
        return;
      case 'WEBTOKEN':
        sock.say('WEBTOKEN ' + 'T'.repeat(43));
        return;
    }
  };
}

/** settle lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
