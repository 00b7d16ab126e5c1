// What the page needs from the lib, in the page's own terms. adapt.ts
// implements it over the lib's SalonClient; App knows only this.

import type { ChanRow } from "./Settings";
import type { Hit } from "./Search";
import type { CallStatus } from "../lib/call";
import type { P2pEngine } from "../lib/p2p";
import type { PrivateControls } from "./Privacy";
import type { CallMemberView, ConvKey, ConvLink, InviteView, MemberView, MessageView, RingView, ServerView, UserView } from "./view";

export type { CallStatus };

/** The page's call: what call.ts's CallEngine does, in the page's terms. */
export interface CallControls {
  /** The call this page is in, or null. */
  readonly status: CallStatus | null;
  subscribe(fn: () => void): () => void;
  onError(fn: (text: string) => void): () => void;
  join(conv: ConvKey, video: boolean): Promise<void>;
  leave(): Promise<void>;
  setMuted(on: boolean): void;
  setDeafened(on: boolean): void;
  setCamera(on: boolean): Promise<void>;
  setScreen(on: boolean): Promise<void>;
  setVolume(user: number, volume: number): void;
  setPushToTalk(on: boolean): void;
  setTalking(on: boolean): void;
}

export type ConnStatus = "idle" | "connecting" | "online" | "reconnecting" | "offline";

export type Item =
  | { kind: "msg"; key: string; m: MessageView }
  | { kind: "game"; key: string; game: string; payload: string }
  | { kind: "notice"; key: string; text: string };

export interface ConvView {
  key: ConvKey;
  /** "#general", or the other party's pseudo. */
  title: string;
  /** "Message #general", "Message @bob": the composer's name. */
  composerLabel: string;
  topic: string;
  isPublic: boolean;
  server?: ServerView;
  user?: UserView;
  items: Item[];
  atNewest: boolean;
  hasOlder: boolean;
  loading: boolean;
  typing: string[];
  members: MemberView[];
  canModerate: boolean;
  isOwner: boolean;
  /** The files cookie is set: file URLs work. */
  filesReady: boolean;
  /** The table address games use: "S C" / "0 U". */
  addr: string;
  /** The conversation's call: who is in it; null when there is none. */
  call: CallMemberView[] | null;
}

export interface Snapshot {
  status: ConnStatus;
  /** When reconnecting: when the next try is (ms since the epoch). */
  retryAt: number;
  loggedIn: boolean;
  me: UserView;
  servers: ServerView[];
  directs: ConvLink[];
  invites: InviteView[];
  unreadTotal: number;
  friends: number[];
  /** Direct calls ringing for this user. */
  rings: RingView[];
}

export interface Upload {
  id: number;
  name: string;
  sent: number;
  total: number;
  error?: string;
}

/** A live message for notifications: not from history, not one's own. */
export interface Arrival {
  conv: ConvKey;
  from: string;
  text: string;
  mention: boolean;
  direct: boolean;
}

export interface Backend {
  snapshot(): Snapshot;
  conversation(key: ConvKey): ConvView | null;
  subscribe(fn: () => void): () => void;
  onError(fn: (text: string) => void): () => void;
  onArrival(fn: (a: Arrival) => void): () => void;
  onNotice(fn: (text: string) => void): () => void;
  pseudo(tag: number): string;

  login(pseudo: string, password: string): Promise<void>;
  register(pseudo: string, password: string): Promise<void>;
  logout(): void;

  open(key: ConvKey): void;
  openAround(key: ConvKey, id: number): void;
  /** Back to the newest messages from a window in the past. */
  present(key: ConvKey): void;
  loadOlder(key: ConvKey): void;
  /** renewFiles asks for a files cookie of this tab's session again (after a file failed to load). */
  renewFiles(): void;
  loadNewer(key: ConvKey): void;
  seen(key: ConvKey, id: number): void;

  send(key: ConvKey, text: string): Promise<unknown>;
  reply(id: number, text: string): Promise<unknown>;
  edit(id: number, text: string): Promise<unknown>;
  remove(id: number): Promise<unknown>;
  react(id: number, emoji: string): Promise<unknown>;
  unreact(id: number, emoji: string): Promise<unknown>;
  typing(key: ConvKey): void;
  retry(key: ConvKey, local: number): void;
  discard(key: ConvKey, local: number): void;
  find(key: ConvKey | null, text: string): Promise<Hit[]>;

  upload(key: ConvKey, file: File, progress: (sent: number, total: number) => void): Promise<unknown>;
  fileUrl(key: ConvKey, name: string, thumb: boolean): string;

  newServer(name: string): Promise<unknown>;
  newChannel(server: number, name: string): Promise<unknown>;
  befriend(pseudo: string): Promise<unknown>;
  unfriend(tag: number): Promise<unknown>;
  invite(pseudo: string, place: ConvKey): Promise<unknown>;
  accept(inv: InviteView): Promise<unknown>;
  decline(inv: InviteView): Promise<unknown>;
  leave(place: ConvKey): Promise<unknown>;
  rename(place: ConvKey, name: string): Promise<unknown>;
  del(place: ConvKey): Promise<unknown>;
  topic(place: ConvKey, text: string): Promise<unknown>;
  setPublic(place: ConvKey, on: boolean): Promise<unknown>;
  list(server: number): Promise<ChanRow[]>;
  join(place: ConvKey): Promise<unknown>;
  mod(place: ConvKey, user: number, on: boolean): Promise<unknown>;
  kick(place: ConvKey, user: number, reason: string): Promise<unknown>;
  ban(server: number, user: number, reason: string): Promise<unknown>;
  bans(server: number): Promise<{ user: number; name: string; reason: string }[]>;
  unban(server: number, user: number): Promise<unknown>;
  away(text: string): Promise<unknown>;
  setPseudo(pseudo: string, password: string): Promise<unknown>;
  setPassword(old: string, next: string): Promise<unknown>;
  play(game: string, payload: string): void;
  /** A plugin verb typed as /verb args (ROLL 2d6). */
  command(line: string): Promise<unknown>;

  call: CallControls;
  /** Peer-to-peer file transfers (absent where the page has no WebRTC). */
  p2p?: P2pEngine;
  /** Private messages: keys, the private switch of direct conversations. */
  priv: PrivateControls;
  /** Say no to a direct call ringing; dismiss: stop ringing here only. */
  declineCall(conv: ConvKey): Promise<unknown>;
  dismissRing(conv: ConvKey): void;
  moderateCall(place: ConvKey, action: "MUTE" | "UNMUTE" | "KICK", user: number): Promise<unknown>;
}
