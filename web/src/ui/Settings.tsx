import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Dialog } from "./Dialog";
import { type PushToTalk, keyName } from "./ptt";

// The settings dialogs: of a place (a server or a channel: invite, rename,
// topic, public or not, leave, delete, the channels to join) and of the
// account (away note, pseudo, password, notifications, log out). Each
// action is a small form of its own that says the server's refusal in
// place.

/** One action: a named form with fields and a button. */
function Action({
  title,
  fields,
  button,
  run,
  danger,
  children,
}: {
  title: string;
  fields: { name: string; label: string; type?: string; value?: string; required?: boolean }[];
  button: string;
  run(v: Record<string, string>): Promise<unknown>;
  danger?: boolean;
  children?: ComponentChildren;
}) {
  const [v, setV] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, f.value ?? ""])));
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label={title}
      class="settings-action"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setMsg(null);
        try {
          await run(v);
          setMsg({ ok: true, text: "Done." });
        } catch (err) {
          setMsg({ ok: false, text: err instanceof Error ? err.message : String(err) });
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>{title}</h3>
      {children}
      {fields.map((f) => (
        <label class="field" key={f.name}>
          <span>{f.label}</span>
          <input
            type={f.type ?? "text"}
            required={f.required ?? true}
            value={v[f.name]}
            onInput={(e) => setV({ ...v, [f.name]: e.currentTarget.value })}
          />
        </label>
      ))}
      {msg && (
        <p class={msg.ok ? "form-ok" : "form-error"} role={msg.ok ? "status" : "alert"}>
          {msg.text}
        </p>
      )}
      <button type="submit" class={danger ? "danger" : "primary"} disabled={busy}>
        {button}
      </button>
    </form>
  );
}

export interface ChanRow {
  key: string;
  name: string;
  public: boolean;
  members: number;
  topic: string;
  joined: boolean;
}

export interface PlaceProps {
  kind: "server" | "channel";
  name: string;
  topic: string;
  isPublic: boolean;
  canModerate: boolean;
  isOwner: boolean;
  invite(pseudo: string): Promise<unknown>;
  rename(name: string): Promise<unknown>;
  setTopic(text: string): Promise<unknown>;
  setPublic(on: boolean): Promise<unknown>;
  newChannel(name: string): Promise<unknown>;
  leave(): Promise<unknown>;
  remove(): Promise<unknown>;
  list(): Promise<ChanRow[]>;
  join(key: string): Promise<unknown>;
  bans(): Promise<{ user: number; name: string; reason: string }[]>;
  unban(user: number): Promise<unknown>;
  onClose(): void;
}

export function PlaceSettings(p: PlaceProps) {
  const what = p.kind === "server" ? "server" : "channel";
  return (
    <Dialog title={p.kind === "server" ? `Server ${p.name}` : `Channel #${p.name}`} onClose={p.onClose} class="settings">
      <Action title={`Invite to this ${what}`} fields={[{ name: "pseudo", label: "Pseudo" }]} button="Invite" run={(v) => p.invite(v.pseudo)} />
      {p.kind === "server" && <Action title="Create a channel" fields={[{ name: "name", label: "Channel name" }]} button="Create channel" run={(v) => p.newChannel(v.name)} />}
      {p.kind === "server" && <ChannelList list={p.list} join={p.join} />}
      {p.kind === "server" && p.canModerate && <BanList bans={p.bans} unban={p.unban} />}
      {p.canModerate && (
        <Action title="Topic" fields={[{ name: "topic", label: "Topic", value: p.topic, required: false }]} button="Set topic" run={(v) => p.setTopic(v.topic)} />
      )}
      {((p.kind === "server" && p.isOwner) || (p.kind === "channel" && p.canModerate)) && (
        <Action title={`Rename this ${what}`} fields={[{ name: "name", label: "New name", value: p.name }]} button="Rename" run={(v) => p.rename(v.name)} />
      )}
      {p.kind === "channel" && p.canModerate && (
        <Action title="Who may join" fields={[]} button={p.isPublic ? "Make private" : "Make public"} run={() => p.setPublic(!p.isPublic)}>
          <p>{p.isPublic ? "Any member of the server may join this channel." : "This channel is joined by invitation only."}</p>
        </Action>
      )}
      {!(p.kind === "server" && p.isOwner) && (
        <Action title={`Leave this ${what}`} fields={[]} button={`Leave ${what}`} danger run={async () => (await p.leave(), p.onClose())} />
      )}
      {((p.kind === "server" && p.isOwner) || (p.kind === "channel" && p.canModerate)) && (
        <Action title={`Delete this ${what}`} fields={[]} button={`Delete ${what}`} danger run={async () => (await p.remove(), p.onClose())}>
          <p>Its members, history and files are removed for good.</p>
        </Action>
      )}
    </Dialog>
  );
}

