// Mentions are plain text (PROTOCOL.md section 9): "@pseudo" anywhere in a
// message, without regard to case. A pseudo may hold punctuation, so
// "@bob," could name "bob," or "bob": the longest known pseudo wins, and it
// must not run on into a letter or digit ("@bobby" is not "bob"). The same
// rule as the terminal client's (client/mention.go).

/** A mention in a text: [start, end) in UTF-16 units, the "@" included. */
export interface Span {
  start: number;
  end: number;
  pseudo: string;
}

const word = /[\p{L}\p{N}_-]/u;

/** foldPseudo is how pseudos compare: without regard to case. */
export function foldPseudo(p: string): string {
  return p.normalize('NFC').toLowerCase();
}

/** mentionSpans finds the mentions of pseudos that `known` accepts. */
export function mentionSpans(text: string, known: (pseudo: string) => boolean): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '@') continue;
    if (i > 0 && word.test(lastChar(text.slice(0, i)))) continue;
    const rest = text.slice(i + 1);
    const ws = rest.search(/\s/u);
    const end = ws < 0 ? rest.length : ws;
    const chars = Array.from(rest.slice(0, end));
    for (let n = chars.length; n > 0; n--) {
      const cand = chars.slice(0, n).join('');
      const after = rest.slice(cand.length);
      if (known(cand) && (after === '' || !word.test(Array.from(after)[0]))) {
        spans.push({ start: i, end: i + 1 + cand.length, pseudo: cand });
        i += cand.length;
        break;
      }
    }
  }
  return spans;
}

/** mentions reports whether text mentions pseudo. */
export function mentions(text: string, pseudo: string): boolean {
  if (pseudo === '' || !text.includes('@')) return false;
  const key = foldPseudo(pseudo);
  return mentionSpans(text, (p) => foldPseudo(p) === key).length > 0;
}

function lastChar(s: string): string {
  const a = Array.from(s);
  return a[a.length - 1] ?? '';
}
