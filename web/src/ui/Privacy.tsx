import { useEffect, useState } from "preact/hooks";
import { Dialog } from "./Dialog";
import { imageName } from "./format";
import type { MessageView } from "./view";

// Private messages in the page (docs/privacy.md): the settings section
// (make, import, export, unlock a key), the lock switch of a direct
// conversation's header, the key-change banner, the safety number dialog,
// the mark on a private message, and a private file (decrypted on the
// device, previewed from an object URL).

/** What the page needs of private messages; adapt.ts implements it over lib/private.ts. */
export interface PrivateControls {
  subscribe(fn: () => void): () => void;
  /** 'none': no key on this device; 'locked': stored, passphrase not given in this tab. */
  status(): { key: "none" | "locked" | "ready"; fingerprint: string };
  create(passphrase: string): Promise<void>;
  importKey(armored: string, passphrase: string): Promise<void>;
  unlock(passphrase: string): Promise<void>;
  exportKey(): string;
  /** A direct conversation's private state (null for a channel). */
  conv(key: string): ConvPrivacy | null;
  setPrivate(key: string, on: boolean): Promise<void>;
  acceptChange(key: string): Promise<void>;
  safetyNumber(key: string): Promise<string>;
  /** Fetches a private file of author, decrypts and verifies it. */
  openFile(url: string, author: number): Promise<{ blob: Blob | null; verdict: string; signedBy: string }>;
}

export interface ConvPrivacy {
  peer: string;
  private: boolean;
  /** '' when it may be private now; else why not. */
  whyNot: string;
  /** The peer's key is not the one pinned: accept it to write privately. */
  changed: boolean;
  myFingerprint: string;
  peerFingerprint: string;
}

/** How a private message shows (MessageView.private). */
export interface PrivateMark {
  verdict: "verified" | "unverified" | "damaged" | "not-for-me" | "working" | "locked";
  signedBy: string;
  file?: boolean;
}

export function usePrivate(p: PrivateControls): void {
  const [, setTick] = useState(0);
  useEffect(() => p.subscribe(() => setTick((t) => t + 1)), [p]);
}

const lockPath = "M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3z";
const openLockPath = "M12 2a5 5 0 0 0-5 5h2a3 3 0 0 1 6 0v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5z";

export function Lock({ open }: { open?: boolean }) {
  return (
    <svg class="icon lock" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={open ? openLockPath : lockPath} fill="currentColor" />
    </svg>
  );
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Settings → Private messages. */
export function PrivateSettings({ p }: { p: PrivateControls }) {
  usePrivate(p);
  const st = p.status();
  const [pass, setPass] = useState("");
  const [pass2, setPass2] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setMsg(null);
    try {
      await f();
      setMsg({ ok: true, text: done });
      setPass("");
      setPass2("");
    } catch (e) {
      setMsg({ ok: false, text: errText(e) });
    } finally {
      setBusy(false);
    }
  };
  const passField = (label: string, v: string, set: (s: string) => void) => (
    <label class="field">
      <span>{label}</span>
      <input type="password" autoComplete="new-password" value={v} onInput={(e) => set(e.currentTarget.value)} />
    </label>
  );
  const status = msg && (
    <p class={msg.ok ? "form-ok" : "form-error"} role={msg.ok ? "status" : "alert"}>
      {msg.text}
    </p>
  );
  return (
    <section class="settings-action private-settings" aria-label="Private messages">
      <h3>Private messages</h3>
      {st.key === "ready" && (
        <>
          <p>
            <Lock /> Your key is ready. Its fingerprint:
          </p>
          <p class="fingerprint" aria-label="Your fingerprint">
            {groupFingerprint(st.fingerprint)}
          </p>
          <button
            type="button"
            onClick={() => {
              const url = URL.createObjectURL(new Blob([p.exportKey()], { type: "application/pgp-keys" }));
              const a = document.createElement("a");
              a.href = url;
              a.download = "salon-private-key.asc";
              a.click();
              setTimeout(() => URL.revokeObjectURL(url), 10_000);
            }}
          >
            Export key
          </button>
          <p class="hint">The exported file is locked with your passphrase: import it on another device, or in the terminal client.</p>
          {status}
        </>
      )}
      {st.key === "locked" && (
        <form
          aria-label="Unlock your key"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => p.unlock(pass), "Unlocked for this tab.");
          }}
        >
          <p>Your key is on this device, locked. Give its passphrase to read and write private messages in this tab.</p>
          {passField("Passphrase", pass, setPass)}
          {status}
          <button type="submit" class="primary" disabled={busy}>
            Unlock
          </button>
        </form>
      )}
      {st.key === "none" && (
        <>
          <form
            aria-label="Make a key"
            onSubmit={(e) => {
              e.preventDefault();
              if (!pass) return setMsg({ ok: false, text: "Choose a passphrase." });
              if (pass !== pass2) return setMsg({ ok: false, text: "The two passphrases differ." });
              void run(() => p.create(pass), "Your key is made and published.");
            }}
          >
            <p>Make a key to write private messages: only you and the person you write to can read them, not the server.</p>
            {passField("Passphrase", pass, setPass)}
            {passField("Passphrase again", pass2, setPass2)}
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Making the key…" : "Make a key"}
            </button>
          </form>
          <form
            aria-label="Import a key"
            onSubmit={(e) => {
              e.preventDefault();
              if (!file) return setMsg({ ok: false, text: "Choose the exported key's file." });
              void run(async () => p.importKey(await file.text(), pass), "Your key is imported and published.");
            }}
          >
            <label class="field">
              <span>Exported key (.asc)</span>
              <input type="file" accept=".asc,.txt,application/pgp-keys" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
            </label>
            <button type="submit" disabled={busy}>
              Import key
            </button>
          </form>
          {status}
        </>
      )}
    </section>
  );
}

