// Peer-to-peer file transfers (issue 17; docs/privacy.md, "Peer-to-peer
// transfers"): a file goes from one browser to a friend's over a WebRTC
// data channel; salond only relays the signaling, as RTC 0 U p2p-* lines,
// and never sees the bytes.
//
// The sender makes an RTCPeerConnection without ICE servers and one ordered
// data channel, and offers {id, name, size, sdp}; its candidates trickle as
// p2p-candidate {id, candidate}. The receiver accepts (p2p-answer {id, sdp})
// or declines ({id, decline: true}). The file then goes over the channel as
// binary chunks of CHUNK bytes, the sender pausing while more than HIGH_WATER
// bytes wait in the channel (bufferedamountlow wakes it); the receiver
// answers "done" once it has size bytes. A transfer whose channel does not
// open within CONNECT_MS of the answer is "unreachable": the page offers an
// ordinary upload instead. Either side cancels by closing the channel.

import type { SalonClient } from './client';
import type { LineOf, P2pKind } from './line';
import { RtcAssembler, RtcError } from './rtc';

/** Bytes per data channel message: under every browser's message limit. */
export const CHUNK = 16 * 1024;
/** The sender waits while more than this is buffered in the channel... */
export const HIGH_WATER = 1024 * 1024;
/** ...until the buffer drains under this (bufferedAmountLowThreshold). */
export const LOW_WATER = 256 * 1024;
/** How long a connection may take after the answer before the upload is offered. */
export const CONNECT_MS = 15_000;
/** The largest file offered peer to peer (the receiver holds it in memory). */
export const MAX_SIZE = 2 * 1024 * 1024 * 1024;

// ---- Payloads --------------------------------------------------------------

export interface P2pOffer {
  id: string;
  name: string;
  size: number;
  sdp: string;
}
export type P2pAnswer = { id: string; sdp: string } | { id: string; decline: true };
export interface P2pCandidate {
  id: string;
  candidate: RTCIceCandidateInit;
}

/** A payload that is not what docs/privacy.md says. */
export class P2pError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'P2pError';
  }
}

const ID = /^[0-9a-f]{16}$/;

/** newId is a random transfer id: 16 hex characters. */
export function newId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function object(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new P2pError(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new P2pError(`${what} is not a JSON object`);
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || !ID.test(o.id)) throw new P2pError(`${what} has no valid id`);
  return o;
}

/** cleanName keeps a file name displayable and saveable: no path, no controls. */
export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = name.replace(/[\u0000-\u001f\u007f]/g, '').split(/[\\/]/).pop() ?? '';
  const trimmed = base.trim().slice(0, 200);
  return trimmed === '' || trimmed === '.' || trimmed === '..' ? 'file' : trimmed;
}

export function parseOffer(text: string): P2pOffer {
  const o = object(text, 'p2p-offer');
  if (typeof o.name !== 'string') throw new P2pError('p2p-offer has no name');
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0 || o.size > MAX_SIZE) {
    throw new P2pError('p2p-offer has no valid size');
  }
  if (typeof o.sdp !== 'string' || o.sdp === '') throw new P2pError('p2p-offer has no sdp');
  return { id: o.id as string, name: cleanName(o.name), size: o.size, sdp: o.sdp };
}

export function parseAnswer(text: string): P2pAnswer {
  const o = object(text, 'p2p-answer');
  if (o.decline === true) return { id: o.id as string, decline: true };
  if (typeof o.sdp !== 'string' || o.sdp === '') throw new P2pError('p2p-answer has neither sdp nor decline');
  return { id: o.id as string, sdp: o.sdp };
}

