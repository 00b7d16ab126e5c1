import { useState } from "preact/hooks";
import { audioName, duration, gifName, imageName, voiceName } from "./format";
import { Icon } from "./Icon";

// A file message: an image as its preview (a GIF as itself, so it plays),
// a voice message as a player with its duration, anything else as a card
// with a download link. URLs are same-origin /files/... paths that the
// session's cookie authorizes.

// A file that fails to load may have failed for the cookie, not the file:
// the cookie is the browser's, shared by every tab, and each tab's login
// puts its own session's token in it, which ends with that session. The
// page then asks for a token of its own again (filesLost), once per URL so
// that a file really gone does not make it ask forever.
let filesLost: () => void = () => {};
const retried = new Set<string>();

/** onFilesLost sets what a file that failed to load calls: a new token for this tab. */
export function onFilesLost(fn: () => void) {
  filesLost = fn;
}

function failed(url: string) {
  if (retried.has(url)) return;
  retried.add(url);
  filesLost();
}

interface Props {
  name: string;
  url: string;
  thumbUrl: string;
  onOpenImage(url: string, name: string): void;
}

export function Attachment({ name, url, thumbUrl, onOpenImage }: Props) {
  const [broken, setBroken] = useState(false);
  if (!url)
    return (
      <div class="attachment">
        <div class="file-card">
          <Icon name="file" />
          <span>{name}</span>
        </div>
      </div>
    );
  if (imageName.test(name) && !broken) {
    const gif = gifName.test(name);
    return (
      <div class="attachment">
        <button type="button" class="plain" aria-label={`Open image ${name}`} onClick={() => onOpenImage(url, name)}>
          <img src={gif ? url : thumbUrl} alt={name} loading="lazy" onError={() => {
              setBroken(true);
              failed(gif ? url : thumbUrl);
            }} />
        </button>
      </div>
    );
  }
  if (audioName.test(name)) return <Voice name={name} url={url} voice={voiceName.test(name)} />;
  return (
    <div class="attachment">
      <div class="file-card">
        <span class="icon" aria-hidden="true">
          <Icon name="file" />
        </span>
        <Download url={url} name={name} />
      </div>
    </div>
  );
}

// A download with its progress: fetched by the page (same origin, the
// files cookie), then handed to the browser as a blob. The link works as
// an ordinary download too, should the fetch fail.
function Download({ url, name }: { url: string; name: string }) {
  const [done, setDone] = useState<{ got: number; total: number } | null>(null);
  async function get(e: Event) {
    if (!window.ReadableStream || done) return;
    e.preventDefault();
    try {
      const res = await fetch(url, { credentials: "same-origin" });
      if (res.status === 401) failed(url);
      if (!res.ok || !res.body) throw new Error(String(res.status));
      const total = Number(res.headers.get("Content-Length") ?? 0);
      const reader = res.body.getReader();
      const parts: BlobPart[] = [];
      let got = 0;
      setDone({ got, total });
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        parts.push(value);
        got += value.length;
        setDone({ got, total });
      }
      const blob = URL.createObjectURL(new Blob(parts, { type: res.headers.get("Content-Type") ?? "application/octet-stream" }));
      const a = document.createElement("a");
      a.href = blob;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(blob), 10000);
    } catch {
      location.assign(url);
    } finally {
      setDone(null);
    }
  }
  return (
    <>
      <a href={url} download={name} onClick={get}>
        {name}
      </a>
      {done && <progress max={done.total || 1} value={done.got} aria-label={`Downloading ${name}`} />}
    </>
  );
}

// Durations found, by URL: a player shown again (the list re-rendered,
// the conversation reopened) knows its duration at once.
const durations = new Map<string, number>();

function Voice({ name, url, voice }: { name: string; url: string; voice: boolean }) {
  const [secs, setSecsState] = useState<number | null>(durations.get(url) ?? null);
  const setSecs = (d: number) => {
    if (durations.size > 500) durations.clear();
    durations.set(url, d);
    setSecsState(d);
  };

  // Chromium's MediaRecorder writes WebM without a duration: the player
  // says Infinity until it has seen the end. Seeking far past the end makes
  // it find the real one; then it goes back to the start.
  function meta(e: Event) {
    const a = e.currentTarget as HTMLAudioElement;
    if (isFinite(a.duration)) {
      setSecs(a.duration);
      return;
    }
    const found = () => {
      if (!isFinite(a.duration)) return;
      a.removeEventListener("durationchange", found);
      setSecs(a.duration);
      a.currentTime = 0;
    };
    a.addEventListener("durationchange", found);
    a.currentTime = 1e9;
  }

  return (
    <div class="attachment voice" role="group" aria-label={voice ? "Voice message" : `Audio ${name}`}>
      <audio controls preload="metadata" src={url} onLoadedMetadata={meta} onError={() => failed(url)} aria-label={voice ? "Voice message player" : name} />
      <span class="duration" aria-label="Duration">
        {secs === null ? "…" : duration(secs)}
      </span>
      {!voice && <a href={url} download={name}>{name}</a>}
    </div>
  );
}
