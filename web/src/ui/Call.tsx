import { useEffect, useRef, useState } from "preact/hooks";
import type { CallControls, CallStatus } from "./backend";
import { Dialog } from "./Dialog";
import { Icon } from "./Icon";
import type { CallMemberView, ConvKey, RingView, UserView } from "./view";

// Calls: the bar of a conversation (join, or the call itself: the
// participants' tiles and the controls), and the dialog of a direct call
// ringing. The media are the lib's (call.ts): these components only draw
// its status and the roster, and call its controls. Video elements get
// their stream through a ref (srcObject is no attribute); every state is a
// class, as everywhere (no style attribute under the page's CSP).

interface BarProps {
  conv: ConvKey;
  /** The roster of this conversation's call, null when there is none. */
  roster: CallMemberView[] | null;
  /** The call this page is in (here or elsewhere), or null. */
  status: CallStatus | null;
  me: number;
  /** The viewer may mute and remove participants (channel calls). */
  canModerate: boolean;
  call: CallControls;
  moderate(action: "MUTE" | "UNMUTE" | "KICK", user: number): Promise<unknown>;
  fail(err: unknown): void;
}

export function CallBar(p: BarProps) {
  const here = p.status?.conv === p.conv ? p.status : null;
  const [busy, setBusy] = useState(false);
  const join = (video: boolean) => {
    setBusy(true);
    p.call
      .join(p.conv, video)
      .catch(p.fail)
      .finally(() => setBusy(false));
  };
  if (!here) {
    const names = (p.roster ?? []).map((m) => m.user.pseudo);
    return (
      <section class="call-bar" aria-label="Call">
        <Icon name="phone" />
        <span class="call-who">
          {names.length === 0
            ? "No call here."
            : `In the call: ${names.join(", ")}${p.roster?.some((m) => m.user.tag === p.me) ? " (you, elsewhere)" : ""}`}
        </span>
        <button type="button" class="primary" disabled={busy} onClick={() => join(false)}>
          {names.length ? "Join call" : "Start call"}
        </button>
        <button type="button" disabled={busy} onClick={() => join(true)}>
          {names.length ? "Join with video" : "Start video call"}
        </button>
      </section>
    );
  }
  return <CallView {...p} status={here} />;
}

