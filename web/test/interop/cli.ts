// pgp.ts as a command line, for a Go test to drive against the Go client's
// cmd/salon-pgp: built by pgp-cli.mjs (esbuild, then node). Each command
// reads one JSON object on stdin and writes one JSON object on stdout;
// bytes are standard base64, keys armored (private, passphrase-protected)
// or base64 (public, as KEY publishes it). Failure: exit 1 and
// {"error": "..."} on stdout.
//
//   gen      {"pseudo","passphrase"}
//         -> {"private": armored, "public": base64, "fingerprint": hex}
//   encrypt  {"private","passphrase","to": base64 public key, "text"? | "data"? (base64)}
//         -> {"message": "pgp:..." (text) | "data": base64 (file bytes)}
//   decrypt  {"private","passphrase","from": base64 public key or "", "message"? | "data"?}
//         -> {"verdict": "verified"|"unverified"|"damaged"|"not-for-me",
//             "text"? | "data"?, "signer": hex}
//   safety   {"a": hex fingerprint, "b": hex fingerprint} -> {"safety": "..."}
//   fingerprint {"public": base64} -> {"fingerprint": hex}

import * as pgp from '../../src/lib/pgp';

declare const process: {
  argv: string[];
  stdin: AsyncIterable<Uint8Array>;
  stdout: { write(s: string): void };
  exit(code: number): never;
};

type In = Record<string, string | undefined>;

async function readStdin(): Promise<In> {
  const chunks: Uint8Array[] = [];
  for await (const c of process.stdin) chunks.push(c);
  let n = 0;
  for (const c of chunks) n += c.length;
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const s = new TextDecoder().decode(all).trim();
  return s ? (JSON.parse(s) as In) : {};
}

function need(o: In, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Error(`missing "${k}"`);
  return v;
}

async function run(cmd: string, o: In): Promise<object> {
  switch (cmd) {
    case 'gen': {
      const k = await pgp.generate(need(o, 'pseudo'));
      return {
        private: await pgp.exportPrivate(k.priv, need(o, 'passphrase')),
        public: pgp.toBase64(pgp.publicBytes(k.pub)),
        fingerprint: pgp.fingerprint(k.pub),
      };
    }
    case 'encrypt': {
      const me = await pgp.importPrivate(need(o, 'private'), need(o, 'passphrase'));
      const to = await pgp.readPublic(pgp.fromBase64(need(o, 'to')));
      if (o.text !== undefined) return { message: await pgp.encryptText(o.text, me, to) };
      return { data: pgp.toBase64(await pgp.encryptFile(pgp.fromBase64(need(o, 'data')), me, to)) };
    }
    case 'decrypt': {
      const me = await pgp.importPrivate(need(o, 'private'), need(o, 'passphrase'));
      const from = o.from ? await pgp.readPublic(pgp.fromBase64(o.from)) : null;
      if (o.message !== undefined) {
        const r = await pgp.decryptText(o.message, me, from);
        return { verdict: r.verdict, text: r.data, signer: r.signer };
      }
      const r = await pgp.decryptFile(pgp.fromBase64(need(o, 'data')), me, from);
      return { verdict: r.verdict, data: r.data ? pgp.toBase64(r.data) : null, signer: r.signer };
    }
    case 'safety':
      return { safety: await pgp.safetyNumber(pgp.hexBytes(need(o, 'a')), pgp.hexBytes(need(o, 'b'))) };
    case 'fingerprint':
      return { fingerprint: pgp.fingerprint(await pgp.readPublic(pgp.fromBase64(need(o, 'public')))) };
    default:
      throw new Error(`usage: pgp-cli.mjs gen|encrypt|decrypt|safety|fingerprint < request.json`);
  }
}

try {
  const out = await run(process.argv[2] ?? '', await readStdin());
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
  process.exit(1);
}
