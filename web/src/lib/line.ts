// Lines of the Salon protocol (PROTOCOL.md sections 1 to 18, docs/protocol.md):
// parseLine reads what the server sends into typed objects, and the `cmd`
// functions write what the page sends. It follows the terminal client's
// parser (client/line.go, client/ext.go) rule for rule, so that both
// clients accept and refuse the same lines.
//
// Tags, ids and counts are JavaScript numbers. The protocol allows 63 bits;
// a number holds integers exactly up to 2^53, which a server that hands out
// tags and ids one by one never reaches. A line with a larger one is
// refused as bad rather than misread.

/** A conversation or place as the page names it: "S/C" (a channel, "S/0"
 * the general one) or "0/U" (the direct conversation with user U). */
export type ConvKey = string;

export const MAX_LINE = 4094; // bytes of a line without its CRLF
export const MAX_TEXT = 4000;
export const MAX_NAME = 32;
export const MAX_QUERY = 256;
export const MAX_TOPIC = 512;
export const MAX_AWAY = 256;
export const MAX_EMOJI = 32;
export const MAX_TAG_PREFIX = 512;
/** Base64 characters per RTC line. */
export const RTC_CHUNK = 3000;
/** The most an RTC payload holds once decoded. */
export const RTC_MAX = 256 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Raw bytes per FILE line: 3840 base64 characters. */
export const CHUNK_BYTES = 2880;

export function convKey(s: number, c: number): ConvKey {
  return s + '/' + c;
}

/** splitKey reads a key back into its two tags; it throws on a bad key. */
export function splitKey(key: ConvKey): [number, number] {
  const m = /^(0|[1-9][0-9]{0,15})\/(0|[1-9][0-9]{0,15})$/.exec(key);
  if (!m) throw new CommandError('invalid conversation ' + JSON.stringify(key));
  const s = Number(m[1]);
  const c = Number(m[2]);
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(c) || (s === 0 && c === 0)) {
    throw new CommandError('invalid conversation ' + JSON.stringify(key));
  }
  return [s, c];
}

export function isDirect(key: ConvKey): boolean {
  return key.startsWith('0/');
}

/** The direct conversation with user u. */
export function directKey(u: number): ConvKey {
  return '0/' + u;
}

/** The server a channel key belongs to (0 for a direct conversation). */
export function serverOf(key: ConvKey): number {
  return splitKey(key)[0];
}

/** The message tags of section 14; unknown tags are kept in `other`. */
export interface MessageTags {
  id: number;
  time: number;
  reply?: number;
  edited?: number;
  other?: Record<string, string>;
}

// Every parsed line keeps its text (raw) and its verb.
interface Base {
  raw: string;
  verb: string;
}

export type Line =
  | (Base & { type: 'me'; user: number }) // TAG 0 me
  | (Base & { type: 'place'; place: ConvKey; name: string }) // TAG S C name
  | (Base & { type: 'presence'; online: boolean; user: number; pseudo: string }) // ADD
  | (Base & { type: 'friends'; owner: number; users: number[] }) // GRP 0 me ...
  | (Base & { type: 'members'; place: ConvKey; serverName: string; channelName: string; users: number[] })
  | (Base & {
      type: 'invite';
      /** SENT (a pending one restated at login) rather than INV. */
      restated: boolean;
      from: number;
      /** The invitee, on the sender's copy (INV 0 src 0 dest ...); 0 on the invitee's. */
      to: number;
      /** The place, or null for a friend request. */
      place: ConvKey | null;
      serverName: string;
      channelName: string;
    })
  | (Base & { type: 'join'; place: ConvKey; user: number }) // JOIN S C 0 U, JOIN 0 src 0 dest
  | (Base & { type: 'logout' }) // bare BYE
  | (Base & { type: 'offline'; user: number }) // BYE 0 U
  | (Base & { type: 'left'; user: number; place: ConvKey }) // BYE 0 U S C
  | (Base & { type: 'unfriend'; user: number; other: number }) // BYE 0 A 0 B
  | (Base & { type: 'uninvite'; user: number; other: number; place: ConvKey }) // BYE 0 A 0 B S C
  | (Base & { type: 'deleted'; place: ConvKey }) // DEL S C
  | (Base & { type: 'renameServer'; name: string; server: number }) // RENAME name S
  | (Base & { type: 'renameChannel'; name: string; place: ConvKey }) // RENAME name S C
  | (Base & { type: 'renameUser'; name: string; user: number }) // RENAME pseudo 0 U
  | (Base & { type: 'password'; password: string }) // PSW new
  | (Base & { type: 'msg'; tags: MessageTags | null; from: number; to: ConvKey; text: string })
  | (Base & { type: 'ack'; of: 'NEWFILE' | 'FILE' | 'ENDFILE' }) // NEWFILE OK ...
  | (Base & { type: 'fileStart'; conv: ConvKey; name: string; size: number })
  | (Base & { type: 'fileChunk'; conv: ConvKey; name: string; data: string })
  | (Base & { type: 'fileEnd'; conv: ConvKey; name: string; size: number })
  | (Base & { type: 'fileSent'; tags: MessageTags | null; from: number; to: ConvKey | null; name: string })
  | (Base & { type: 'game'; game: string; payload: string }) // JEU
  | (Base & { type: 'error'; of: string; reason: string }) // ERR
  | (Base & { type: 'pong'; token: string })
  | (Base & { type: 'ping'; token: string })
  | (Base & { type: 'caps'; sub: 'LS' | 'ACK'; names: string[] })
  | (Base & { type: 'edit'; actor: number; to: ConvKey; id: number; text: string })
  | (Base & { type: 'delete'; actor: number; to: ConvKey; id: number })
  | (Base & { type: 'react'; actor: number; to: ConvKey; id: number; emoji: string; removed: boolean })
  | (Base & { type: 'typing'; actor: number; to: ConvKey })
  | (Base & { type: 'away'; user: number; text: string })
  | (Base & { type: 'role'; role: 'OWNER' | 'MOD' | 'UNMOD'; place: ConvKey; user: number })
  | (Base & { type: 'topic'; actor: number; place: ConvKey; text: string })
  | (Base & { type: 'visibility'; place: ConvKey; public: boolean }) // OPEN / CLOSE
  | (Base & { type: 'chan'; place: ConvKey; public: boolean; members: number; name: string; topic: string })
  | (Base & { type: 'kick'; actor: number; place: ConvKey; user: number; reason: string })
  | (Base & { type: 'ban'; server: number; user: number; reason: string; lifted: boolean })
  | (Base & { type: 'unread'; conv: ConvKey; count: number; newest: number })
  | (Base & { type: 'read'; conv: ConvKey; id: number })
  | (Base & { type: 'end'; of: 'LIST' | 'BANS' | 'HIST' | 'FIND'; server: number; conv: ConvKey | null; n: number })
  | (Base & { type: 'webToken'; token: string })
  | (Base & { type: 'key'; user: number; key: string })
  | (Base & {
      type: 'call';
      /** Who did it (CALL 0 actor CONV ...). */
      actor: number;
      /** The conversation as the actor names it: "S/C", or "0/other" for a direct call. */
      to: ConvKey;
      event: CallEvent;
      /** JOIN and MEDIA: what the actor sends. */
      media: readonly Media[];
      /** MUTE, UNMUTE, KICK: the participant acted on (0 otherwise). */
      user: number;
    })
  | (Base & { type: 'rtc'; conv: ConvKey; kind: RtcKind; seq: number; last: boolean; payload: string })
  | (Base & { type: 'unknown'; rest: string })
  /** A line that does not parse: `error` says why; nothing is to be done with it. */
  | (Base & { type: 'bad'; error: string });