function CallView(p: BarProps & { status: CallStatus }) {
  const s = p.status;
  const roster = p.roster ?? [];
  const others = roster.filter((m) => m.user.tag !== p.me);
  const mine = roster.find((m) => m.user.tag === p.me);
  const meView: UserView = mine?.user ?? { tag: p.me, pseudo: "you", online: true };
  const speaking = new Set(s.speaking);
  const screens: { user: UserView; stream: MediaStream; mine: boolean }[] = [];
  if (s.screen && s.localScreen) screens.push({ user: meView, stream: s.localScreen, mine: true });
  for (const m of others) {
    const r = s.remotes[m.user.tag];
    if (m.screen && r?.screen && r.screenVideo) screens.push({ user: m.user, stream: r.screen, mine: false });
  }
  const phase = s.phase === "connected" ? "" : s.phase === "joining" ? "Joining…" : "Connecting…";
  return (
    <section class={"call" + (screens.length ? " with-screen" : "")} aria-label="Call">
      {phase && (
        <p class="call-phase" role="status">
          {phase}
        </p>
      )}
      <div class="call-stage">
      {screens.length > 0 && (
        <div class="call-screens">
          {screens.map((x) => (
            <ScreenTile key={x.user.tag} name={x.mine ? "Your screen" : `${x.user.pseudo}'s screen`} stream={x.stream} />
          ))}
        </div>
      )}
      <ul class="call-grid" aria-label="Participants">
        <li>
          <Tile
            user={meView}
            label={`${meView.pseudo} (you)`}
            stream={s.camera ? s.local : null}
            speaking={speaking.has(p.me)}
            muted={!s.sending}
            modMuted={!!mine?.modMuted}
            self
          />
        </li>
        {others.map((m) => {
          const r = s.remotes[m.user.tag];
          return (
            <li key={m.user.tag}>
              <Tile
                user={m.user}
                label={m.user.pseudo}
                stream={m.cam && r?.video ? r.stream : null}
                speaking={speaking.has(m.user.tag)}
                muted={!m.mic}
                modMuted={m.modMuted}
                volume={s.volumes[m.user.tag] ?? 1}
                setVolume={(v) => p.call.setVolume(m.user.tag, v)}
                moderate={p.canModerate ? (a) => p.moderate(a, m.user.tag).catch(p.fail) : undefined}
              />
            </li>
          );
        })}
      </ul>
      </div>
      <div class="call-controls" role="toolbar" aria-label="Call controls">
        <button
          type="button"
          class={"round" + (s.muted ? " off" : "")}
          aria-pressed={s.muted}
          aria-label="Mute"
          title={s.muted ? "Unmute" : "Mute"}
          onClick={() => p.call.setMuted(!s.muted)}
        >
          <Icon name={s.muted ? "micOff" : "mic"} />
        </button>
        <button
          type="button"
          class={"round" + (s.deafened ? " off" : "")}
          aria-pressed={s.deafened}
          aria-label="Deafen"
          title={s.deafened ? "Undeafen" : "Deafen (hear nobody, send nothing)"}
          onClick={() => p.call.setDeafened(!s.deafened)}
        >
          <Icon name="headphones" />
        </button>
        <button
          type="button"
          class={"round" + (s.camera ? " on" : "")}
          aria-pressed={s.camera}
          aria-label="Camera"
          title={s.camera ? "Turn the camera off" : "Turn the camera on"}
          onClick={() => p.call.setCamera(!s.camera).catch(p.fail)}
        >
          <Icon name="camera" />
        </button>
        <button
          type="button"
          class={"round" + (s.screen ? " on" : "")}
          aria-label={s.screen ? "Stop sharing" : "Share screen"}
          title={s.screen ? "Stop sharing your screen" : "Share your screen"}
          onClick={() => p.call.setScreen(!s.screen).catch(p.fail)}
        >
          <Icon name="screen" />
        </button>
        <button type="button" class="round danger" aria-label="Leave call" title="Leave the call" onClick={() => p.call.leave().catch(p.fail)}>
          <Icon name="hangup" />
        </button>
        {s.pushToTalk && <span class={"ptt" + (s.talking ? " talking" : "")}>{s.talking ? "Talking" : "Push to talk"}</span>}
      </div>
    </section>
  );
}

interface TileProps {
  user: UserView;
  label: string;
  stream: MediaStream | null;
  speaking: boolean;
  muted: boolean;
  modMuted: boolean;
  self?: boolean;
  volume?: number;
  setVolume?(v: number): void;
  moderate?(action: "MUTE" | "UNMUTE" | "KICK"): void;
}

