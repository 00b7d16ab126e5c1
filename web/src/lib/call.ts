// CallEngine is the page's side of a call (docs/protocol.md, "Calls"): it
// owns the RTCPeerConnection with salond's forwarding unit, the local
// microphone, camera and screen, the remote tracks and how they play, and
// the speaking levels. The roster (who is in which call, what they send)
// is the store's (state.calls); this is what the page itself does in the
// one call it is in.
//
// salond always offers and the page only answers: the peer connection is
// made on the `ice` payload, each `offer` is answered in turn, and the
// first (up to three) m-sections the server receives are this page's
// microphone, camera and screen. Those are answered `sendonly` whether a
// track is on them or not, so that turning the camera on, muting or
// sharing a screen is a replaceTrack and a MEDIA line, never a new
// negotiation (an `inactive` answer could only be undone by the server's
// next offer). Remote tracks come in streams named by their sender's
// tag: "7" (microphone and camera), "7-screen".

import { type SalonClient, ServerError } from './client';
import { type ConvKey, type LineOf, type Media, formatMedia, isDirect } from './line';
import { RtcAssembler, RtcError } from './rtc';

/** What the engine needs from the browser; tests may give their own. */
export interface CallEnv {
  RTCPeerConnection: typeof RTCPeerConnection;
  getUserMedia(c: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(c: DisplayMediaStreamOptions): Promise<MediaStream>;
  /** null: no speaking levels. */
  AudioContext: typeof AudioContext | null;
  /** A media element the remote audio plays through. */
  audio(): HTMLAudioElement;
}

/** The streams of one other participant, as they arrive. */
export interface RemoteMedia {
  user: number;
  /** Microphone and camera ("7"). */
  stream: MediaStream | null;
  /** The screen share ("7-screen"). */
  screen: MediaStream | null;
  /** A live video track is in `stream` / `screen` (what can be drawn). */
  video: boolean;
  screenVideo: boolean;
}

export interface CallStatus {
  conv: ConvKey;
  /** joining: JOIN sent; connecting: in the call, media not flowing yet. */
  phase: 'joining' | 'connecting' | 'connected';
  /** This user's own mute (a moderator's is in the roster). */
  muted: boolean;
  deafened: boolean;
  camera: boolean;
  screen: boolean;
  pushToTalk: boolean;
  /** The push-to-talk key is held. */
  talking: boolean;
  /** The microphone goes out now (not muted, not deafened, PTT held). */
  sending: boolean;
  /** This page's camera, for its own tile. */
  local: MediaStream | null;
  localScreen: MediaStream | null;
  remotes: Readonly<Record<number, RemoteMedia>>;
  /** Who is speaking now (this user included), by tag. */
  speaking: readonly number[];
  volumes: Readonly<Record<number, number>>;
}

type Slot = 'mic' | 'cam' | 'screen';

/** Bitrates asked of the browser's encoder (the server also sets b=AS). */
const MAX_BITRATE: Record<Slot, number> = { mic: 0, cam: 600_000, screen: 1_500_000 };
const LEVEL_MS = 100;
/** RMS of the samples above which one is speaking, and how long it lasts after. */
const SPEAKING_LEVEL = 0.015;
const SPEAKING_HOLD_MS = 400;

function browserEnv(): CallEnv {
  const g = globalThis as unknown as {
    RTCPeerConnection: typeof RTCPeerConnection;
    navigator: Navigator;
    AudioContext?: typeof AudioContext;
    Audio: typeof Audio;
  };
  return {
    RTCPeerConnection: g.RTCPeerConnection,
    getUserMedia: (c) => g.navigator.mediaDevices.getUserMedia(c),
    getDisplayMedia: (c) => g.navigator.mediaDevices.getDisplayMedia(c),
    AudioContext: g.AudioContext ?? null,
    audio: () => new g.Audio(),
  };
}

/** The m-sections of an SDP: their mid, kind and direction, in order. */
export function sdpSections(sdp: string): { mid: string; kind: string; direction: string; port: number }[] {
  const out: { mid: string; kind: string; direction: string; port: number }[] = [];
  const parts = sdp.split(/\r?\nm=/).slice(1);
  for (const p of parts) {
    const lines = p.split(/\r?\n/);
    const [kind, port] = lines[0].split(' ');
    let mid = '';
    let direction = 'sendrecv';
    for (const l of lines) {
      if (l.startsWith('a=mid:')) mid = l.slice(6).trim();
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l.trim())) direction = l.trim().slice(2);
    }
    out.push({ mid, kind, direction, port: Number(port) });
  }
  return out;
}