/** What a call participant sends (docs/protocol.md, "Calls"), in the protocol's order. */
export type Media = 'mic' | 'cam' | 'screen';
export const MEDIA_ORDER: readonly Media[] = ['mic', 'cam', 'screen'];
export type CallEvent = 'JOIN' | 'MEDIA' | 'LEAVE' | 'DECLINE' | 'MUTE' | 'UNMUTE' | 'KICK';
export type RtcKind = 'ice' | 'offer' | 'answer' | 'candidate' | P2pKind;
/** The kinds of peer-to-peer signaling between two users (docs/privacy.md). */
export type P2pKind = 'p2p-offer' | 'p2p-answer' | 'p2p-candidate';
export function isP2pKind(k: string): k is P2pKind {
  return k === 'p2p-offer' || k === 'p2p-answer' || k === 'p2p-candidate';
}

/** parseMedia reads a media list ("mic,cam", "-"); null when it is not one. */
export function parseMedia(s: string): Media[] | null {
  if (s === '-') return [];
  const parts = s.split(',');
  let at = -1;
  for (const p of parts) {
    const i = MEDIA_ORDER.indexOf(p as Media);
    // In the protocol's order, each once.
    if (i <= at) return null;
    at = i;
  }
  return parts as Media[];
}

/** formatMedia writes a media list: the protocol's order, "-" for nothing. */
export function formatMedia(m: readonly Media[]): string {
  const out = MEDIA_ORDER.filter((x) => m.includes(x));
  return out.length === 0 ? '-' : out.join(',');
}

export type LineOf<T extends Line['type']> = Extract<Line, { type: T }>;

/** A refusal of the parser, with the reason as `message`. */
class ParseError extends Error {}

/** A command the page would send that breaks the protocol's rules. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** parseLine reads one line from the server (with or without its CRLF).
 * It never throws: a line it cannot read comes back as type 'bad'. */
export function parseLine(line: string): Line {
  if (line.endsWith('\r\n')) line = line.slice(0, -2);
  else if (line.endsWith('\n')) line = line.slice(0, -1);
  try {
    if (line.startsWith('@')) return parseTagged(line);
    return parseUntagged(line, line);
  } catch (e) {
    const verb = line.startsWith('@') ? '' : line.split(' ', 1)[0];
    return { type: 'bad', raw: line, verb, error: e instanceof Error ? e.message : String(e) };
  }
}