export function parseCandidate(text: string): P2pCandidate {
  const o = object(text, 'p2p-candidate');
  const c = o.candidate;
  if (typeof c !== 'object' || c === null || typeof (c as RTCIceCandidateInit).candidate !== 'string') {
    throw new P2pError('p2p-candidate has no candidate');
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = c as RTCIceCandidateInit;
  const init: RTCIceCandidateInit = { candidate };
  if (typeof sdpMid === 'string') init.sdpMid = sdpMid;
  if (typeof sdpMLineIndex === 'number') init.sdpMLineIndex = sdpMLineIndex;
  if (typeof usernameFragment === 'string') init.usernameFragment = usernameFragment;
  return { id: o.id as string, candidate: init };
}

// ---- Bookkeeping -----------------------------------------------------------

/** chunkRanges is where each chunk of a file of size bytes starts and ends. */
export function chunkRanges(size: number, chunk = CHUNK): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < size; at += chunk) out.push([at, Math.min(size, at + chunk)]);
  return out;
}

/**
 * Reassembly gathers the chunks of one incoming file of a promised size:
 * push counts each and refuses one that would go past the size; complete
 * says when all of it came.
 */
export class Reassembly {
  private parts: ArrayBuffer[] = [];
  received = 0;

  constructor(readonly size: number) {}

  push(chunk: ArrayBuffer): void {
    if (this.received + chunk.byteLength > this.size) {
      throw new P2pError(`more bytes than the ${this.size} offered`);
    }
    this.parts.push(chunk);
    this.received += chunk.byteLength;
  }

  get complete(): boolean {
    return this.received === this.size;
  }

  /** progress is the share received, 0 to 1 (1 for an empty file). */
  get progress(): number {
    return this.size === 0 ? 1 : this.received / this.size;
  }

  blob(type: string): Blob {
    return new Blob(this.parts, { type });
  }
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** previewType is the image type a name's extension gives, or null: a
 * received file is never typed as something the page's origin would run
 * (HTML, SVG); everything else is application/octet-stream and saved. */
export function previewType(name: string): string | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return IMAGE_TYPES[ext] ?? null;
}

// ---- The engine ------------------------------------------------------------

export type TransferState =
  | 'offering' // sent the offer, waiting for the answer
  | 'incoming' // an offer to accept or decline
  | 'connecting'
  | 'transferring'
  | 'done'
  | 'declined'
  | 'cancelled'
  | 'unreachable' // did not connect in time: the sender may upload instead
  | 'failed';

export interface Transfer {
  id: string;
  /** The other user's tag. */
  peer: number;
  dir: 'out' | 'in';
  name: string;
  size: number;
  /** Bytes sent (acknowledged by the channel) or received. */
  done: number;
  state: TransferState;
  /** Why it failed or was cancelled, readable. */
  error?: string;
  /** The received file's object URL, once whole. */
  url?: string;
  /** Its image type when it is one the page previews. */
  image?: string;
  /** The file being sent (for an upload instead). */
  file?: File;
}

interface Live {
  t: Transfer;
  pc: RTCPeerConnection | null;
  dc: RTCDataChannel | null;
  offerSdp?: string;
  /** Candidates that came before the remote description was set. */
  early: RTCIceCandidateInit[];
  remoteSet: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  asm?: Reassembly;
  /** When the offer went (Date.now()). */
  sentAt?: number;
}

export interface P2pEnv {
  RTCPeerConnection: typeof RTCPeerConnection;
  createObjectURL(b: Blob): string;
  revokeObjectURL(u: string): void;
}

