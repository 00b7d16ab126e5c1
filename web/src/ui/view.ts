// What the components are given: plain data, computed from the lib's store
// by App (adapt.ts), so that each component renders from its props alone.

import type { ConvKey } from "../lib/line";
import type { PrivateMark } from "./Privacy";

export type { ConvKey };

export interface UserView {
  tag: number;
  pseudo: string;
  online: boolean;
  away?: string;
}

/** One participant of a call, as the roster says. */
export interface CallMemberView {
  user: UserView;
  /** What it says it sends. */
  mic: boolean;
  cam: boolean;
  screen: boolean;
  /** Muted by a moderator. */
  modMuted: boolean;
}

/** A direct call ringing for this user. */
export interface RingView {
  conv: ConvKey;
  from: UserView;
}

export interface ConvLink {
  key: ConvKey;
  name: string;
  unread: number;
  mentions: number;
  /** Who is in the conversation's call (empty: no call). */
  call: UserView[];
  /** A direct conversation's other party. */
  user?: UserView;
}

export interface ServerView {
  tag: number;
  name: string;
  owner: number;
  channels: ConvLink[];
  unread: number;
  mentions: number;
}

export interface InviteView {
  key: string;
  received: boolean;
  /** The other party. */
  user: UserView;
  /** A channel invitation's place and names (absent for a friend request). */
  place?: ConvKey;
  serverName?: string;
  channelName?: string;
}

export interface MemberView {
  user: UserView;
  owner: boolean;
  mod: boolean;
}

export interface ReactionView {
  emoji: string;
  count: number;
  mine: boolean;
  who: string;
}

export interface MessageView {
  id: number;
  author: number;
  authorName: string;
  time: number;
  text?: string;
  file?: string;
  reply?: { id: number; authorName: string; text: string } | null;
  edited?: number;
  reactions: ReactionView[];
  mine: boolean;
  mentionsMe: boolean;
  /** Starts a group: a new author, or minutes after the one above. */
  first: boolean;
  canDelete: boolean;
  /** Typed here and not yet stored: why it waits, or why it was refused. */
  pending?: { state: "queued" | "sent" | "failed"; error: string; local: number };
  /** A private message or file (docs/privacy.md): how it was read. */
  private?: PrivateMark;
}