/** streamOwner reads a forwarded stream's id: "7" or "7-screen". */
export function streamOwner(id: string): { user: number; screen: boolean } | null {
  const m = /^([1-9][0-9]{0,15})(-screen)?$/.exec(id);
  return m ? { user: Number(m[1]), screen: !!m[2] } : null;
}

interface Meter {
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buf: Float32Array;
  track: MediaStreamTrack;
  loudAt: number;
}

export class CallEngine {
  private s: CallStatus | null = null;
  private pc: RTCPeerConnection | null = null;
  private asm = new RtcAssembler();
  private offers: Promise<void> = Promise.resolve();
  /** Candidates gathered before the answer they belong to went out. */
  private heldCandidates: string[] | null = null;
  private mic: MediaStreamTrack | null = null;
  private cam: MediaStreamTrack | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private slots: Partial<Record<Slot, RTCRtpTransceiver>> = {};
  private audios = new Map<number, HTMLAudioElement>();
  private meters = new Map<number, Meter>();
  private ctx: AudioContext | null = null;
  private levelTimer: ReturnType<typeof setInterval> | null = null;
  private sentMedia = '';
  private listeners = new Set<() => void>();
  private errorListeners = new Set<(text: string) => void>();
  private pushToTalk = false;
  private readonly env: CallEnv;

  constructor(
    private readonly client: SalonClient,
    env?: Partial<CallEnv>,
  ) {
    this.env = { ...browserEnv(), ...env };
    client.onCallLine((l) => this.line(l));
    client.subscribe(() => {
      const st = client.state;
      // The server removes a participant whose connection ends: so does the page.
      if (this.s && (st.connection.state !== 'online' || st.session.state !== 'in')) {
        this.end('The connection to the server was lost: you left the call.');
      }
    });
  }

