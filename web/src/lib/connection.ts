// A WebSocket to salond's /ws that comes back by itself. Each WebSocket
// text message is one protocol line. When the socket closes (the server
// restarted, the network dropped) it tries again after a delay that doubles
// from minDelay up to maxDelay, each drawn at random between half and all
// of it, so that a thousand pages do not all knock at the same instant when
// a server comes back.
//
// Lines sent while the connection is not ready wait in an outbox, in
// order, and go out once the owner says it is ready again (logged in);
// login lines themselves go through sendNow. The connection cannot know
// which lines the server received before a socket died: its owner puts
// back (requeue) what it has not seen acknowledged.

import type { ConnectionStatus } from './store';

/** What the connection needs of a WebSocket: the browser's, or a test's stand-in. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface ConnectionOptions {
  /** Default: /ws on the page's origin (wss: on https:). */
  url?: string;
  /** Default: new WebSocket(url). */
  socket?: (url: string) => SocketLike;
  /** Each line the server sends. */
  onLine(line: string): void;
  /** A socket opened: the owner sends its login with sendNow, then calls ready(). */
  onOpen(): void;
  /** A socket closed (also when stop() closes it). */
  onClose?(reason: string): void;
  onStatus?(status: ConnectionStatus): void;
  minDelay?: number;
  maxDelay?: number;
  /** A socket that has not opened after this long is given up on (ms). */
  openTimeout?: number;
  /** After this long without a line from the server, a PING asks whether it is
   * still there (ms; a phone's sleeping tab may lose its socket without a close). */
  keepalive?: number;
  /** ... and without a line this long after that PING, the socket is given up on. */
  answerTimeout?: number;
  random?: () => number;
  timers?: Timers;
}

const OPEN = 1;

export function defaultURL(): string {
  const loc = globalThis.location;
  if (!loc) return 'ws://127.0.0.1:8080/ws';
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/ws';
}

/** One line waiting in the outbox, and what to call when it is written. */
interface Queued {
  line: string;
  onWire?: () => void;
}

export class Connection {
  private sock: SocketLike | null = null;
  private outbox: Queued[] = [];
  private isReady = false;
  private running = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  private openTimer: unknown = null;
  private aliveTimer: unknown = null;
  private pinged = false;
  private st: ConnectionStatus = { state: 'idle', retryAt: null, attempt: 0, reason: '' };
  private readonly o: Required<Omit<ConnectionOptions, 'onClose' | 'onStatus'>> &
    Pick<ConnectionOptions, 'onClose' | 'onStatus'>;

  constructor(opts: ConnectionOptions) {
    this.o = {
      url: opts.url ?? defaultURL(),
      socket: opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      onLine: opts.onLine,
      onOpen: opts.onOpen,
      onClose: opts.onClose,
      onStatus: opts.onStatus,
      minDelay: opts.minDelay ?? 500,
      maxDelay: opts.maxDelay ?? 15_000,
      openTimeout: opts.openTimeout ?? 10_000,
      keepalive: opts.keepalive ?? 30_000,
      answerTimeout: opts.answerTimeout ?? 10_000,
      random: opts.random ?? Math.random,
      timers: opts.timers ?? {
        setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
        clearTimeout: (h) => globalThis.clearTimeout(h as number),
        now: () => Date.now(),
      },
    };
  }

  get status(): ConnectionStatus {
    return this.st;
  }

  /** ready reports whether lines go straight to the server (logged in). */
  get online(): boolean {
    return this.isReady && this.sock !== null && this.sock.readyState === OPEN;
  }

  /** The lines waiting to be sent, oldest first. */
  get pending(): readonly string[] {
    return this.outbox.map((q) => q.line);
  }