function defaultEnv(): P2pEnv {
  return {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    createObjectURL: (b) => URL.createObjectURL(b),
    revokeObjectURL: (u) => URL.revokeObjectURL(u),
  };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class P2pEngine {
  private live = new Map<string, Live>();
  private order: string[] = [];
  private asms = new Map<string, RtcAssembler>();
  private listeners = new Set<() => void>();
  private list: Transfer[] = [];

  constructor(
    private client: SalonClient,
    private env: P2pEnv = defaultEnv(),
  ) {
    client.onP2pLine((l) => this.line(l));
    client.onError((verb, reason) => this.refused(verb, reason));
  }

  // salond refuses an offer to a user who is offline or whom one may not
  // write to (ERR RTC reason). The ERR names no transfer: it is taken as
  // the answer to the newest offer made in the last few seconds.
  private refused(verb: string, reason: string): void {
    if (verb !== 'RTC') return;
    const now = Date.now();
    for (let i = this.order.length - 1; i >= 0; i--) {
      const l = this.live.get(this.order[i]);
      if (!l || l.t.dir !== 'out' || l.t.state !== 'offering' || now - (l.sentAt ?? 0) > 5000) continue;
      this.end(l, 'unreachable', `the server refused the offer: ${reason}`);
      return;
    }
  }

  /** transfers: every transfer of this page, oldest first (a new array at each change). */
  get transfers(): readonly Transfer[] {
    return this.list;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** send offers file to user peer to peer; the returned id names the transfer. */
  async send(peer: number, file: File): Promise<string> {
    if (!this.env.RTCPeerConnection) throw new P2pError('this browser has no WebRTC');
    if (file.size > MAX_SIZE) throw new P2pError('file too large to send directly');
    const id = newId();
    const t: Transfer = { id, peer, dir: 'out', name: cleanName(file.name || 'file'), size: file.size, done: 0, state: 'offering', file };
    const pc = new this.env.RTCPeerConnection({ iceServers: [] });
    const dc = pc.createDataChannel('file', { ordered: true });
    const l: Live = { t, pc, dc, early: [], remoteSet: false, timer: null };
    this.add(l);
    this.watch(l, pc);
    dc.binaryType = 'arraybuffer';
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onopen = () => {
      this.clearTimer(l);
      this.update(l, { state: 'transferring' });
      this.pump(l, file, dc).catch((e) => this.fail(l, `sending failed: ${errText(e)}`));
    };
    dc.onmessage = (e) => {
      if (e.data === 'done') {
        this.update(l, { state: 'done', done: t.size });
        this.close(l);
      } else if (e.data === 'cancel') this.end(l, 'cancelled', 'cancelled by the receiver');
    };
    dc.onclose = () => this.closed(l);
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const sdp = pc.localDescription?.sdp ?? offer.sdp ?? '';
      l.sentAt = Date.now();
      if (!this.signal(peer, 'p2p-offer', { id, name: t.name, size: t.size, sdp })) {
        this.fail(l, 'not connected to the server');
      }
    } catch (e) {
      this.fail(l, `could not make the offer: ${errText(e)}`);
    }
    return id;
  }

  /** accept takes an incoming file. */
  async accept(id: string): Promise<void> {
    const l = this.live.get(id);
    if (!l || l.t.state !== 'incoming' || !l.offerSdp) return;
    if (!this.env.RTCPeerConnection) return this.fail(l, 'this browser has no WebRTC');
    const pc = new this.env.RTCPeerConnection({ iceServers: [] });
    l.pc = pc;
    l.asm = new Reassembly(l.t.size);
    this.update(l, { state: 'connecting' });
    this.watch(l, pc);
    pc.ondatachannel = (e) => {
      const dc = e.channel;
      l.dc = dc;
      dc.binaryType = 'arraybuffer';
      dc.onopen = () => {
        this.clearTimer(l);
        this.update(l, { state: 'transferring' });
        if (l.t.size === 0) this.received(l);
      };
      dc.onmessage = (m) => this.chunk(l, m.data);
      dc.onclose = () => this.closed(l);
    };
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: l.offerSdp });
      l.remoteSet = true;
      for (const c of l.early.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      const sdp = pc.localDescription?.sdp ?? answer.sdp ?? '';
      if (!this.signal(l.t.peer, 'p2p-answer', { id, sdp })) return this.fail(l, 'not connected to the server');
      this.startTimer(l);
    } catch (e) {
      this.fail(l, `could not answer: ${errText(e)}`);
    }
  }

  /** decline says no to an incoming file. */
  decline(id: string): void {
    const l = this.live.get(id);
    if (!l || l.t.state !== 'incoming') return;
    this.signal(l.t.peer, 'p2p-answer', { id, decline: true });
    this.update(l, { state: 'declined' });
  }

  /** cancel stops a transfer on this side: the channel closes, the other side sees it. */
  cancel(id: string): void {
    const l = this.live.get(id);
    if (!l || !active(l.t.state)) return;
    if (l.t.state === 'incoming') return this.decline(id);
    if (l.dc?.readyState === 'open') {
      try {
        l.dc.send('cancel');
      } catch {
        /* closing anyway */
      }
    }
    this.end(l, 'cancelled', 'cancelled');
  }

  /** dismiss forgets a finished transfer (and frees its object URL). */
  dismiss(id: string): void {
    const l = this.live.get(id);
    if (!l) return;
    if (active(l.t.state)) this.cancel(id);
    if (l.t.url) this.env.revokeObjectURL(l.t.url);
    this.live.delete(id);
    this.order = this.order.filter((x) => x !== id);
    this.publish();
  }

  // ---- Signaling ----------------------------------------------------------

  private signal(peer: number, kind: P2pKind, payload: object): boolean {
    return this.client.p2p(peer, kind, JSON.stringify(payload));
  }

  private line(line: LineOf<'rtc'>): void {
    const key = `${line.conv} ${line.kind}`;
    let asm = this.asms.get(key);
    if (!asm) this.asms.set(key, (asm = new RtcAssembler()));
    let p;
    try {
      p = asm.push(line);
    } catch (e) {
      console.warn('salon: p2p signaling:', e instanceof RtcError ? e.message : errText(e));
      return;
    }
    if (!p) return;
    const peer = Number(line.conv.slice(2));
    try {
      if (p.kind === 'p2p-offer') this.offered(peer, parseOffer(p.text));
      else if (p.kind === 'p2p-answer') this.answered(peer, parseAnswer(p.text));
      else if (p.kind === 'p2p-candidate') this.candidate(peer, parseCandidate(p.text));
    } catch (e) {
      console.warn('salon: p2p signaling:', errText(e));
    }
  }

  private offered(peer: number, o: P2pOffer): void {
    if (this.live.has(o.id)) return;
    const t: Transfer = { id: o.id, peer, dir: 'in', name: o.name, size: o.size, done: 0, state: 'incoming' };
    const img = previewType(o.name);
    if (img) t.image = img;
    this.add({ t, pc: null, dc: null, offerSdp: o.sdp, early: [], remoteSet: false, timer: null });
  }

  private answered(peer: number, a: P2pAnswer): void {
    const l = this.live.get(a.id);
    if (!l || l.t.dir !== 'out' || l.t.peer !== peer || l.t.state !== 'offering' || !l.pc) return;
    if ('decline' in a) {
      this.end(l, 'declined', `${this.client.state.users[peer]?.pseudo ?? 'they'} declined`);
      return;
    }
    this.update(l, { state: 'connecting' });
    this.startTimer(l);
    const pc = l.pc;
    pc.setRemoteDescription({ type: 'answer', sdp: a.sdp })
      .then(async () => {
        l.remoteSet = true;
        for (const c of l.early.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      })
      .catch((e) => this.fail(l, `the answer failed: ${errText(e)}`));
  }

  private candidate(peer: number, c: P2pCandidate): void {
    const l = this.live.get(c.id);
    if (!l || l.t.peer !== peer || !active(l.t.state)) return;
    if (l.pc && l.remoteSet) l.pc.addIceCandidate(c.candidate).catch(() => {});
    else if (l.early.length < 64) l.early.push(c.candidate);
  }

  private watch(l: Live, pc: RTCPeerConnection): void {
    pc.onicecandidate = (e) => {
      if (!e.candidate || !active(l.t.state)) return;
      this.signal(l.t.peer, 'p2p-candidate', { id: l.t.id, candidate: e.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && active(l.t.state)) {
        if (l.t.state === 'connecting') this.unreachable(l);
        else this.fail(l, 'the connection failed');
      }
    };
  }

  // ---- Bytes --------------------------------------------------------------

  private async pump(l: Live, file: File, dc: RTCDataChannel): Promise<void> {
    for (const [from, to] of chunkRanges(file.size)) {
      if (l.t.state !== 'transferring') return;
      if (dc.bufferedAmount > HIGH_WATER) await drained(dc);
      if (dc.readyState !== 'open') return;
      dc.send(await file.slice(from, to).arrayBuffer());
      this.update(l, { done: Math.max(0, to - dc.bufferedAmount) });
    }
    // The rest shows as sent when the receiver says "done".
  }

  private chunk(l: Live, data: unknown): void {
    if (l.t.state !== 'transferring' || !l.asm) return;
    if (data === 'cancel') return this.end(l, 'cancelled', 'cancelled by the sender');
    if (!(data instanceof ArrayBuffer)) return;
    try {
      l.asm.push(data);
    } catch (e) {
      return this.fail(l, errText(e));
    }
    this.update(l, { done: l.asm.received });
    if (l.asm.complete) this.received(l);
  }

  private received(l: Live): void {
    if (!l.asm) return;
    const blob = l.asm.blob(l.t.image ?? 'application/octet-stream');
    l.asm = undefined;
    const url = this.env.createObjectURL(blob);
    try {
      l.dc?.send('done');
    } catch {
      /* the sender learns it from the close */
    }
    this.update(l, { state: 'done', url, done: l.t.size });
    // The sender closes once it reads "done"; close here too after a moment.
    setTimeout(() => this.close(l), 1000);
  }

  // ---- States -------------------------------------------------------------

  private startTimer(l: Live): void {
    this.clearTimer(l);
    l.timer = setTimeout(() => {
      l.timer = null;
      if (l.t.state === 'connecting') this.unreachable(l);
    }, CONNECT_MS);
  }

  private clearTimer(l: Live): void {
    if (l.timer !== null) clearTimeout(l.timer);
    l.timer = null;
  }

  private unreachable(l: Live): void {
    if (l.t.dir === 'out') this.end(l, 'unreachable', 'could not connect to the other browser');
    else this.end(l, 'failed', 'could not connect to the sender');
  }

  private closed(l: Live): void {
    if (l.t.state === 'transferring' || l.t.state === 'connecting') this.end(l, 'cancelled', 'the other side closed the transfer');
  }

  private fail(l: Live, why: string): void {
    this.end(l, 'failed', why);
  }

  private end(l: Live, state: TransferState, error?: string): void {
    if (!active(l.t.state) && state !== 'done') return;
    this.clearTimer(l);
    this.update(l, error ? { state, error } : { state });
    this.close(l);
  }

  private close(l: Live): void {
    this.clearTimer(l);
    const { dc, pc } = l;
    l.dc = null;
    l.pc = null;
    if (dc) {
      dc.onclose = null;
      dc.close();
    }
    pc?.close();
  }

  private add(l: Live): void {
    this.live.set(l.t.id, l);
    this.order.push(l.t.id);
    this.publish();
  }

  private update(l: Live, patch: Partial<Transfer>): void {
    l.t = { ...l.t, ...patch };
    this.publish();
  }

  private publish(): void {
    this.list = this.order.map((id) => this.live.get(id)!.t);
    for (const fn of [...this.listeners]) fn();
  }
}

/** active: a transfer that may still move. */
export function active(s: TransferState): boolean {
  return s === 'offering' || s === 'incoming' || s === 'connecting' || s === 'transferring';
}

function drained(dc: RTCDataChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      dc.removeEventListener('bufferedamountlow', done);
      dc.removeEventListener('close', done);
      resolve();
    };
    dc.addEventListener('bufferedamountlow', done);
    dc.addEventListener('close', done);
  });
}