export function groupFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(.{4})(?=.)/g, "$1 ");
}

/** The header's lock switch and safety number button of a direct conversation. */
export function PrivateTools({ p, conv, onSafety, onUnlock }: { p: PrivateControls; conv: string; onSafety(): void; onUnlock(): void }) {
  usePrivate(p);
  const c = p.conv(conv);
  const [error, setError] = useState("");
  if (!c) return null;
  const locked = p.status().key === "locked";
  const disabled = !c.private && c.whyNot !== "" && !locked;
  return (
    <>
      <button
        type="button"
        class={"plain private-switch" + (c.private ? " on" : "")}
        role="switch"
        aria-checked={c.private}
        aria-label="Private"
        aria-disabled={disabled}
        title={error || (c.private ? "Private: your messages here are encrypted" : c.whyNot || "Make this conversation private")}
        onClick={() => {
          setError("");
          if (!c.private && locked) return onUnlock();
          if (disabled) return setError(c.whyNot);
          p.setPrivate(conv, !c.private).catch((e) => setError(errText(e)));
        }}
      >
        <Lock open={!c.private} />
        <span class="private-label">{c.private ? "Private" : "Not private"}</span>
      </button>
      {(disabled || error) && (
        <span class="private-why" role="note">
          {error || c.whyNot}
        </span>
      )}
      {c.peerFingerprint && p.status().key === "ready" && (
        <button type="button" class="plain" onClick={onSafety}>
          Safety number
        </button>
      )}
    </>
  );
}

/** The banner of a key change: the peer's key is not the pinned one. */
export function KeyChangeBanner({ p, conv }: { p: PrivateControls; conv: string }) {
  usePrivate(p);
  const c = p.conv(conv);
  const [error, setError] = useState("");
  if (!c?.changed) return null;
  return (
    <div class="key-change" role="alert" aria-label="Key changed">
      <p>
        <strong>{c.peer}'s key changed.</strong> This happens when {c.peer} made a new key or moved to a new device, or when someone pretends to be {c.peer}.
        Until you accept it, messages signed by the new key show as not verified, and you cannot write privately. Compare the safety number with {c.peer} first.
      </p>
      <p class="fingerprint">New fingerprint: {groupFingerprint(c.peerFingerprint)}</p>
      {error && <p class="form-error">{error}</p>}
      <button type="button" class="primary" onClick={() => p.acceptChange(conv).catch((e) => setError(errText(e)))}>
        Accept the new key
      </button>
    </div>
  );
}