  /** start connects, and keeps reconnecting until stop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.connect();
  }

  /** stop closes the socket for good and forgets the outbox. */
  stop(reason = 'closed'): void {
    this.running = false;
    this.outbox = [];
    this.clearTimers();
    const s = this.sock;
    this.sock = null;
    this.isReady = false;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      try {
        s.close(1000, reason);
      } catch {
        // already closing
      }
      this.o.onClose?.(reason);
    }
    this.setStatus({ state: 'idle', retryAt: null, attempt: 0, reason });
  }

  /** retryNow skips the wait before the next attempt (a "retry" button, the browser back online). */
  retryNow(): void {
    if (!this.running || this.sock) return;
    this.clearTimers();
    this.connect();
  }

  /** send writes a line now when logged in, or queues it for when the connection is back. */
  send(line: string, onWire?: () => void): void {
    if (this.online) {
      this.write({ line, onWire });
      return;
    }
    this.outbox.push({ line, onWire });
  }

  /** requeue puts lines back at the head of the outbox, in their order (unacknowledged ones, after a close). */
  requeue(lines: readonly { line: string; onWire?: () => void }[]): void {
    this.outbox.unshift(...lines);
  }

  /** dropItems takes out of the outbox the very items given to requeue. */
  dropItems(items: readonly object[]): void {
    this.outbox = this.outbox.filter((q) => !items.includes(q));
  }

  /** drop takes lines out of the outbox (a message the user withdrew). */
  drop(pred: (line: string) => boolean): void {
    this.outbox = this.outbox.filter((q) => !pred(q.line));
  }

  /** sendNow writes a line on an open socket, logged in or not (the login). False if there is no open socket. */
  sendNow(line: string, onWire?: () => void): boolean {
    if (!this.sock || this.sock.readyState !== OPEN) return false;
    this.write({ line, onWire });
    return true;
  }

  /** ready says the login succeeded: the outbox is flushed, and later lines go straight out. */
  ready(): void {
    if (!this.sock || this.sock.readyState !== OPEN) return;
    this.isReady = true;
    this.attempt = 0;
    const q = this.outbox;
    this.outbox = [];
    for (const item of q) this.write(item);
    this.setStatus({ state: 'online', retryAt: null, attempt: 0, reason: '' });
    this.armKeepalive();
  }

  private armKeepalive(): void {
    if (this.aliveTimer !== null) this.o.timers.clearTimeout(this.aliveTimer);
    this.pinged = false;
    this.aliveTimer = this.isReady ? this.o.timers.setTimeout(() => this.checkAlive(), this.o.keepalive) : null;
  }

  private checkAlive(): void {
    this.aliveTimer = null;
    if (!this.online || !this.sock) return;
    if (this.pinged) {
      this.closeSocket('the server stopped answering');
      return;
    }
    this.pinged = true;
    this.write({ line: 'PING alive' });
    this.aliveTimer = this.o.timers.setTimeout(() => this.checkAlive(), this.o.answerTimeout);
  }

  /** closeSocket ends the current socket as a network failure would: the connection tries again. */
  closeSocket(reason = 'closed by the page'): void {
    const s = this.sock;
    if (s) {
      try {
        s.close(4000, reason);
      } catch {
        // already closing
      }
      this.closed(s, reason);
    }
  }

  private write(q: Queued): void {
    // onWire comes first: the answer may be read before send returns.
    q.onWire?.();
    try {
      this.sock!.send(q.line);
    } catch {
      // The socket died under us: keep the line for the next one.
      this.outbox.push(q);
    }
  }

  private connect(): void {
    this.retryTimer = null;
    this.setStatus({ state: 'connecting', retryAt: null, attempt: this.attempt, reason: this.st.reason });
    let s: SocketLike;
    try {
      s = this.o.socket(this.o.url);
    } catch (e) {
      this.sock = null;
      this.scheduleRetry(e instanceof Error ? e.message : 'cannot open a WebSocket');
      return;
    }
    this.sock = s;
    this.openTimer = this.o.timers.setTimeout(() => {
      if (this.sock === s && s.readyState !== OPEN) {
        try {
          s.close();
        } catch {
          // never opened
        }
        this.closed(s, 'the server did not answer');
      }
    }, this.o.openTimeout);
    s.onopen = () => {
      if (this.sock !== s) return;
      this.o.timers.clearTimeout(this.openTimer);
      this.openTimer = null;
      this.o.onOpen();
    };
    s.onmessage = (ev) => {
      if (this.sock !== s || typeof ev.data !== 'string') return;
      let line = ev.data;
      if (line.endsWith('\r\n')) line = line.slice(0, -2);
      else if (line.endsWith('\n')) line = line.slice(0, -1);
      if (this.isReady) this.armKeepalive();
      if (line !== '') this.o.onLine(line);
    };
    s.onclose = (ev) => this.closed(s, ev.reason || (ev.code === 1006 ? 'connection lost' : 'closed by the server'));
    s.onerror = () => {
      // onclose follows and says what to do.
    };
  }

  private closed(s: SocketLike, reason: string): void {
    if (this.sock !== s) return;
    s.onopen = s.onmessage = s.onclose = s.onerror = null;
    this.sock = null;
    this.isReady = false;
    if (this.aliveTimer !== null) this.o.timers.clearTimeout(this.aliveTimer);
    this.aliveTimer = null;
    if (this.openTimer !== null) {
      this.o.timers.clearTimeout(this.openTimer);
      this.openTimer = null;
    }
    this.o.onClose?.(reason);
    if (this.running) this.scheduleRetry(reason);
  }

  private scheduleRetry(reason: string): void {
    const base = Math.min(this.o.maxDelay, this.o.minDelay * 2 ** Math.min(this.attempt, 30));
    const delay = Math.round(base / 2 + (this.o.random() * base) / 2);
    this.attempt++;
    const retryAt = this.o.timers.now() + delay;
    this.setStatus({ state: 'offline', retryAt, attempt: this.attempt, reason });
    this.retryTimer = this.o.timers.setTimeout(() => this.connect(), delay);
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.o.timers.clearTimeout(this.retryTimer);
    if (this.openTimer !== null) this.o.timers.clearTimeout(this.openTimer);
    if (this.aliveTimer !== null) this.o.timers.clearTimeout(this.aliveTimer);
    this.retryTimer = this.openTimer = this.aliveTimer = null;
  }

  private setStatus(s: ConnectionStatus): void {
    this.st = s;
    this.o.onStatus?.(s);
  }
}