  /** The call this page is in, or null. */
  get status(): CallStatus | null {
    return this.s;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** onError: what went wrong, as a sentence to show. */
  onError(fn: (text: string) => void): () => void {
    this.errorListeners.add(fn);
    return () => this.errorListeners.delete(fn);
  }

  private set(patch: Partial<CallStatus>): void {
    if (!this.s) return;
    this.s = { ...this.s, ...patch };
    for (const fn of [...this.listeners]) fn();
  }

  private fail(text: string): void {
    for (const fn of [...this.errorListeners]) fn(text);
  }

  // ---- What the user does ----------------------------------------------

  /** join enters the call of conv with the microphone (and the camera with video). */
  async join(conv: ConvKey, video = false): Promise<void> {
    if (this.s?.conv === conv) return;
    if (this.s) await this.leave();
    // The devices first: a refusal leaves nothing to undo on the server.
    let media: MediaStream;
    try {
      media = await this.env.getUserMedia({ audio: true, video });
    } catch (e) {
      throw new Error(`${video ? 'The microphone or camera' : 'The microphone'} could not be opened: ${errText(e)}`);
    }
    this.mic = media.getAudioTracks()[0] ?? null;
    this.cam = media.getVideoTracks()[0] ?? null;
    if (this.env.AudioContext && !this.ctx) {
      // Made on the user's click, so that it may start.
      this.ctx = new this.env.AudioContext();
    }
    this.s = {
      conv,
      phase: 'joining',
      muted: false,
      deafened: false,
      camera: !!this.cam,
      screen: false,
      pushToTalk: this.pushToTalk,
      talking: false,
      sending: false,
      local: this.cam ? new MediaStream([this.cam]) : null,
      localScreen: null,
      remotes: {},
      speaking: [],
      volumes: {},
    };
    this.sentMedia = formatMedia(this.wanted());
    this.set({ sending: this.micOn() });
    if (this.mic) this.meter(this.client.state.me, new MediaStream([this.mic]), this.mic);
    this.startLevels();
    try {
      await this.client.callJoin(conv, video);
    } catch (e) {
      if (this.s?.conv === conv) this.teardown();
      throw e instanceof ServerError ? new Error(`Call: ${e.reason}`) : e;
    }
  }

  /** leave ends this page's part in the call. */
  async leave(): Promise<void> {
    if (!this.s) return;
    const conv = this.s.conv;
    this.teardown();
    // The call may be over on the server's side already (kicked, moved).
    await this.client.callLeave(conv).catch(() => undefined);
  }

  setMuted(muted: boolean): void {
    if (!this.s || this.s.muted === muted) return;
    this.set({ muted });
    this.applyMic();
  }

  /** setDeafened silences every participant and the microphone. */
  setDeafened(deafened: boolean): void {
    if (!this.s || this.s.deafened === deafened) return;
    this.set({ deafened });
    for (const a of this.audios.values()) a.muted = deafened;
    this.applyMic();
  }

  /** setPushToTalk: the microphone goes out only while setTalking(true). Kept across calls. */
  setPushToTalk(on: boolean): void {
    this.pushToTalk = on;
    if (!this.s) return;
    this.set({ pushToTalk: on, talking: false });
    this.applyMic();
  }

  setTalking(talking: boolean): void {
    if (!this.s || !this.s.pushToTalk || this.s.talking === talking) return;
    this.set({ talking });
    this.applyMic();
  }

  async setCamera(on: boolean): Promise<void> {
    if (!this.s || this.s.camera === on) return;
    if (on) {
      let media: MediaStream;
      try {
        media = await this.env.getUserMedia({ video: true });
      } catch (e) {
        throw new Error(`The camera could not be opened: ${errText(e)}`);
      }
      const track = media.getVideoTracks()[0];
      if (!this.s) return track.stop();
      this.cam = track;
      this.set({ camera: true, local: new MediaStream([track]) });
    } else {
      const old = this.cam;
      this.cam = null;
      this.set({ camera: false, local: null });
      await this.slots.cam?.sender.replaceTrack(null).catch(() => undefined);
      old?.stop();
    }
    await this.putTrack('cam', this.cam);
    this.sendMedia();
  }

  /** setScreen starts sharing a screen (the browser asks which) or stops. */
  async setScreen(on: boolean): Promise<void> {
    if (!this.s || this.s.screen === on) return;
    if (on) {
      if (this.pc && !this.slots.screen) throw new Error('This server does not take screen shares in calls.');
      let media: MediaStream;
      try {
        media = await this.env.getDisplayMedia({ video: true, audio: false });
      } catch (e) {
        throw new Error(`The screen could not be shared: ${errText(e)}`);
      }
      const track = media.getVideoTracks()[0];
      if (!this.s || !track) return track?.stop();
      this.screenTrack = track;
      // The browser's own "Stop sharing" ends the track.
      track.addEventListener('ended', () => {
        if (this.screenTrack === track) void this.setScreen(false);
      });
      this.set({ screen: true, localScreen: new MediaStream([track]) });
    } else {
      const old = this.screenTrack;
      this.screenTrack = null;
      this.set({ screen: false, localScreen: null });
      await this.slots.screen?.sender.replaceTrack(null).catch(() => undefined);
      old?.stop();
    }
    await this.putTrack('screen', this.screenTrack);
    this.sendMedia();
  }

  /** setVolume sets how loud a participant plays, 0 to 1. */
  setVolume(user: number, volume: number): void {
    if (!this.s) return;
    const v = Math.max(0, Math.min(1, volume));
    const a = this.audios.get(user);
    if (a) a.volume = v;
    this.set({ volumes: { ...this.s.volumes, [user]: v } });
  }

  // ---- The microphone and MEDIA ------------------------------------------

  private micOn(): boolean {
    const s = this.s;
    return !!s && !!this.mic && !s.muted && !s.deafened && (!s.pushToTalk || s.talking);
  }

  // What the MEDIA line says: push-to-talk does not count as muting (the
  // others see a microphone, silent between presses).
  private wanted(): Media[] {
    const s = this.s;
    if (!s) return [];
    const m: Media[] = [];
    if (this.mic && !s.muted && !s.deafened) m.push('mic');
    if (this.cam) m.push('cam');
    if (this.screenTrack) m.push('screen');
    return m;
  }

  private applyMic(): void {
    const on = this.micOn();
    this.set({ sending: on });
    void this.putTrack('mic', on ? this.mic : null);
    this.sendMedia();
  }

  private async putTrack(slot: Slot, track: MediaStreamTrack | null): Promise<void> {
    const t = this.slots[slot];
    if (!t) return; // put on at the next offer
    try {
      await t.sender.replaceTrack(track);
      if (track) await this.limitBitrate(slot, t);
    } catch (e) {
      this.fail(`Could not send the ${slot === 'mic' ? 'microphone' : slot === 'cam' ? 'camera' : 'screen'}: ${errText(e)}`);
    }
  }

  private async limitBitrate(slot: Slot, t: RTCRtpTransceiver): Promise<void> {
    if (!MAX_BITRATE[slot]) return;
    const p = t.sender.getParameters();
    if (!p.encodings || p.encodings.length === 0) return;
    if (p.encodings[0].maxBitrate === MAX_BITRATE[slot]) return;
    p.encodings[0].maxBitrate = MAX_BITRATE[slot];
    await t.sender.setParameters(p).catch(() => undefined);
  }

  private sendMedia(): void {
    const s = this.s;
    if (!s || s.phase === 'joining') return;
    const list = formatMedia(this.wanted());
    if (list === this.sentMedia) return;
    this.sentMedia = list;
    this.client.callMedia(s.conv, this.wanted()).catch((e) => this.fail(`Call: ${errText(e)}`));
  }

  // ---- Lines from the server ---------------------------------------------

  private line(l: LineOf<'call'> | LineOf<'rtc'>): void {
    const s = this.s;
    if (!s) return;
    if (l.type === 'rtc') {
      if (l.conv !== s.conv) {
        console.warn('salon: an RTC line for another conversation than the call:', l.raw.slice(0, 60));
        return;
      }
      let p;
      try {
        p = this.asm.push(l);
      } catch (e) {
        this.fail(`Call signaling: ${e instanceof RtcError ? e.message : errText(e)}`);
        return;
      }
      if (!p) return;
      if (p.kind === 'ice') this.ice(p.text);
      else if (p.kind === 'offer') {
        const sdp = p.text;
        this.offers = this.offers.then(() => this.answer(sdp)).catch((e) => this.fail(`Call: the server's offer failed: ${errText(e)}`));
      }
      return;
    }
    const me = this.client.state.me;
    const conv = this.client.store.callOf(l);
    if (conv !== s.conv) return;
    switch (l.event) {
      case 'JOIN':
        if (l.actor === me && s.phase === 'joining') {
          this.set({ phase: 'connecting' });
          // What changed while joining (a mute) goes out now.
          this.sendMedia();
        }
        return;
      case 'LEAVE':
        // This user left from here (no status any more), was kicked, moved
        // to another session, or lost the right to be there. While joining,
        // a LEAVE is the move away from another session of this user.
        if (l.actor === me && s.phase !== 'joining') this.end('');
        else if (l.actor !== me) this.dropRemote(l.actor);
        return;
      case 'DECLINE':
        // The web client leaves a direct call in which it is left alone.
        if (l.actor !== me && isDirect(conv)) {
          const c = this.client.state.calls[conv];
          if (!c || c.participants.every((p) => p.user === me)) void this.leave();
        }
        return;
    }
  }

  private ice(text: string): void {
    let servers: RTCIceServer[] = [];
    try {
      const v = JSON.parse(text);
      if (Array.isArray(v)) servers = v;
    } catch {
      this.fail('Call: the server sent ICE servers that do not parse');
    }
    if (this.pc) this.replacePeer();
    this.makePeer(servers);
  }

  // replacePeer drops the peer connection the server is replacing: an
  // ice line during a call (docs/protocol.md, Calls: salond renews a
  // connection that has carried many tracks that ended). The others'
  // media come back on the new one; the local tracks go onto it at its
  // first offer, as at the start.
  private replacePeer(): void {
    const old = this.pc;
    this.pc = null;
    this.slots = {};
    this.heldCandidates = null;
    old?.close();
    for (const user of Object.keys(this.s?.remotes ?? {})) this.dropRemote(Number(user));
  }

  private makePeer(iceServers: RTCIceServer[]): RTCPeerConnection {
    const pc = new this.env.RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pc = pc;
    pc.addEventListener('icecandidate', (e) => {
      if (!e.candidate || !e.candidate.candidate || this.pc !== pc || !this.s) return;
      const json = JSON.stringify(e.candidate.toJSON());
      if (this.heldCandidates) this.heldCandidates.push(json);
      else this.client.rtc(this.s.conv, 'candidate', json);
    });
    pc.addEventListener('track', (e) => this.track(e));
    pc.addEventListener('connectionstatechange', () => {
      if (this.pc !== pc || !this.s) return;
      if (pc.connectionState === 'connected') this.set({ phase: 'connected' });
      else if (pc.connectionState === 'failed') {
        this.fail('Call: the media connection to the server failed.');
        void this.leave();
      }
    });
    return pc;
  }

  private async answer(sdp: string): Promise<void> {
    const s = this.s;
    if (!s) return;
    const pc = this.pc ?? this.makePeer([]);
    this.heldCandidates ??= [];
    await pc.setRemoteDescription({ type: 'offer', sdp });
    if (this.pc !== pc) return;
    // The first m-sections the server receives on are this page's own:
    // microphone (audio), camera, screen (video), as many as it offers.
    const sections = sdpSections(sdp);
    const own = new Map<string, Slot>();
    let audio = 0;
    let video = 0;
    for (const sec of sections) {
      if (sec.direction !== 'recvonly' || sec.port === 0) break;
      if (sec.kind === 'audio' && audio === 0 && video === 0) own.set(sec.mid, 'mic'), audio++;
      else if (sec.kind === 'video' && video < 2) own.set(sec.mid, video++ === 0 ? 'cam' : 'screen');
      else break;
    }
    const byMid = new Map(sections.map((x) => [x.mid, x]));
    this.slots = {};
    for (const t of pc.getTransceivers()) {
      if (t.mid === null || t.currentDirection === 'stopped') continue;
      const slot = own.get(t.mid);
      if (slot) {
        t.direction = 'sendonly';
        this.slots[slot] = t;
        const track = slot === 'mic' ? (this.micOn() ? this.mic : null) : slot === 'cam' ? this.cam : this.screenTrack;
        if (t.sender.track !== track) await t.sender.replaceTrack(track);
      } else if (byMid.get(t.mid)?.direction === 'sendonly') {
        t.direction = 'recvonly';
      } else {
        t.direction = 'inactive';
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.pc !== pc || !this.s) return;
    if (!this.client.rtc(this.s.conv, 'answer', pc.localDescription?.sdp ?? answer.sdp ?? '')) return;
    const held = this.heldCandidates ?? [];
    this.heldCandidates = null;
    for (const c of held) this.client.rtc(this.s.conv, 'candidate', c);
    for (const slot of ['cam', 'screen'] as const) {
      const t = this.slots[slot];
      if (t?.sender.track) await this.limitBitrate(slot, t);
    }
    if (this.s.screen && !this.slots.screen) {
      this.fail('This server does not take screen shares in calls.');
      void this.setScreen(false);
    }
  }

  private track(e: RTCTrackEvent): void {
    const s = this.s;
    const stream = e.streams[0];
    const who = stream ? streamOwner(stream.id) : null;
    if (!s || !stream || !who) return;
    const update = () => {
      if (!this.s) return;
      const r: RemoteMedia = this.s.remotes[who.user] ?? { user: who.user, stream: null, screen: null, video: false, screenVideo: false };
      const live = (st: MediaStream | null) => !!st && st.getVideoTracks().some((t) => t.readyState === 'live');
      const next = who.screen ? { ...r, screen: stream } : { ...r, stream };
      next.video = live(next.stream);
      next.screenVideo = live(next.screen);
      this.set({ remotes: { ...this.s.remotes, [who.user]: next } });
    };
    update();
    e.track.addEventListener('ended', update);
    stream.addEventListener('removetrack', update);
    if (e.track.kind === 'audio' && !who.screen) this.play(who.user, stream, e.track);
  }

  private play(user: number, stream: MediaStream, track: MediaStreamTrack): void {
    let a = this.audios.get(user);
    if (!a) {
      a = this.env.audio();
      a.autoplay = true;
      this.audios.set(user, a);
    }
    a.muted = !!this.s?.deafened;
    a.volume = this.s?.volumes[user] ?? 1;
    if (a.srcObject !== stream) a.srcObject = stream;
    a.play().catch((err) => this.fail(`Call: the sound of a participant could not play: ${errText(err)}`));
    this.meter(user, stream, track);
  }

  private dropRemote(user: number): void {
    const a = this.audios.get(user);
    if (a) {
      a.pause();
      a.srcObject = null;
      this.audios.delete(user);
    }
    this.unmeter(user);
    if (this.s && this.s.remotes[user]) {
      const remotes = { ...this.s.remotes };
      delete remotes[user];
      this.set({ remotes, speaking: this.s.speaking.filter((u) => u !== user) });
    }
  }

  // ---- Speaking levels ---------------------------------------------------

  private meter(user: number, stream: MediaStream, track: MediaStreamTrack): void {
    if (!this.ctx) return;
    const old = this.meters.get(user);
    if (old?.track === track) return;
    this.unmeter(user);
    try {
      const source = this.ctx.createMediaStreamSource(stream);
      const analyser = this.ctx.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
      this.meters.set(user, { source, analyser, buf: new Float32Array(analyser.fftSize), track, loudAt: 0 });
    } catch {
      // No level for this one; the call goes on.
    }
  }

  private unmeter(user: number): void {
    const m = this.meters.get(user);
    if (!m) return;
    m.source.disconnect();
    this.meters.delete(user);
  }

  private startLevels(): void {
    if (this.levelTimer !== null || !this.ctx) return;
    this.levelTimer = setInterval(() => this.levels(), LEVEL_MS);
  }

  private levels(): void {
    const s = this.s;
    if (!s) return;
    if (this.ctx?.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    const now = Date.now();
    const me = this.client.state.me;
    const speaking: number[] = [];
    for (const [user, m] of this.meters) {
      m.analyser.getFloatTimeDomainData(m.buf as Float32Array<ArrayBuffer>);
      let sum = 0;
      for (let i = 0; i < m.buf.length; i++) sum += m.buf[i] * m.buf[i];
      const rms = Math.sqrt(sum / m.buf.length);
      const quiet = user === me ? !s.sending : s.deafened;
      if (rms > SPEAKING_LEVEL && !quiet) m.loudAt = now;
      if (now - m.loudAt < SPEAKING_HOLD_MS && !quiet) speaking.push(user);
    }
    speaking.sort((a, b) => a - b);
    if (speaking.join() !== s.speaking.join()) this.set({ speaking });
  }

  // ---- The end -------------------------------------------------------------

  // end closes the call on this page without a word to the server (it
  // ended there), saying why when there is something to say.
  private end(why: string): void {
    if (!this.s) return;
    this.teardown();
    if (why) this.fail(why);
  }

  private teardown(): void {
    const pc = this.pc;
    this.pc = null;
    pc?.close();
    for (const t of [this.mic, this.cam, this.screenTrack]) t?.stop();
    this.mic = this.cam = this.screenTrack = null;
    this.slots = {};
    for (const user of [...this.audios.keys()]) this.dropRemote(user);
    for (const user of [...this.meters.keys()]) this.unmeter(user);
    if (this.levelTimer !== null) clearInterval(this.levelTimer);
    this.levelTimer = null;
    this.asm.reset();
    this.heldCandidates = null;
    this.offers = Promise.resolve();
    this.s = null;
    for (const fn of [...this.listeners]) fn();
  }
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
