// Peer-to-peer transfers of one direct conversation (lib/p2p.ts): a button
// to send a file directly to an online friend, beside the ordinary upload,
// and a card per transfer with its progress and what one may do with it.

import { useEffect, useRef, useState } from "preact/hooks";
import type { P2pEngine, Transfer } from "../lib/p2p";
import { bytes } from "./format";

interface Props {
  engine: P2pEngine;
  /** The friend's tag and pseudo. */
  peer: number;
  pseudo: string;
  /** The friend is online and a friend: a new transfer may start. */
  canSend: boolean;
  /** The ordinary upload, for a transfer that could not connect. */
  onUpload(file: File): void;
  onError(text: string): void;
}

function useTransfers(engine: P2pEngine): readonly Transfer[] {
  const [list, setList] = useState(engine.transfers);
  useEffect(() => {
    setList(engine.transfers);
    return engine.subscribe(() => setList(engine.transfers));
  }, [engine]);
  return list;
}

export function P2pTransfers(p: Props) {
  const all = useTransfers(p.engine);
  const file = useRef<HTMLInputElement>(null);
  const mine = all.filter((t) => t.peer === p.peer);
  return (
    <div class="p2p">
      {mine.length > 0 && (
        <ul class="p2p-cards" aria-label="Direct transfers">
          {mine.map((t) => (
            <Card key={t.id} t={t} pseudo={p.pseudo} engine={p.engine} onUpload={p.onUpload} />
          ))}
        </ul>
      )}
      {p.canSend && (
        <div class="p2p-send">
          <input
            ref={file}
            type="file"
            class="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            data-testid="p2p-file"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = "";
              if (f) p.engine.send(p.peer, f).catch((err) => p.onError(`${f.name}: ${err instanceof Error ? err.message : err}`));
            }}
          />
          <button type="button" class="plain" title={`Send a file to ${p.pseudo} without the server storing it`} onClick={() => file.current?.click()}>
            Send directly (peer to peer)
          </button>
        </div>
      )}
    </div>
  );
}

function status(t: Transfer, pseudo: string): string {
  switch (t.state) {
    case "offering":
      return `Waiting for ${pseudo} to accept…`;
    case "incoming":
      return `${pseudo} wants to send you this file directly`;
    case "connecting":
      return "Connecting…";
    case "transferring":
      return `${t.dir === "out" ? "Sending" : "Receiving"} ${bytes(t.done)} / ${bytes(t.size)}`;
    case "done":
      return t.dir === "out" ? `Sent to ${pseudo}` : `Received from ${pseudo}`;
    case "declined":
      return t.dir === "out" ? `${pseudo} declined` : "Declined";
    case "cancelled":
      return `Cancelled${t.error && t.error !== "cancelled" ? `: ${t.error}` : ""}`;
    case "unreachable":
      return t.error?.startsWith("the server refused") ? `${t.error}: upload instead?` : "Could not connect: upload instead?";
    case "failed":
      return `Failed: ${t.error ?? "unknown error"}`;
  }
}

function Card({ t, pseudo, engine, onUpload }: { t: Transfer; pseudo: string; engine: P2pEngine; onUpload(f: File): void }) {
  const moving = t.state === "offering" || t.state === "connecting" || t.state === "transferring";
  return (
    <li class={`p2p-card ${t.state}`} data-transfer={t.id} data-state={t.state}>
      <div class="p2p-head">
        <span class="p2p-dir" aria-hidden="true">
          {t.dir === "out" ? "↑" : "↓"}
        </span>
        <span class="p2p-name">{t.name}</span>
        <span class="p2p-size">{bytes(t.size)}</span>
      </div>
      {t.image && t.url && <img class="p2p-preview" src={t.url} alt={t.name} />}
      <progress max={t.size || 1} value={t.state === "done" ? t.size || 1 : t.done} aria-label={`${t.name}: ${bytes(t.done)} of ${bytes(t.size)}`} />
      <div class="p2p-foot">
        <span class="p2p-status" role="status">
          {status(t, pseudo)}
        </span>
        <span class="p2p-actions">
          {t.state === "incoming" && (
            <>
              <button type="button" class="primary" onClick={() => engine.accept(t.id)}>
                Accept
              </button>
              <button type="button" onClick={() => engine.decline(t.id)}>
                Decline
              </button>
            </>
          )}
          {t.state === "done" && t.url && (
            <a class="button primary" href={t.url} download={t.name}>
              Save
            </a>
          )}
          {t.file && (t.state === "unreachable" || t.state === "offering" || t.state === "failed") && (
            <button
              type="button"
              class="primary"
              onClick={() => {
                if (t.file) onUpload(t.file);
                engine.dismiss(t.id);
              }}
            >
              Upload instead
            </button>
          )}
          {moving && (
            <button type="button" class="danger" onClick={() => engine.cancel(t.id)}>
              Cancel
            </button>
          )}
          {!moving && t.state !== "incoming" && (
            <button type="button" class="plain" aria-label={`Dismiss ${t.name}`} onClick={() => engine.dismiss(t.id)}>
              Dismiss
            </button>
          )}
        </span>
      </div>
    </li>
  );
}