/** splitTags separates the `@k=v;k=v` prefix of a line from the line. */
export function splitTags(line: string): { tags: Record<string, string>; rest: string } {
  if (!line.startsWith('@')) return { tags: {}, rest: line };
  // The prefix is looked for only as far as its budget goes.
  const end = line.slice(0, MAX_TAG_PREFIX).indexOf(' ');
  if (end < 0) {
    if (line.length >= MAX_TAG_PREFIX) throw new ParseError(`tag prefix longer than ${MAX_TAG_PREFIX} bytes`);
    throw new ParseError('tag prefix without a line after it');
  }
  const prefix = line.slice(1, end);
  const rest = line.slice(end + 1);
  if (rest === '') throw new ParseError('tag prefix without a line after it');
  const tags: Record<string, string> = Object.create(null);
  for (const pair of prefix.split(';')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (key === '' || value === '') throw new ParseError(`malformed tag ${JSON.stringify(pair)}: want key=value`);
    if (key in tags) throw new ParseError(`tag ${JSON.stringify(key)} given twice`);
    tags[key] = value;
  }
  return { tags, rest };
}

/** messageTags reads the known tags: id and time are required. */
export function messageTags(m: Record<string, string>): MessageTags {
  const read = (key: string, required: boolean, isId: boolean): number | undefined => {
    const v = m[key];
    if (v === undefined) {
      if (required) throw new ParseError(`no ${key} tag`);
      return undefined;
    }
    const n = parseNumber(v);
    if (n === null || (isId && n === 0)) throw new ParseError(`invalid ${key} tag ${JSON.stringify(v)}`);
    return n;
  };
  const t: MessageTags = { id: read('id', true, true)!, time: read('time', true, false)! };
  const reply = read('reply', false, true);
  if (reply !== undefined) t.reply = reply;
  const edited = read('edited', false, false);
  if (edited !== undefined) t.edited = edited;
  for (const k in m) {
    if (k !== 'id' && k !== 'time' && k !== 'reply' && k !== 'edited') (t.other ??= {})[k] = m[k];
  }
  return t;
}

function parseTagged(line: string): Line {
  const { tags, rest } = splitTags(line);
  if (rest.startsWith('@')) throw new ParseError('two tag prefixes');
  const l = parseUntagged(rest, line);
  if (l.type === 'msg' || l.type === 'fileSent') l.tags = messageTags(tags);
  return l;
}

