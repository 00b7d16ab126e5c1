import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Arrival, Backend, ConvView, Item, Snapshot, Upload } from "./backend";
import { onFilesLost } from "./Attachment";
import { Composer, type Mode } from "./Composer";
import { P2pTransfers } from "./P2P";
import { Dialog } from "./Dialog";
import { EmojiPicker } from "./EmojiPicker";
import { FormDialog } from "./Forms";
import { GameCard } from "./GameCard";
import { GameBook, wordGame, type GameView } from "./games";
import { GamePanel } from "./GamePanel";
import { Login } from "./Login";
import { Members } from "./Members";
import { Message } from "./Message";
import { MessageList, type Row } from "./MessageList";
import { Search, type Hit } from "./Search";
import { AccountSettings, PlaceSettings } from "./Settings";
import { Sidebar } from "./Sidebar";
import { Toasts, type Toast } from "./Toasts";
import { bytes, count } from "./format";
import type { ConvKey, InviteView, MessageView } from "./view";
import { Icon } from "./Icon";
import { CallBar, RingDialog } from "./Call";
import { KeyChangeBanner, PrivateSettings, PrivateTools, SafetyDialog, UnlockDialog } from "./Privacy";
import { type PushToTalk, loadPushToTalk, savePushToTalk, isTextField } from "./ptt";

// The page: the login screen until a session is in, then the shell
// (sidebar, conversation, members) with its dialogs. It reads everything
// from the Backend (the lib's client seen in the page's terms) and keeps
// only what is the page's own: which conversation is on screen, drafts,
// dialogs, uploads in progress.

function useSnapshot(b: Backend): Snapshot {
  const [, setTick] = useState(0);
  useEffect(() => b.subscribe(() => setTick((t) => t + 1)), [b]);
  return b.snapshot();
}