export function SafetyDialog({ p, conv, onClose }: { p: PrivateControls; conv: string; onClose(): void }) {
  const [n, setN] = useState<string | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    p.safetyNumber(conv).then(setN, (e) => setError(errText(e)));
  }, [p, conv]);
  const c = p.conv(conv);
  return (
    <Dialog title="Safety number" onClose={onClose} class="safety">
      <p>Compare this number with {c?.peer ?? "the other"}'s, in person or on another channel. The same number on both sides means each of you has the other's true key.</p>
      {error && <p class="form-error" role="alert">{error}</p>}
      {n && (
        <ol class="safety-number" aria-label="Safety number groups">
          {n.split(" ").map((g, i) => (
            <li key={i}>{g}</li>
          ))}
        </ol>
      )}
      {c && (
        <dl class="fingerprints">
          <dt>Your fingerprint</dt>
          <dd>{groupFingerprint(c.myFingerprint)}</dd>
          <dt>{c.peer}'s fingerprint</dt>
          <dd>{groupFingerprint(c.peerFingerprint)}</dd>
        </dl>
      )}
      <div class="dialog-buttons">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** Asks for the passphrase of the stored key (once per tab). */
export function UnlockDialog({ p, onClose }: { p: PrivateControls; onClose(): void }) {
  const [pass, setPass] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Unlock your key" onClose={onClose}>
      <form
        aria-label="Unlock your key"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError("");
          try {
            await p.unlock(pass);
            onClose();
          } catch (err) {
            setError(errText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <p>Your passphrase unlocks your key for this tab only.</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>Passphrase</span>
          <input type="password" autoFocus value={pass} onInput={(e) => setPass(e.currentTarget.value)} />
        </label>
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Unlock
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const verdictText: Record<PrivateMark["verdict"], string> = {
  verified: "",
  unverified: "could not be verified",
  damaged: "damaged, cannot be read",
  "not-for-me": "encrypted for a key you do not have",
  working: "decrypting…",
  locked: "private: unlock your key to read it",
};

/** The mark under a private message: a lock and "signed by alice", or a warning. */
export function PrivateBadge({ mark }: { mark: PrivateMark }) {
  if (mark.verdict === "verified")
    return (
      <p class="private-mark verified" aria-label={`Private, signed by ${mark.signedBy}`}>
        <Lock /> signed by {mark.signedBy}
      </p>
    );
  return (
    <p class={"private-mark " + mark.verdict} role={mark.verdict === "working" ? undefined : "note"}>
      <Lock /> {verdictText[mark.verdict]}
    </p>
  );
}

let opener: PrivateControls["openFile"] = async () => ({ blob: null, verdict: "not-for-me", signedBy: "" });

/** setFileOpener: how PrivateFile gets a private file's bytes (adapt.ts sets it). */
export function setFileOpener(fn: PrivateControls["openFile"]) {
  opener = fn;
}

/** A private file: name.pgp, fetched, decrypted and verified on the device. */
export function PrivateFile({ m, url, onOpenImage }: { m: MessageView; url: string; onOpenImage(url: string, name: string): void }) {
  const name = (m.file ?? "file.pgp").replace(/\.pgp$/, "");
  const [got, setGot] = useState<{ url: string; verdict: string; signedBy: string } | { error: string } | null>(null);
  const image = imageName.test(name);
  const load = async () => {
    try {
      const r = await opener(url, m.author);
      setGot({ url: r.blob ? URL.createObjectURL(r.blob) : "", verdict: r.verdict, signedBy: r.signedBy });
    } catch (e) {
      setGot({ error: errText(e) });
    }
  };
  useEffect(() => {
    if (image && url) void load();
  }, [url]);
  useEffect(() => () => {
    if (got && "url" in got && got.url) URL.revokeObjectURL(got.url);
  }, [got]);
  const mark: PrivateMark | null =
    got && "verdict" in got ? { verdict: got.verdict as PrivateMark["verdict"], signedBy: got.signedBy, file: true } : null;
  return (
    <div class="attachment private-file">
      {got && "url" in got && got.url && image ? (
        <button type="button" class="plain" aria-label={`Open image ${name}`} onClick={() => onOpenImage(got.url, name)}>
          <img src={got.url} alt={name} />
        </button>
      ) : (
        <div class="file-card">
          <Lock />
          {got && "url" in got && got.url ? (
            <a href={got.url} download={name}>
              {name}
            </a>
          ) : (
            <button type="button" class="plain" disabled={!url} onClick={() => void load()}>
              {name} (private: decrypt)
            </button>
          )}
        </div>
      )}
      {got && "error" in got && <p class="form-error">{got.error}</p>}
      {mark && <PrivateBadge mark={mark} />}
    </div>
  );
}