/** parseNumber reads a decimal tag: no sign, no leading zero, exact in a double. */
export function parseNumber(s: string): number | null {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function parseUntagged(line: string, raw: string): Line {
  const sp = line.indexOf(' ');
  const verb = sp < 0 ? line : line.slice(0, sp);
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  if (verb === '') throw new ParseError('empty verb');
  const p = new Parser(verb, rest, raw);
  switch (verb) {
    case 'TAG':
      return p.tag();
    case 'ADD':
      return p.presence();
    case 'GRP':
      return p.members();
    case 'SENT':
    case 'INV':
      return p.invite();
    case 'JOIN':
      return p.join();
    case 'BYE':
      return p.bye(line === 'BYE');
    case 'DEL': {
      const f = p.fields(2, false);
      return { raw: p.raw, verb: p.verb, type: 'deleted', place: p.place(f[0], f[1]) };
    }
    case 'RENAME':
      return p.rename();
    case 'PSW': {
      const f = p.fields(1, false);
      return { raw: p.raw, verb: p.verb, type: 'password', password: f[0] };
    }
    case 'MSG': {
      const f = p.fields(5, true);
      return { raw: p.raw, verb: p.verb, type: 'msg', tags: null, from: p.user(f[0], f[1]), to: p.addr(f[2], f[3]), text: f[4] };
    }
    case 'NEWFILE':
    case 'FILE':
    case 'ENDFILE':
      if (rest === 'OK') return { raw: p.raw, verb: p.verb, type: 'ack', of: verb };
      return p.file();
    case 'FILESENT':
      return p.fileSent();
    case 'JEU': {
      const i = rest.indexOf(' ');
      const game = i < 0 ? rest : rest.slice(0, i);
      if (game === '') throw p.error('missing game id');
      return { raw: p.raw, verb: p.verb, type: 'game', game, payload: i < 0 ? '' : rest.slice(i + 1) };
    }
    case 'ERR': {
      const i = rest.indexOf(' ');
      const of = i < 0 ? rest : rest.slice(0, i);
      if (of === '') throw p.error('missing verb');
      return { raw: p.raw, verb: p.verb, type: 'error', of, reason: i < 0 ? '' : rest.slice(i + 1) };
    }
    case 'PONG':
    case 'PING':
      if (rest.includes(' ')) throw p.error('token with a space');
      return { raw: p.raw, verb: p.verb, type: verb === 'PING' ? 'ping' : 'pong', token: rest };
    case 'CAP': {
      const f = p.tokens();
      if (f.length === 0 || (f[0] !== 'LS' && f[0] !== 'ACK')) throw p.error('expected LS or ACK');
      return { raw: p.raw, verb: p.verb, type: 'caps', sub: f[0], names: f.slice(1) };
    }
    case 'EDIT': {
      const f = p.fields(6, true);
      return { raw: p.raw, verb: p.verb, type: 'edit', actor: p.user(f[0], f[1]), to: p.addr(f[2], f[3]), id: p.id(f[4]), text: f[5] };
    }
    case 'DELETE': {
      const f = p.fields(5, false);
      return { raw: p.raw, verb: p.verb, type: 'delete', actor: p.user(f[0], f[1]), to: p.addr(f[2], f[3]), id: p.id(f[4]) };
    }
    case 'REACT':
    case 'UNREACT': {
      const f = p.fields(6, false);
      if (!validEmoji(f[5])) throw p.error('invalid reaction');
      return {
        raw: p.raw,
        verb: p.verb,
        type: 'react',
        actor: p.user(f[0], f[1]),
        to: p.addr(f[2], f[3]),
        id: p.id(f[4]),
        emoji: f[5],
        removed: verb === 'UNREACT',
      };
    }
    case 'TYPING': {
      const f = p.fields(4, false);
      return { raw: p.raw, verb: p.verb, type: 'typing', actor: p.user(f[0], f[1]), to: p.addr(f[2], f[3]) };
    }
    case 'AWAY': {
      const f = p.split(2, 3);
      return { raw: p.raw, verb: p.verb, type: 'away', user: p.user(f[0], f[1]), text: f[2] ?? '' };
    }
    case 'OWNER':
    case 'MOD':
    case 'UNMOD': {
      const f = p.fields(4, false);
      const place = p.place(f[0], f[1]);
      if (verb === 'OWNER' && !place.endsWith('/0')) throw p.error('an owner is of a server');
      return { raw: p.raw, verb: p.verb, type: 'role', role: verb, place, user: p.user(f[2], f[3]) };
    }
    case 'TOPIC': {
      const f = p.split(4, 5);
      return { raw: p.raw, verb: p.verb, type: 'topic', actor: p.user(f[0], f[1]), place: p.place(f[2], f[3]), text: f[4] ?? '' };
    }
    case 'OPEN':
    case 'CLOSE': {
      const f = p.fields(2, false);
      return { raw: p.raw, verb: p.verb, type: 'visibility', place: p.place(f[0], f[1]), public: verb === 'OPEN' };
    }
    case 'CHAN': {
      const f = p.split(5, 6);
      const place = p.place(f[0], f[1]);
      if (f[2] !== 'public' && f[2] !== 'private') throw p.error('expected public or private');
      return {
        raw: p.raw,
        verb: p.verb,
        type: 'chan',
        place,
        public: f[2] === 'public',
        members: p.count(f[3]),
        name: f[4],
        topic: f[5] ?? '',
      };
    }
    case 'KICK': {
      const f = p.split(6, 7);
      return {
        raw: p.raw,
        verb: p.verb,
        type: 'kick',
        actor: p.user(f[0], f[1]),
        place: p.place(f[2], f[3]),
        user: p.user(f[4], f[5]),
        reason: f[6] ?? '',
      };
    }
    case 'BAN':
    case 'UNBAN': {
      const f = p.split(4, verb === 'UNBAN' ? 4 : 5);
      const place = p.place(f[0], f[1]);
      if (!place.endsWith('/0')) throw p.error('a ban is from a server');
      return {
        raw: p.raw,
        verb: p.verb,
        type: 'ban',
        server: splitKey(place)[0],
        user: p.user(f[2], f[3]),
        reason: f[4] ?? '',
        lifted: verb === 'UNBAN',
      };
    }
    case 'UNREAD': {
      const f = p.fields(4, false);
      return { raw: p.raw, verb: p.verb, type: 'unread', conv: p.addr(f[0], f[1]), count: p.count(f[2]), newest: p.id(f[3]) };
    }
    case 'READ': {
      const f = p.fields(3, false);
      return { raw: p.raw, verb: p.verb, type: 'read', conv: p.addr(f[0], f[1]), id: p.id(f[2]) };
    }
    case 'LIST':
    case 'BANS':
    case 'HIST':
    case 'FIND':
      return p.end();
    case 'WEBTOKEN': {
      const f = p.fields(1, false);
      if (!/^[A-Za-z0-9_-]{43}$/.test(f[0])) throw p.error('invalid token');
      return { raw: p.raw, verb: p.verb, type: 'webToken', token: f[0] };
    }
    case 'CALL':
      return p.call();
    case 'RTC':
      return p.rtc();
    case 'KEY': {
      const f = p.fields(3, false);
      return { raw: p.raw, verb: p.verb, type: 'key', user: p.user(f[0], f[1]), key: f[2] };
    }
  }
  return { raw: p.raw, verb: p.verb, type: 'unknown', rest };
}

class Parser {
  constructor(
    readonly verb: string,
    readonly rest: string,
    readonly raw: string,
  ) {}

  error(reason: string): ParseError {
    return new ParseError(this.verb + ': ' + reason);
  }

  // fields splits into exactly n fields; with text, the last one runs to
  // the end of the line (spaces included) and may be empty.
  fields(n: number, text: boolean): string[] {
    let f: string[];
    if (text) {
      f = [];
      let rest = this.rest;
      while (f.length < n - 1) {
        const i = rest.indexOf(' ');
        if (i < 0) break;
        f.push(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
      f.push(rest);
    } else {
      f = this.rest.split(' ');
    }
    if (f.length !== n) throw this.error('wrong number of fields');
    f.forEach((s, i) => {
      if (s === '' && !(text && i === n - 1)) throw this.error('empty field');
    });
    return f;
  }

  tokens(): string[] {
    if (this.rest === '') return [];
    const f = this.rest.split(' ');
    if (f.some((s) => s === '')) throw this.error('empty field');
    return f;
  }

  // split reads min to max fields, the last of max running to the end.
  split(min: number, max: number): string[] {
    const f: string[] = [];
    let rest = this.rest;
    while (f.length < max - 1) {
      const i = rest.indexOf(' ');
      if (i < 0) break;
      f.push(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
    f.push(rest);
    if (this.rest === '' || f.length < min) throw this.error('wrong number of fields');
    f.forEach((s, i) => {
      if (s === '' && i < max - 1) throw this.error('empty field');
    });
    return f;
  }

  addr(s: string, c: string): ConvKey {
    const a = parseNumber(s);
    const b = parseNumber(c);
    if (a === null || b === null || (a === 0 && b === 0)) {
      throw this.error('invalid address ' + JSON.stringify(s + ' ' + c));
    }
    return convKey(a, b);
  }

  user(s: string, c: string): number {
    const a = this.addr(s, c);
    if (!isDirect(a)) throw this.error('expected a user address, got ' + JSON.stringify(s + ' ' + c));
    return Number(c);
  }

  place(s: string, c: string): ConvKey {
    const a = this.addr(s, c);
    if (isDirect(a)) throw this.error('expected a server or channel address, got ' + JSON.stringify(s + ' ' + c));
    return a;
  }

  count(s: string): number {
    const n = parseNumber(s);
    if (n === null) throw this.error('invalid number ' + JSON.stringify(s));
    return n;
  }

  id(s: string): number {
    const n = parseNumber(s);
    if (n === null || n === 0) throw this.error('invalid message id ' + JSON.stringify(s));
    return n;
  }

  server(s: string): number {
    const n = parseNumber(s);
    if (n === null || n === 0) throw this.error('invalid server tag ' + JSON.stringify(s));
    return n;
  }

  tag(): Line {
    const f = this.tokens();
    if (f.length === 2) return { raw: this.raw, verb: this.verb, type: 'me', user: this.user(f[0], f[1]) };
    if (f.length === 3) return { raw: this.raw, verb: this.verb, type: 'place', place: this.place(f[0], f[1]), name: f[2] };
    throw this.error('wrong number of fields');
  }

  presence(): Line {
    const f = this.fields(4, false);
    if (f[0] !== 'ON' && f[0] !== 'OFF') throw this.error('expected ON or OFF');
    return { raw: this.raw, verb: this.verb, type: 'presence', online: f[0] === 'ON', user: this.user(f[1], f[2]), pseudo: f[3] };
  }

  members(): Line {
    let f = this.tokens();
    if (f.length < 2) throw this.error('wrong number of fields');
    const a = this.addr(f[0], f[1]);
    f = f.slice(2);
    let serverName = '';
    let channelName = '';
    if (!isDirect(a)) {
      if (f.length < 2) throw this.error('missing server or channel name');
      [serverName, channelName] = f;
      f = f.slice(2);
    }
    if (f.length % 2 !== 0) throw this.error('members must be 0 tag pairs');
    const users: number[] = [];
    for (let i = 0; i < f.length; i += 2) users.push(this.user(f[i], f[i + 1]));
    if (isDirect(a)) return { raw: this.raw, verb: this.verb, type: 'friends', owner: Number(a.slice(2)), users };
    return { raw: this.raw, verb: this.verb, type: 'members', place: a, serverName, channelName, users };
  }

  invite(): Line {
    let f = this.tokens();
    const restated = this.verb === 'SENT';
    if (f.length < 2) throw this.error('wrong number of fields');
    const from = this.user(f[0], f[1]);
    f = f.slice(2);
    let to = 0;
    if (!restated && (f.length === 2 || f.length === 6)) {
      to = this.user(f[0], f[1]);
      f = f.slice(2);
    }
    let place: ConvKey | null = null;
    let serverName = '';
    let channelName = '';
    if (f.length === 4) {
      place = this.place(f[0], f[1]);
      [, , serverName, channelName] = f;
    } else if (f.length !== 0) {
      throw this.error('wrong number of fields');
    }
    return { raw: this.raw, verb: this.verb, type: 'invite', restated, from, to, place, serverName, channelName };
  }

  join(): Line {
    const f = this.fields(4, false);
    return { raw: this.raw, verb: this.verb, type: 'join', place: this.addr(f[0], f[1]), user: this.user(f[2], f[3]) };
  }

  bye(bare: boolean): Line {
    if (bare) return { raw: this.raw, verb: this.verb, type: 'logout' };
    const f = this.tokens();
    if (f.length !== 2 && f.length !== 4 && f.length !== 6) throw this.error('wrong number of fields');
    const user = this.user(f[0], f[1]);
    if (f.length === 2) return { raw: this.raw, verb: this.verb, type: 'offline', user };
    const a = this.addr(f[2], f[3]);
    if (f.length === 4) {
      if (isDirect(a)) return { raw: this.raw, verb: this.verb, type: 'unfriend', user, other: Number(f[3]) };
      return { raw: this.raw, verb: this.verb, type: 'left', user, place: a };
    }
    if (!isDirect(a)) throw this.error('expected a user address, got ' + JSON.stringify(f[2] + ' ' + f[3]));
    return { raw: this.raw, verb: this.verb, type: 'uninvite', user, other: Number(f[3]), place: this.place(f[4], f[5]) };
  }

  rename(): Line {
    const f = this.tokens();
    if (f.length === 2) {
      return { raw: this.raw, verb: this.verb, type: 'renameServer', name: f[0], server: this.server(f[1]) };
    }
    if (f.length === 3) {
      const a = this.addr(f[1], f[2]);
      if (isDirect(a)) return { raw: this.raw, verb: this.verb, type: 'renameUser', name: f[0], user: Number(f[2]) };
      return { raw: this.raw, verb: this.verb, type: 'renameChannel', name: f[0], place: a };
    }
    throw this.error('wrong number of fields');
  }

  file(): Line {
    const f = this.fields(4, false);
    const conv = this.addr(f[0], f[1]);
    if (this.verb === 'FILE') return { raw: this.raw, verb: this.verb, type: 'fileChunk', conv, name: f[2], data: f[3] };
    const size = this.count(f[3]);
    if (this.verb === 'NEWFILE') return { raw: this.raw, verb: this.verb, type: 'fileStart', conv, name: f[2], size };
    return { raw: this.raw, verb: this.verb, type: 'fileEnd', conv, name: f[2], size };
  }

  fileSent(): Line {
    const f = this.tokens();
    if (f.length !== 3 && f.length !== 5) throw this.error('wrong number of fields');
    const from = this.user(f[0], f[1]);
    const to = f.length === 5 ? this.addr(f[2], f[3]) : null;
    return { raw: this.raw, verb: this.verb, type: 'fileSent', tags: null, from, to, name: f[f.length - 1] };
  }

  // CALL 0 actor S C VERB [args] (or 0 actor 0 other VERB ...).
  call(): Line {
    const f = this.tokens();
    if (f.length < 5) throw this.error('wrong number of fields');
    const actor = this.user(f[0], f[1]);
    const to = this.addr(f[2], f[3]);
    const event = f[4];
    const base = { raw: this.raw, verb: this.verb, type: 'call' as const, actor, to, media: [] as Media[], user: 0 };
    switch (event) {
      case 'JOIN':
      case 'MEDIA': {
        if (f.length !== 6) throw this.error(event + ': wrong number of fields');
        const media = parseMedia(f[5]);
        if (!media) throw this.error('expected mic, cam, screen or -, got ' + JSON.stringify(f[5]));
        return { ...base, event, media };
      }
      case 'LEAVE':
      case 'DECLINE':
        if (f.length !== 5) throw this.error(event + ': wrong number of fields');
        return { ...base, event };
      case 'MUTE':
      case 'UNMUTE':
      case 'KICK':
        if (f.length !== 7) throw this.error(event + ': wrong number of fields');
        if (isDirect(to)) throw this.error(event + ' is of a channel call');
        return { ...base, event, user: this.user(f[5], f[6]) };
    }
    throw this.error('unknown call event ' + JSON.stringify(event));
  }

  // RTC CONV kind seq last payload
  rtc(): Line {
    const f = this.tokens();
    if (f.length !== 6) throw this.error('wrong number of fields');
    const conv = this.addr(f[0], f[1]);
    const kind = f[2];
    if (isP2pKind(kind)) {
      if (!isDirect(conv)) throw this.error('p2p lines are of a user');
    } else if (kind !== 'ice' && kind !== 'offer' && kind !== 'answer' && kind !== 'candidate') throw this.error('invalid RTC kind');
    const seq = this.count(f[3]);
    if (f[4] !== '0' && f[4] !== '1') throw this.error('last is 0 or 1');
    // A piece need not be whole base64 groups by itself: the joined payload is checked (rtc.ts).
    if (f[5].length > RTC_CHUNK || !/^[A-Za-z0-9+/]+={0,2}$/.test(f[5])) throw this.error('invalid payload');
    return { raw: this.raw, verb: this.verb, type: 'rtc', conv, kind, seq, last: f[4] === '1', payload: f[5] };
  }

  end(): Line {
    const f = this.tokens();
    const of = this.verb as 'LIST' | 'BANS' | 'HIST' | 'FIND';
    let server = 0;
    let conv: ConvKey | null = null;
    if (of === 'FIND' && f.length === 1) {
      // FIND n
    } else if ((of === 'LIST' || of === 'BANS') && f.length === 2) {
      server = this.server(f[0]);
    } else if (of === 'HIST' && f.length === 3) {
      conv = this.addr(f[0], f[1]);
    } else {
      throw this.error('wrong number of fields');
    }
    return { raw: this.raw, verb: this.verb, type: 'end', of, server, conv, n: this.count(f[f.length - 1]) };
  }
}

const encoder = new TextEncoder();

/** Bytes of s in UTF-8: the protocol's limits count bytes. */
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** validEmoji: 1 to 32 bytes, no space, no control character. */
export function validEmoji(s: string): boolean {
  return s.length > 0 && byteLength(s) <= MAX_EMOJI && !/[\s\p{Cc}]/u.test(s);
}

/** conversationOf names the conversation a MSG or FILESENT from `from` to
 * `to` belongs to, for user `me`: a direct one is named by the other party;
 * a FILESENT to me directly has no `to`. */
export function conversationOf(me: number, from: number, to: ConvKey | null): ConvKey {
  if (to === null) return directKey(from);
  if (isDirect(to)) return from === me ? to : directKey(from);
  return to;
}

// ---- Commands the page sends -------------------------------------------

// Free text may hold anything but line breaks and control characters other
// than TAB: those would end the line or get ERR LINE invalid text.
function checkText(what: string, s: string, max: number, allowEmpty = false): string {
  if (s === '' && !allowEmpty) throw new CommandError(`${what} is empty`);
  if (/[\u0000-\u0008\u000a-\u001f\u007f\u0080-\u009f]/.test(s)) {
    throw new CommandError(`${what} holds a line break or a control character`);
  }
  if (byteLength(s) > max) throw new CommandError(`${what} is longer than ${max} bytes`);
  return s;
}

function checkToken(what: string, s: string, max = MAX_LINE): string {
  if (s === '' || /[\s\p{Cc}]/u.test(s)) throw new CommandError(`${what} must be one word without spaces`);
  if (byteLength(s) > max) throw new CommandError(`${what} is longer than ${max} bytes`);
  return s;
}

function checkName(what: string, s: string): string {
  if (s === '' || byteLength(s) > MAX_NAME || /[\s\p{C}]/u.test(s)) {
    throw new CommandError(`${what} must be 1 to ${MAX_NAME} bytes of printable text without spaces`);
  }
  return s;
}

function checkPassword(s: string): string {
  const n = byteLength(s);
  if (n < 8 || n > 128 || /[\s\p{Cc}]/u.test(s)) {
    throw new CommandError('a password is 8 to 128 bytes without spaces');
  }
  return s;
}

function checkTag(what: string, n: number, allowZero = false): number {
  if (!Number.isSafeInteger(n) || n < 0 || (n === 0 && !allowZero)) throw new CommandError(`invalid ${what} ${n}`);
  return n;
}

function addr(key: ConvKey): string {
  const [s, c] = splitKey(key);
  return s + ' ' + c;
}

function place(key: ConvKey): string {
  if (isDirect(key)) throw new CommandError('expected a server or channel, got a direct conversation');
  return addr(key);
}

function line(s: string): string {
  if (byteLength(s) > MAX_LINE) throw new CommandError(`the line would be longer than ${MAX_LINE} bytes`);
  return s;
}

const user = (u: number) => '0 ' + checkTag('user tag', u);
const id = (n: number) => String(checkTag('message id', n));
const server = (s: number) => String(checkTag('server tag', s));

/** The lines the page sends, each checked: a bad argument throws a
 * CommandError and nothing is sent. */
export const cmd = {
  capLs: () => 'CAP LS',
  capReq: (...names: string[]) => line('CAP REQ ' + names.map((n) => checkToken('a capability', n)).join(' ')),
  register: (pseudo: string, password: string) =>
    line(`NEW USR ${checkName('a pseudo', pseudo)} ${checkPassword(password)}`),
  login: (pseudo: string, password: string) => line(`IAM ${checkName('a pseudo', pseudo)} ${checkPassword(password)}`),
  logout: () => 'BYE',
  password: (oldPassword: string, newPassword: string) =>
    line(`PSW ${checkPassword(oldPassword)} ${checkPassword(newPassword)}`),
  pseudo: (pseudo: string, password: string) => line(`PSD ${checkName('a pseudo', pseudo)} ${checkPassword(password)}`),
  who: (pseudo: string) => line('WHO ' + checkName('a pseudo', pseudo)),
  ping: (token = '') => (token === '' ? 'PING' : 'PING ' + checkToken('a ping token', token, 64)),
  pong: (token = '') => (token === '' ? 'PONG' : 'PONG ' + checkToken('a ping token', token, 64)),

  /** MSG S C text or MSG 0 U text. */
  msg: (conv: ConvKey, text: string) => line(`MSG ${addr(conv)} ${checkText('a message', text, MAX_TEXT)}`),
  reply: (to: number, text: string) => line(`REPLY ${id(to)} ${checkText('a message', text, MAX_TEXT)}`),
  edit: (msg: number, text: string) => line(`EDIT ${id(msg)} ${checkText('a message', text, MAX_TEXT)}`),
  delete: (msg: number) => `DELETE ${id(msg)}`,
  react: (msg: number, emoji: string) => {
    if (!validEmoji(emoji)) throw new CommandError('a reaction is one token of 1 to 32 bytes');
    return `REACT ${id(msg)} ${emoji}`;
  },
  unreact: (msg: number, emoji: string) => {
    if (!validEmoji(emoji)) throw new CommandError('a reaction is one token of 1 to 32 bytes');
    return `UNREACT ${id(msg)} ${emoji}`;
  },

  /** HIST CONV before limit: before 0 is the newest page. */
  hist: (conv: ConvKey, before: number, limit: number) => {
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new CommandError('a page is 1 to 200 messages');
    return `HIST ${addr(conv)} ${checkTag('message id', before, true)} ${limit}`;
  },
  /** FIND CONV text; scope "0/0"... is written as FIND 0 0 text (everywhere): pass null. */
  find: (conv: ConvKey | null, text: string) =>
    line(`FIND ${conv === null ? '0 0' : addr(conv)} ${checkText('a search', text, MAX_QUERY)}`),
  read: (conv: ConvKey, msg: number) => `READ ${addr(conv)} ${id(msg)}`,
  typing: (conv: ConvKey) => `TYPING ${addr(conv)}`,
  get: (conv: ConvKey, name: string) => line(`GET ${addr(conv)} ${checkToken('a file name', name)}`),

  newServer: (name: string) => `NEW SERV ${checkName('a server name', name)}`,
  newChannel: (srv: number, name: string) => `NEW CHAN ${server(srv)} ${checkName('a channel name', name)}`,
  /** DEL S C (a channel) or DEL S 0 (the whole server). */
  del: (p: ConvKey) => `DEL ${place(p)}`,
  renameServer: (srv: number, name: string) => `RENAME ${checkName('a server name', name)} ${server(srv)}`,
  renameChannel: (p: ConvKey, name: string) => `RENAME ${checkName('a channel name', name)} ${place(p)}`,
  /** BYE S C leaves a channel; BYE S 0 the server. */
  leave: (p: ConvKey) => `BYE ${place(p)}`,

  /** A friend request (place null) or an invitation to a place. */
  invite: (to: number, p: ConvKey | null = null) => (p === null ? `INV ${user(to)}` : `INV ${user(to)} ${place(p)}`),
  /** Accept a friend request from user `from`. */
  acceptFriend: (from: number) => `JOIN ${user(from)}`,
  /** Accept an invitation to a place, or join a public channel. */
  join: (p: ConvKey) => `JOIN ${place(p)}`,
  /** End a friendship, decline a friend request or withdraw one sent. */
  unfriend: (other: number) => `BYE ${user(other)}`,
  /** Decline an invitation to a place received from `other`, or withdraw one sent to it. */
  uninvite: (other: number, p: ConvKey) => `BYE ${user(other)} ${place(p)}`,

  mod: (p: ConvKey, u: number) => `MOD ${place(p)} ${user(u)}`,
  unmod: (p: ConvKey, u: number) => `UNMOD ${place(p)} ${user(u)}`,
  kick: (p: ConvKey, u: number, reason = '') =>
    line(`KICK ${place(p)} ${user(u)}` + (reason ? ' ' + checkText('a reason', reason, MAX_TEXT) : '')),
  ban: (srv: number, u: number, reason = '') =>
    line(`BAN ${server(srv)} 0 ${user(u)}` + (reason ? ' ' + checkText('a reason', reason, MAX_TEXT) : '')),
  unban: (srv: number, u: number) => `UNBAN ${server(srv)} 0 ${user(u)}`,
  bans: (srv: number) => `BANS ${server(srv)}`,
  topic: (p: ConvKey, text: string) =>
    line(`TOPIC ${place(p)}` + (text ? ' ' + checkText('a topic', text, MAX_TOPIC) : '')),
  open: (p: ConvKey) => `OPEN ${place(p)}`,
  close: (p: ConvKey) => `CLOSE ${place(p)}`,
  list: (srv: number) => `LIST ${server(srv)}`,
  /** AWAY text; an empty text means back. */
  away: (text = '') => (text ? line('AWAY ' + checkText('an away note', text, MAX_AWAY)) : 'AWAY'),

  /** JEU game payload. */
  game: (game: string, payload: string) =>
    line(`JEU ${checkToken('a game', game)}` + (payload ? ' ' + checkText('a game command', payload, MAX_LINE) : '')),
  webToken: () => 'WEBTOKEN',

  newFile: (conv: ConvKey, name: string, size: number) =>
    `NEWFILE ${addr(conv)} ${checkToken('a file name', name, 200)} ${checkTag('size', size, true)}`,
  fileChunk: (conv: ConvKey, name: string, base64: string) => {
    if (base64.length > 3840 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new CommandError('invalid chunk');
    return `FILE ${addr(conv)} ${checkToken('a file name', name, 200)} ${base64}`;
  },
  /** CALL CONV JOIN audio|video: join (or start) the call of a conversation. */
  callJoin: (conv: ConvKey, video = false) => `CALL ${addr(conv)} JOIN ${video ? 'video' : 'audio'}`,
  callLeave: (conv: ConvKey) => `CALL ${addr(conv)} LEAVE`,
  /** CALL CONV MEDIA list: what this participant sends now. */
  callMedia: (conv: ConvKey, media: readonly Media[]) => {
    for (const m of media) if (!MEDIA_ORDER.includes(m)) throw new CommandError('expected mic, cam, screen');
    return `CALL ${addr(conv)} MEDIA ${formatMedia(media)}`;
  },
  /** CALL 0 U DECLINE: say no to the direct call of user U that rings. */
  callDecline: (caller: number) => `CALL ${user(caller)} DECLINE`,
  /** CALL S C MUTE|UNMUTE|KICK 0 U: a moderator acts on a participant of a channel call. */
  callModerate: (p: ConvKey, action: 'MUTE' | 'UNMUTE' | 'KICK', u: number) => {
    if (action !== 'MUTE' && action !== 'UNMUTE' && action !== 'KICK') throw new CommandError('expected MUTE, UNMUTE or KICK');
    return `CALL ${place(p)} ${action} ${user(u)}`;
  },
  /** One RTC line: a chunk of a payload already in base64 (rtcLines cuts them). */
  rtc: (conv: ConvKey, kind: 'answer' | 'candidate' | P2pKind, seq: number, last: boolean, chunk: string) => {
    if (chunk.length > RTC_CHUNK || !BASE64.test(chunk)) throw new CommandError('invalid RTC chunk');
    return `RTC ${addr(conv)} ${kind} ${checkTag('sequence number', seq, true)} ${last ? 1 : 0} ${chunk}`;
  },
  endFile: (conv: ConvKey, name: string, size: number) =>
    `ENDFILE ${addr(conv)} ${checkToken('a file name', name, 200)} ${checkTag('size', size, true)}`,
};

/** compareIds orders message ids (oldest first). */
export function compareIds(a: number, b: number): number {
  return a - b;
}