/** The clock, once a second, for "reconnecting in N s". */
function useNow(on: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

function statusText(s: Snapshot, now: number): string {
  switch (s.status) {
    case "online":
      return "Online";
    case "idle":
      return "";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
    case "offline": {
      const n = Math.max(0, Math.ceil((s.retryAt - now) / 1000));
      return s.retryAt ? `Connection lost: reconnecting in ${n} s` : "Connection lost: reconnecting…";
    }
  }
}

export function App({ backend }: { backend: Backend }) {
  const snap = useSnapshot(backend);
  useEffect(() => onFilesLost(() => backend.renewFiles()), [backend]);
  const now = useNow(snap.status !== "online");
  const status = statusText(snap, now);

  useEffect(() => {
    document.title = snap.loggedIn && snap.unreadTotal > 0 ? `(${count(snap.unreadTotal)}) Salon` : "Salon";
  }, [snap.loggedIn, snap.unreadTotal]);

  if (!snap.loggedIn)
    return (
      <Login
        status={snap.status === "online" || snap.status === "idle" ? "" : status}
        onLogin={(p, w) => backend.login(p, w)}
        onRegister={(p, w) => backend.register(p, w)}
      />
    );
  return <Shell b={backend} snap={snap} status={status} />;
}

type DialogState =
  | { kind: "emoji"; id: number }
  | { kind: "newServer" }
  | { kind: "addFriend" }
  | { kind: "search" }
  | { kind: "account" }
  | { kind: "place"; place: ConvKey }
  | { kind: "image"; url: string; name: string }
  | { kind: "delete"; m: MessageView }
  | { kind: "kick"; user: number; ban: boolean }
  | { kind: "safety"; conv: ConvKey }
  | { kind: "unlock" };

// conversationInHash is the conversation a link's #fragment names, if it
// can be read: a malformed one (#%zz) must not stop the page from showing.
function conversationInHash(): ConvKey | null {
  try {
    return decodeURIComponent(location.hash.slice(1)) || null;
  } catch {
    return null;
  }
}

/** The page's call status, re-rendering on each of its changes. */
function useCallStatus(b: Backend) {
  const [, setTick] = useState(0);
  useEffect(() => b.call.subscribe(() => setTick((t) => t + 1)), [b]);
  return b.call.status;
}

function Shell({ b, snap, status }: { b: Backend; snap: Snapshot; status: string }) {
  const [current, setCurrent] = useState<ConvKey | null>(() => conversationInHash());
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [drawer, setDrawer] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const [showMembers, setShowMembers] = useState(true);
  const [gamesOpen, setGamesOpen] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [focusKey, setFocusKey] = useState<string | undefined>();
  const [modes, setModes] = useState<Record<string, Mode | null>>({});
  const [focusToken, setFocusToken] = useState(0);
  const callStatus = useCallStatus(b);
  const [ptt, setPtt] = useState<PushToTalk>(() => loadPushToTalk());
  const drafts = useRef(new Map<ConvKey, string>());
  const seq = useRef(0);
  const lastTyping = useRef(new Map<ConvKey, number>());

  const toast = (text: string, info = false) => {
    const id = ++seq.current;
    setToasts((t) => [...t.slice(-3), { id, text, info }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 6000);
  };
  const fail = (err: unknown) => toast(err instanceof Error ? err.message : String(err));

  useEffect(() => b.onError((text) => toast(text)), [b]);
  useEffect(() => b.onNotice((text) => toast(text, true)), [b]);
  useEffect(() => b.call.onError((text) => toast(text)), [b]);

  // Push to talk: while the page has focus, holding the key (not typed
  // into a text field) lets the microphone through.
  useEffect(() => {
    b.call.setPushToTalk(ptt.on);
    if (!ptt.on) return;
    const down = (e: KeyboardEvent) => {
      if (e.code !== ptt.key || isTextField(e.target)) return;
      e.preventDefault();
      if (!e.repeat) b.call.setTalking(true);
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== ptt.key) return;
      if (!isTextField(e.target)) e.preventDefault();
      b.call.setTalking(false);
    };
    const blur = () => b.call.setTalking(false);
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
    };
  }, [b, ptt.on, ptt.key]);

  // A mention or a direct message while the tab is hidden: a desktop
  // notification, when the user allowed them.
  useEffect(
    () =>
      b.onArrival((a: Arrival) => {
        if (!document.hidden || !(a.mention || a.direct)) return;
        if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
        const n = new Notification(a.direct ? a.from : `${a.from} mentioned you`, { body: a.text, tag: a.conv });
        n.onclick = () => {
          window.focus();
          open(a.conv);
          n.close();
        };
      }),
    [b],
  );

  // The conversation on screen lives in the address (#S/C), so a reload
  // comes back to it.
  const open = (key: ConvKey, closeDrawer = true) => {
    setCurrent(key);
    if (closeDrawer) setDrawer(false);
    setGamesOpen(false);
    history.replaceState(null, "", "#" + key);
  };

  // Opening the first conversation when none is chosen (or the chosen one
  // is gone).
  const all = [...snap.servers.flatMap((s) => s.channels.map((c) => c.key)), ...snap.directs.map((d) => d.key)];
  const valid = current !== null && all.includes(current);
  useEffect(() => {
    if (!valid && all.length > 0) open(all[0], false);
  }, [valid, all.length]);

  useEffect(() => {
    if (valid && current) b.open(current);
  }, [valid, current]);

  const conv = valid && current ? b.conversation(current) : null;
  const mode = current ? modes[current] ?? null : null;
  const setMode = (m: Mode | null) => current && setModes((x) => ({ ...x, [current]: m }));

  function upload(files: File[]) {
    if (!conv) return;
    for (const f of files) {
      const id = ++seq.current;
      setUploads((u) => [...u, { id, name: f.name, sent: 0, total: f.size }]);
      b.upload(conv.key, f, (sent, total) => setUploads((u) => u.map((x) => (x.id === id ? { ...x, sent, total } : x))))
        .then(() => setUploads((u) => u.filter((x) => x.id !== id)))
        .catch((err) => {
          fail(`${f.name}: ${err instanceof Error ? err.message : err}`);
          setUploads((u) => u.filter((x) => x.id !== id));
        });
    }
  }

  const server = conv?.server;
  const placeKey = dialog?.kind === "place" ? dialog.place : null;
  const placeConv = placeKey ? b.conversation(placeKey) : null;

  return (
    <div
      class={"shell" + (drawer ? " drawer-open" : "") + (membersOpen ? " members-open" : "")}
      onKeyDown={(e) => {
        if (e.key === "Escape" && (drawer || membersOpen)) {
          setDrawer(false);
          setMembersOpen(false);
        }
      }}
    >
      <div class={"conn conn-" + snap.status} role="status" aria-label="Connection">
        {status}
      </div>
      <div class={"layout" + (conv && showMembers && conv.members.length > 0 ? "" : " no-members")}>
        <Sidebar
          me={snap.me}
          servers={snap.servers}
          directs={snap.directs}
          invites={snap.invites}
          current={valid ? current : null}
          onOpen={(k) => open(k)}
          onNewServer={() => setDialog({ kind: "newServer" })}
          onAddFriend={() => setDialog({ kind: "addFriend" })}
          onServerMenu={(tag) => setDialog({ kind: "place", place: `${tag}/0` })}
          onAccept={(inv: InviteView) => b.accept(inv).catch(fail)}
          onDecline={(inv: InviteView) => b.decline(inv).catch(fail)}
          onSettings={() => setDialog({ kind: "account" })}
          onSearch={() => setDialog({ kind: "search" })}
          callConv={callStatus?.conv ?? null}
          callName={callStatus ? placeTitle(snap, callStatus.conv) : ""}
          callMuted={!!callStatus?.muted}
          onCallMute={() => callStatus && b.call.setMuted(!callStatus.muted)}
          onCallLeave={() => b.call.leave().catch(fail)}
        />
        <main
          class="conversation"
          aria-label={conv ? conv.title : "Conversation"}
          onDragOver={(e) => {
            if (!conv || !e.dataTransfer?.types.includes("Files")) return;
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={(e) => {
            if (e.currentTarget === e.target) setDragging(false);
          }}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const files = Array.from(e.dataTransfer?.files ?? []);
            if (files.length) upload(files);
          }}
        >
          <header class="conv-header">
            <button type="button" class="plain menu-button" aria-label="Open the sidebar" onClick={() => setDrawer(true)}>
              <Icon name="menu" />
            </button>
            <h1>{conv ? conv.title : "Salon"}</h1>
            {conv?.topic && (
              <p class="topic" title={conv.topic}>
                {conv.topic}
              </p>
            )}
            {conv && (
              <div class="tools">
                {conv.user && (
                  <PrivateTools p={b.priv} conv={conv.key} onSafety={() => setDialog({ kind: "safety", conv: conv.key })} onUnlock={() => setDialog({ kind: "unlock" })} />
                )}
                <button type="button" class="plain" aria-label="Search" title="Search" onClick={() => setDialog({ kind: "search" })}>
                  <Icon name="search" />
                </button>
                {server && (
                  <button
                    type="button"
                    class="plain"
                    aria-label={conv.key.endsWith("/0") ? "Server settings" : "Channel settings"}
                    title="Settings"
                    onClick={() => setDialog({ kind: "place", place: conv.key })}
                  >
                    <Icon name="gear" />
                  </button>
                )}
                {conv.members.length > 0 && (
                  <button
                    type="button"
                    class="plain"
                    aria-label="Members"
                    aria-pressed={showMembers}
                    title="Members"
                    onClick={() => {
                      if (window.matchMedia("(max-width: 760px)").matches) setMembersOpen(!membersOpen);
                      else setShowMembers(!showMembers);
                    }}
                  >
                    <Icon name="members" />
                  </button>
                )}
              </div>
            )}
          </header>
          {conv?.user && <KeyChangeBanner p={b.priv} conv={conv.key} />}
          {conv && (
            <CallBar
              key={"call-" + conv.key}
              conv={conv.key}
              roster={conv.call}
              status={callStatus}
              me={snap.me.tag}
              canModerate={conv.canModerate && !!conv.server}
              call={b.call}
              moderate={(action, user) => b.moderateCall(conv.key, action, user)}
              fail={fail}
            />
          )}
          {conv ? (
            <ConversationBody
              key={conv.key}
              b={b}
              conv={conv}
              me={snap.me.tag}
              myPseudo={snap.me.pseudo}
              focusKey={focusKey}
              onFocused={() => setFocusKey(undefined)}
              onJump={setFocusKey}
              onReply={(m) => {
                setMode({ kind: "reply", id: String(m.id), label: m.authorName });
                setFocusToken((t) => t + 1);
              }}
              onEdit={(m) => setMode({ kind: "edit", id: String(m.id), label: "", text: m.text })}
              onDelete={(m) => setDialog({ kind: "delete", m })}
              onReact={(m) => setDialog({ kind: "emoji", id: m.id })}
              onOpenImage={(url, name) => setDialog({ kind: "image", url, name })}
              fail={fail}
            />
          ) : (
            <div class="empty-main">
              <p>Create a server or add a friend to start talking.</p>
            </div>
          )}
          {conv && (
            <>
              {uploads.length > 0 && (
                <ul class="uploads" aria-label="Uploads">
                  {uploads.map((u) => (
                    <li key={u.id}>
                      <span>{u.name}</span>
                      <progress max={u.total || 1} value={u.sent} aria-label={`Uploading ${u.name}`} />
                      <span>
                        {bytes(u.sent)} / {bytes(u.total)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              {b.p2p && conv.user && (
                <P2pTransfers
                  engine={b.p2p}
                  peer={conv.user.tag}
                  pseudo={conv.user.pseudo}
                  canSend={conv.user.online && snap.friends.includes(conv.user.tag)}
                  onUpload={(f) => upload([f])}
                  onError={(t) => fail(t)}
                />
              )}
              <p class="typing" aria-live="polite">
                {typingText(conv.typing)}
              </p>
              {gamesOpen && <GamePanel addr={conv.addr} onPlay={(g, p) => b.play(g, p)} onClose={() => setGamesOpen(false)} />}
              <Composer
                key={conv.key}
                label={conv.composerLabel}
                initialDraft={drafts.current.get(conv.key) ?? ""}
                saveDraft={(t) => drafts.current.set(conv.key, t)}
                mode={mode}
                setMode={setMode}
                members={conv.members.map((m) => m.user.pseudo).filter((p) => p !== snap.me.pseudo)}
                focusToken={focusToken}
                onSend={(text, m) => {
                  // "/roll 2d6" and other plugin verbs: /VERB args.
                  const verb = /^\/([a-zA-Z]+)(\s.*)?$/.exec(text);
                  const p =
                    m?.kind === "edit"
                      ? b.edit(Number(m.id), text)
                      : m?.kind === "reply"
                        ? b.reply(Number(m.id), text)
                        : verb
                          ? b.command(verb[1].toUpperCase() + (verb[2] ?? ""))
                          : b.send(conv.key, text);
                  return p.catch((err) => {
                    fail(err);
                    throw err;
                  });
                }}
                onTyping={() => {
                  const t = lastTyping.current.get(conv.key) ?? 0;
                  if (Date.now() - t < 3000) return;
                  lastTyping.current.set(conv.key, Date.now());
                  b.typing(conv.key);
                }}
                onEditLast={() => {
                  const last = [...conv.items].reverse().find((i) => i.kind === "msg" && i.m.mine && i.m.text !== undefined);
                  if (last && last.kind === "msg") setMode({ kind: "edit", id: String(last.m.id), label: "", text: last.m.text });
                }}
                onFiles={upload}
                onError={(t) => toast(t)}
                onGames={() => setGamesOpen(!gamesOpen)}
              />
              {dragging && (
                <div class="drop-zone" aria-hidden="true">
                  Drop to upload to {conv.title}
                </div>
              )}
            </>
          )}
        </main>
        {conv && showMembers && conv.members.length > 0 && (
          <Members
            members={conv.members}
            me={snap.me.tag}
            canModerate={conv.canModerate}
            isOwner={conv.isOwner}
            isChannel={!conv.key.endsWith("/0")}
            onMessage={(tag) => open(`0/${tag}`)}
            onMod={(tag, on) => b.mod(conv.key, tag, on).catch(fail)}
            onKick={(tag) => setDialog({ kind: "kick", user: tag, ban: false })}
            onBan={(tag) => setDialog({ kind: "kick", user: tag, ban: true })}
            onUnfriend={conv.user && snap.friends.includes(conv.user.tag) ? (tag) => b.unfriend(tag).catch(fail) : undefined}
          />
        )}
        <button type="button" class="scrim" aria-label="Close" tabIndex={-1} onClick={() => (setDrawer(false), setMembersOpen(false))} />
      </div>
      {snap.rings.length > 0 && !dialog && (
        <RingDialog
          key={snap.rings[0].conv}
          ring={snap.rings[0]}
          onAccept={() => {
            const r = snap.rings[0];
            b.dismissRing(r.conv);
            open(r.conv);
            b.call.join(r.conv, false).catch(fail);
          }}
          onDecline={() => b.declineCall(snap.rings[0].conv).catch(fail)}
          onDismiss={() => b.dismissRing(snap.rings[0].conv)}
        />
      )}
      <Toasts toasts={toasts} onDismiss={(id) => setToasts((t) => t.filter((x) => x.id !== id))} />
      {dialog?.kind === "emoji" && (
        <EmojiPicker
          onClose={() => setDialog(null)}
          onPick={(e) => {
            const id = dialog.id;
            setDialog(null);
            b.react(id, e).catch(fail);
          }}
        />
      )}
      {dialog?.kind === "newServer" && (
        <FormDialog
          title="Create a server"
          fields={[{ name: "name", label: "Server name", maxLength: 32 }]}
          submit="Create"
          onSubmit={(v) => b.newServer(v.name.trim())}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "addFriend" && (
        <FormDialog
          title="Add a friend"
          fields={[{ name: "pseudo", label: "Pseudo", maxLength: 32 }]}
          submit="Send friend request"
          onSubmit={(v) => b.befriend(v.pseudo.trim())}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "search" && (
        <Search
          current={conv?.key ?? null}
          currentName={conv?.title ?? ""}
          find={(k, t) => b.find(k, t)}
          onClose={() => setDialog(null)}
          onJump={(h: Hit) => {
            setDialog(null);
            open(h.conv);
            b.openAround(h.conv, h.id);
            setFocusKey(`m${h.id}`);
          }}
        />
      )}
      {dialog?.kind === "account" && (
        <AccountSettings
          pseudo={snap.me.pseudo}
          away={snap.me.away ?? ""}
          setAway={(t) => b.away(t.trim())}
          setPseudo={(p, w) => b.setPseudo(p.trim(), w)}
          setPassword={(o, n) => b.setPassword(o, n)}
          notifications={typeof Notification === "undefined" ? "unsupported" : Notification.permission}
          askNotifications={() => Notification.requestPermission().then(() => setDialog({ kind: "account" }))}
          ptt={ptt}
          setPtt={(v) => {
            setPtt(v);
            savePushToTalk(v);
          }}
          logout={() => {
            setDialog(null);
            b.logout();
          }}
          onClose={() => setDialog(null)}
          extra={<PrivateSettings p={b.priv} />}
        />
      )}
      {dialog?.kind === "safety" && <SafetyDialog p={b.priv} conv={dialog.conv} onClose={() => setDialog(null)} />}
      {dialog?.kind === "unlock" && <UnlockDialog p={b.priv} onClose={() => setDialog(null)} />}
      {dialog?.kind === "place" && placeKey && (
        <PlaceSettings
          kind={placeKey.endsWith("/0") ? "server" : "channel"}
          name={placeKey.endsWith("/0") ? placeConv?.server?.name ?? "" : (placeConv?.title ?? "").replace(/^#/, "")}
          topic={placeConv?.topic ?? ""}
          isPublic={placeConv?.isPublic ?? false}
          canModerate={placeConv?.canModerate ?? false}
          isOwner={placeConv?.isOwner ?? false}
          invite={(p) => b.invite(p.trim(), placeKey)}
          rename={(n) => b.rename(placeKey, n.trim())}
          setTopic={(t) => b.topic(placeKey, t)}
          setPublic={(on) => b.setPublic(placeKey, on)}
          newChannel={(n) => b.newChannel(Number(placeKey.split("/")[0]), n.trim())}
          leave={() => b.leave(placeKey)}
          remove={() => b.del(placeKey)}
          list={() => b.list(Number(placeKey.split("/")[0]))}
          join={(k) => b.join(k)}
          bans={() => b.bans(Number(placeKey.split("/")[0]))}
          unban={(u) => b.unban(Number(placeKey.split("/")[0]), u)}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "image" && (
        <Dialog title={dialog.name} onClose={() => setDialog(null)} class="viewer">
          <img src={dialog.url} alt={dialog.name} />
          <div class="dialog-buttons">
            <a href={dialog.url} download={dialog.name}>
              Download
            </a>
            <button type="button" onClick={() => setDialog(null)}>
              Close
            </button>
          </div>
        </Dialog>
      )}
      {dialog?.kind === "delete" && (
        <FormDialog title="Delete message" fields={[]} submit="Delete" danger onSubmit={() => b.remove(dialog.m.id)} onClose={() => setDialog(null)}>
          <p>Delete this message for everyone?</p>
          <blockquote>{dialog.m.text || dialog.m.file}</blockquote>
        </FormDialog>
      )}
      {dialog?.kind === "kick" && conv && (
        <FormDialog
          title={`${dialog.ban ? "Ban" : "Kick"} ${b.pseudo(dialog.user)}`}
          fields={[{ name: "reason", label: "Reason (optional)", required: false }]}
          submit={dialog.ban ? "Ban" : "Kick"}
          danger
          onSubmit={(v) => (dialog.ban ? b.ban(Number(conv.key.split("/")[0]), dialog.user, v.reason.trim()) : b.kick(conv.key, dialog.user, v.reason.trim()))}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}

/** placeTitle names a conversation for the sidebar's call strip: "#band", "alice". */
function placeTitle(snap: Snapshot, key: ConvKey): string {
  for (const s of snap.servers) for (const c of s.channels) if (c.key === key) return `#${c.name}`;
  return snap.directs.find((d) => d.key === key)?.name ?? key;
}

function typingText(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

interface BodyProps {
  b: Backend;
  conv: ConvView;
  me: number;
  myPseudo: string;
  focusKey?: string;
  onFocused(): void;
  onJump(key: string): void;
  onReply(m: MessageView): void;
  onEdit(m: MessageView): void;
  onDelete(m: MessageView): void;
  onReact(m: MessageView): void;
  onOpenImage(url: string, name: string): void;
  fail(err: unknown): void;
}

/** The message list of one conversation (remounted per conversation). */
function ConversationBody({ b, conv, me, myPseudo, focusKey, onFocused, onJump, onReply, onEdit, onDelete, onReact, onOpenImage, fail }: BodyProps) {
  // Game lines are worded once, in the order they came: blackjack lines
  // name seats, which earlier lines said who holds.
  const book = useRef(new GameBook());
  const worded = useRef(new Map<string, GameView | null>());
  const ctx = { me, pseudo: (t: number) => b.pseudo(t) };
  const names = new Set(conv.members.map((x) => x.user.pseudo.toLowerCase()));
  const known = (p: string) => names.has(p.toLowerCase());

  const rows: Row[] = useMemo(() => {
    const live = new Map<string, string>(); // game -> key of its newest line
    for (const it of conv.items) if (it.kind === "game") live.set(it.game, it.key);
    let prev: Item | null = null;
    return conv.items.map((it) => {
      const row = renderItem(it, prev);
      prev = it;
      return row;
    });

    function renderItem(it: Item, before: Item | null): Row {
      if (it.kind === "notice") return { key: it.key, node: <p class="system-line">{it.text}</p> };
      if (it.kind === "game") {
        if (!worded.current.has(it.key)) worded.current.set(it.key, wordGame(it.game, it.payload, ctx, book.current));
        return {
          key: it.key,
          node: (
            <div class="msg">
              <GameCard game={it.game} view={worded.current.get(it.key) ?? null} raw={it.payload} live={live.get(it.game) === it.key} onPlay={(g, p) => b.play(g, p)} />
            </div>
          ),
        };
      }
      const m = it.m;
      const first = !(before && before.kind === "msg" && before.m.author === m.author && m.time - before.m.time < 5 * 60 * 1000);
      return {
        key: it.key,
        node: (
          <Message
            m={first === m.first ? m : { ...m, first }}
            myPseudo={myPseudo}
            known={known}
            fileUrl={(name, thumb) => b.fileUrl(conv.key, name, thumb)}
            onReply={onReply}
            onEdit={onEdit}
            onDelete={onDelete}
            onReact={onReact}
            onToggleReaction={(msg, emoji, mine) => (mine ? b.unreact(msg.id, emoji) : b.react(msg.id, emoji)).catch(fail)}
            onJump={(id) => {
              b.openAround(conv.key, id);
              onJump(`m${id}`);
            }}
            onOpenImage={onOpenImage}
            onRetry={(l) => b.retry(conv.key, l)}
            onDiscard={(l) => b.discard(conv.key, l)}
          />
        ),
      };
    }
  }, [conv.items, myPseudo, conv.members, conv.filesReady]);

  return (
    <>
    {!conv.atNewest && (
      <div class="present-bar" role="status">
        <span>You are reading older messages.</span>
        <button type="button" class="primary" onClick={() => b.present(conv.key)}>
          Jump to present
        </button>
      </div>
    )}
    <MessageList
      label="Messages"
      rows={rows}
      atNewest={conv.atNewest}
      hasOlder={conv.hasOlder}
      loading={conv.loading}
      onNearTop={() => b.loadOlder(conv.key)}
      onNearBottom={() => b.loadNewer(conv.key)}
      onSeen={(key) => {
        const id = Number(key.slice(1));
        if (key.startsWith("m") && id) b.seen(conv.key, id);
      }}
      focusKey={focusKey}
      onFocused={onFocused}
    />
    </>
  );
}