function ChannelList({ list, join }: { list(): Promise<ChanRow[]>; join(key: string): Promise<unknown> }) {
  const [rows, setRows] = useState<ChanRow[] | null>(null);
  const [error, setError] = useState("");
  const load = () =>
    list()
      .then(setRows)
      .catch((e) => setError(String(e?.message ?? e)));
  useEffect(() => {
    load();
  }, []);
  return (
    <section aria-label="Channels to join" class="settings-action">
      <h3>Channels</h3>
      {error && <p class="form-error">{error}</p>}
      {rows === null && !error && <p>Loading…</p>}
      <ul class="chan-list">
        {rows?.map((r) => (
          <li key={r.key}>
            <span>
              #{r.name} <small>({r.public ? "public" : "private"}, {r.members} members)</small>
              {r.topic && <small> — {r.topic}</small>}
            </span>
            {r.joined ? (
              <small>joined</small>
            ) : (
              <button type="button" aria-label={`Join #${r.name}`} onClick={() => join(r.key).then(load, (e) => setError(String(e?.message ?? e)))}>
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface AccountProps {
  pseudo: string;
  away: string;
  setAway(text: string): Promise<unknown>;
  setPseudo(pseudo: string, password: string): Promise<unknown>;
  setPassword(old: string, next: string): Promise<unknown>;
  notifications: NotificationPermission | "unsupported";
  askNotifications(): void;
  ptt: PushToTalk;
  setPtt(v: PushToTalk): void;
  logout(): void;
  onClose(): void;
  /** More sections (private messages). */
  extra?: ComponentChildren;
}

// The push-to-talk setting: a checkbox, and the key, picked by pressing it.
function PushToTalkSetting({ ptt, setPtt }: { ptt: PushToTalk; setPtt(v: PushToTalk): void }) {
  const [picking, setPicking] = useState(false);
  return (
    <section class="settings-action" aria-label="Push to talk">
      <h3>Push to talk</h3>
      <label class="check">
        <input type="checkbox" checked={ptt.on} onChange={(e) => setPtt({ ...ptt, on: e.currentTarget.checked })} />
        <span>Use push to talk in calls</span>
      </label>
      <p>
        With it on, your microphone is sent only while you hold the key (not while typing in a text field, and only while
        this page has focus).
      </p>
      <button
        type="button"
        aria-label={picking ? "Press the key to use" : `Push-to-talk key: ${keyName(ptt.key)}`}
        onClick={() => setPicking(true)}
        onKeyDown={(e) => {
          if (!picking) return;
          e.preventDefault();
          e.stopPropagation();
          if (e.key !== "Escape") setPtt({ ...ptt, key: e.code });
          setPicking(false);
        }}
        onBlur={() => setPicking(false)}
      >
        {picking ? "Press a key…" : `Key: ${keyName(ptt.key)}`}
      </button>
    </section>
  );
}

export function AccountSettings(p: AccountProps) {
  return (
    <Dialog title="Settings" onClose={p.onClose} class="settings">
      <Action title="Away note" fields={[{ name: "away", label: "Away note (empty: back)", value: p.away, required: false }]} button="Set away note" run={(v) => p.setAway(v.away)} />
      <Action
        title="Change pseudo"
        fields={[
          { name: "pseudo", label: "New pseudo", value: p.pseudo },
          { name: "password", label: "Password", type: "password" },
        ]}
        button="Change pseudo"
        run={(v) => p.setPseudo(v.pseudo, v.password)}
      />
      <Action
        title="Change password"
        fields={[
          { name: "old", label: "Current password", type: "password" },
          { name: "new", label: "New password", type: "password" },
        ]}
        button="Change password"
        run={(v) => p.setPassword(v.old, v.new)}
      />
      <section class="settings-action" aria-label="Notifications">
        <h3>Desktop notifications</h3>
        {p.notifications === "granted" && <p>On: mentions and direct messages notify you while the tab is hidden.</p>}
        {p.notifications === "denied" && <p>Blocked in this browser's settings.</p>}
        {p.notifications === "unsupported" && <p>This browser has none.</p>}
        {p.notifications === "default" && (
          <button type="button" onClick={p.askNotifications}>
            Turn on notifications
          </button>
        )}
      </section>
      <PushToTalkSetting ptt={p.ptt} setPtt={p.setPtt} />
      {p.extra}
      <div class="dialog-buttons">
        <button type="button" class="danger" onClick={p.logout}>
          Log out
        </button>
        <button type="button" onClick={p.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function BanList({ bans, unban }: { bans: PlaceProps["bans"]; unban(user: number): Promise<unknown> }) {
  const [rows, setRows] = useState<{ user: number; name: string; reason: string }[] | null>(null);
  const [error, setError] = useState("");
  const load = () =>
    bans()
      .then(setRows)
      .catch((e) => setError(String(e?.message ?? e)));
  return (
    <section aria-label="Banned users" class="settings-action">
      <h3>Banned users</h3>
      {error && <p class="form-error">{error}</p>}
      {rows === null ? (
        <button type="button" onClick={load}>
          Show bans
        </button>
      ) : rows.length === 0 ? (
        <p>Nobody is banned.</p>
      ) : (
        <ul class="chan-list">
          {rows.map((r) => (
            <li key={r.user}>
              <span>
                {r.name}
                {r.reason && <small> — {r.reason}</small>}
              </span>
              <button type="button" aria-label={`Unban ${r.name}`} onClick={() => unban(r.user).then(load, (e) => setError(String(e?.message ?? e)))}>
                Unban
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
