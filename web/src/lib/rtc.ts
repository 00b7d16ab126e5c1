// The RTC lines' payloads (docs/protocol.md, "Calls", "Signaling"): a
// payload is the base64 of its bytes (UTF-8 text: SDP or JSON), cut into
// lines of at most 3000 characters numbered from 0, the final one marked
// last. rtcLines cuts what the page sends; RtcAssembler joins what it
// receives, refusing pieces out of order as the server does.

import { type ConvKey, type LineOf, type P2pKind, RTC_CHUNK, RTC_MAX, cmd } from './line';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** rtcLines is the lines that carry text as one RTC payload of kind. */
export function rtcLines(conv: ConvKey, kind: 'answer' | 'candidate' | P2pKind, text: string): string[] {
  if (text === '') throw new RtcError('an RTC payload is not empty');
  const bytes = encoder.encode(text);
  if (bytes.length > RTC_MAX) throw new RtcError(`RTC payload too large (${bytes.length} bytes)`);
  const b64 = toBase64(bytes);
  const out: string[] = [];
  for (let seq = 0, at = 0; at < b64.length; seq++, at += RTC_CHUNK) {
    const piece = b64.slice(at, at + RTC_CHUNK);
    out.push(cmd.rtc(conv, kind, seq, at + RTC_CHUNK >= b64.length, piece));
  }
  return out;
}

/** A refused RTC line or payload; what was gathered is dropped. */
export class RtcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RtcError';
  }
}

/** A whole payload: its kind and its text. */
export interface RtcPayload {
  conv: ConvKey;
  kind: LineOf<'rtc'>['kind'];
  text: string;
}

/**
 * RtcAssembler gathers the pieces of the payload arriving on one
 * connection. push returns the payload when its last piece comes, null
 * before; it throws an RtcError (and forgets the pieces) for a piece whose
 * seq is not the next one, whose kind or conversation changes before the
 * last, for a payload over 256 KiB, or one that is not base64 of UTF-8.
 */
export class RtcAssembler {
  private pieces: string[] = [];
  private kind: string | null = null;
  private conv: ConvKey | null = null;
  private size = 0;

  push(l: LineOf<'rtc'>): RtcPayload | null {
    const expected = this.pieces.length;
    if (l.seq !== expected || (expected > 0 && (l.kind !== this.kind || l.conv !== this.conv))) {
      const what = expected > 0 ? `${this.kind} piece ${expected}` : 'piece 0';
      this.reset();
      throw new RtcError(`RTC lines out of order: got ${l.kind} piece ${l.seq}, expected ${what}`);
    }
    this.size += l.payload.length;
    if ((this.size * 3) / 4 > RTC_MAX + 2) {
      this.reset();
      throw new RtcError('RTC payload too large');
    }
    this.pieces.push(l.payload);
    this.kind = l.kind;
    this.conv = l.conv;
    if (!l.last) return null;
    const b64 = this.pieces.join('');
    this.reset();
    let text: string;
    try {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      if (bytes.length > RTC_MAX) throw new RtcError('RTC payload too large');
      text = decoder.decode(bytes);
    } catch (e) {
      if (e instanceof RtcError) throw e;
      throw new RtcError('RTC payload is not base64 of UTF-8 text');
    }
    return { conv: l.conv, kind: l.kind, text };
  }

  /** reset forgets a payload in progress (a new peer connection, a lost socket). */
  reset(): void {
    this.pieces = [];
    this.kind = null;
    this.conv = null;
    this.size = 0;
  }
}