function Tile(p: TileProps) {
  const [open, setOpen] = useState(false);
  const options = !!(p.setVolume || p.moderate);
  const status = [p.speaking ? "speaking" : "", p.modMuted ? "muted by a moderator" : p.muted ? "microphone off" : ""].filter(Boolean).join(", ");
  return (
    <div class={"call-tile" + (p.speaking ? " speaking" : "")} role="group" aria-label={p.label + (status ? `, ${status}` : "")}>
      <div class="call-media">
        {p.stream ? <Video stream={p.stream} label={`Video of ${p.user.pseudo}`} mirror={p.self} /> : <span class="avatar" aria-hidden="true">{initial(p.user.pseudo)}</span>}
      </div>
      <div class="call-name">
        {(p.muted || p.modMuted) && (
          <span class={"mic-state" + (p.modMuted ? " mod" : "")} title={p.modMuted ? "Muted by a moderator" : "Microphone off"}>
            <Icon name="micOff" />
          </span>
        )}
        <span class="call-label">{p.label}</span>
        {options && (
          <button
            type="button"
            class="plain call-more"
            aria-label={`Options for ${p.user.pseudo}`}
            aria-expanded={open}
            title="Volume and more"
            onClick={() => setOpen(!open)}
          >
            ⋯
          </button>
        )}
      </div>
      {open && (
        <div class="call-options" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
      {p.setVolume && (
        <label class="call-volume">
          <span aria-hidden="true">Volume</span>
          <input
            type="range"
            aria-label={`Volume of ${p.user.pseudo}`}
            min={0}
            max={100}
            step={5}
            value={Math.round((p.volume ?? 1) * 100)}
            onInput={(e) => p.setVolume?.(Number(e.currentTarget.value) / 100)}
          />
        </label>
      )}
      {p.moderate && (
        <div class="call-mod" role="group" aria-label={`Moderate ${p.user.pseudo}`}>
          <button type="button" onClick={() => p.moderate?.(p.modMuted ? "UNMUTE" : "MUTE")}>
            {p.modMuted ? `Unmute ${p.user.pseudo}` : `Mute ${p.user.pseudo}`}
          </button>
          <button type="button" class="danger" onClick={() => p.moderate?.("KICK")}>
            Remove {p.user.pseudo} from the call
          </button>
        </div>
      )}
        </div>
      )}
    </div>
  );
}

function ScreenTile({ name, stream }: { name: string; stream: MediaStream }) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div class="call-screen" role="group" aria-label={name} ref={ref}>
      <Video stream={stream} label={name} />
      <button
        type="button"
        class="plain fullscreen"
        aria-label="Full screen"
        title="Full screen"
        onClick={() => {
          if (document.fullscreenElement) void document.exitFullscreen();
          else void ref.current?.requestFullscreen().catch(() => undefined);
        }}
      >
        <Icon name="fullscreen" />
      </button>
    </div>
  );
}

/** A muted video element playing a stream (the sound plays elsewhere: call.ts). */
function Video({ stream, label, mirror }: { stream: MediaStream; label: string; mirror?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    if (v.srcObject !== stream) v.srcObject = stream;
    v.play().catch(() => undefined);
  }, [stream]);
  return <video ref={ref} class={mirror ? "mirror" : undefined} aria-label={label} autoplay muted playsInline />;
}

function initial(pseudo: string): string {
  return [...pseudo][0]?.toUpperCase() ?? "?";
}

/** The dialog of a direct call ringing, with a soft beep while it shows. */
export function RingDialog({ ring, onAccept, onDecline, onDismiss }: { ring: RingView; onAccept(): void; onDecline(): void; onDismiss(): void }) {
  useEffect(() => beep(), [ring.conv]);
  return (
    <Dialog title="Incoming call" onClose={onDismiss} class="ring">
      <p class="ring-from">
        <span class="avatar" aria-hidden="true">
          {initial(ring.from.pseudo)}
        </span>
        <strong>{ring.from.pseudo}</strong> is calling you
      </p>
      <div class="dialog-buttons">
        <button type="button" class="danger" onClick={onDecline}>
          Decline
        </button>
        <button type="button" class="primary" onClick={onAccept}>
          Accept
        </button>
      </div>
    </Dialog>
  );
}

// beep rings twice every two seconds through WebAudio, until stopped; a
// browser that will not start sound before a click just stays silent.
function beep(): () => void {
  const AC = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
  if (!AC) return () => undefined;
  let ctx: AudioContext;
  try {
    ctx = new AC();
  } catch {
    return () => undefined;
  }
  const ring = () => {
    if (ctx.state !== "running") return;
    for (const at of [0, 0.35]) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = 660;
      g.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      g.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.25);
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + at);
      o.stop(ctx.currentTime + at + 0.3);
    }
  };
  ring();
  const t = setInterval(ring, 2000);
  return () => {
    clearInterval(t);
    void ctx.close().catch(() => undefined);
  };
}
