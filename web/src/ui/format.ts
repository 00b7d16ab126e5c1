// Small pure helpers the components share: times, counts, the pieces of a
// message's text (mentions and web addresses), voice message names.

export function clock(ms: number): string {
  const d = new Date(ms);
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function fullTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

/** The server's UNREAD stops at 1000: show it as 999+. */
export function count(n: number): string {
  return n > 999 ? "999+" : String(n);
}

export type TextPiece = { text: string } | { mention: string; me: boolean } | { url: string };

const token = /(@[^\s@,.;:!?()]+)|(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/g;

/** pieces cuts a message's text into plain runs, @mentions and links. */
export function pieces(text: string, myPseudo: string, known: (pseudo: string) => boolean = () => true): TextPiece[] {
  const out: TextPiece[] = [];
  let last = 0;
  for (const m of text.matchAll(token)) {
    const at = m.index ?? 0;
    if (m[1] && !known(m[1].slice(1))) continue;
    if (at > last) out.push({ text: text.slice(last, at) });
    if (m[1]) {
      const name = m[1].slice(1);
      out.push({ mention: name, me: name.toLowerCase() === myPseudo.toLowerCase() });
    } else out.push({ url: m[2] });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** mentions reports whether text names pseudo with an @, as a whole word. */
export function mentions(text: string, pseudo: string): boolean {
  if (!pseudo) return false;
  const p = pseudo.toLowerCase();
  for (const m of text.matchAll(token)) if (m[1] && m[1].slice(1).toLowerCase() === p) return true;
  return false;
}

export const imageName = /\.(png|jpe?g|gif|webp|bmp)$/i;
export const gifName = /\.gif$/i;
export const voiceName = /^voice-.*\.(webm|ogg|opus|m4a|mp3)$/i;
export const audioName = /\.(webm|ogg|opus|m4a|mp3|wav)$/i;

/** The name a voice message is uploaded under: voice-<time>.webm. */
export function voiceFileName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `voice-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.webm`;
}

export function duration(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
