// Builds the page into dist/: app-<hash>.js and app-<hash>.css (the CSS
// that src/main.tsx imports), and an index.html that names them. The names
// carry a hash of the content, so salond may serve them with long-lived
// cache headers, and the same sources always give the same bytes: CI
// rebuilds dist/ and fails when it differs from what is committed.
//
// index.html holds no inline script or style: the page runs under
// Content-Security-Policy `script-src 'self'; style-src 'self'`.
//
// Usage: node build.mjs (from web/, or `make web` at the top).

import * as esbuild from 'esbuild';
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const entry = path.join(src, 'main.tsx');
// An optional template the page's author may write; {{css}} and {{js}} are
// replaced by the assets' names. Without it the page below is used.
const template = path.join(src, 'index.html');

if (!existsSync(entry)) {
  console.error(`build: ${path.relative(process.cwd(), entry)} does not exist: nothing to build`);
  process.exit(1);
}

const result = await esbuild.build({
  entryPoints: { app: entry },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  // openpgp.js (private messages, lib/pgp.ts) is imported dynamically: with
  // splitting it is a chunk of its own, loaded the first time a key or a
  // private message is needed, so the first load does not carry it.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  // Fonts and images imported by the CSS become files of their own.
  loader: { '.woff2': 'file', '.png': 'file', '.svg': 'file' },
  legalComments: 'none',
  sourcemap: false,
  charset: 'utf8',
  absWorkingDir: root,
  outdir: dist,
  write: false,
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = new Map(); // base name -> bytes
let js = '';
let css = '';
for (const f of result.outputFiles) {
  const name = path.basename(f.path);
  outputs.set(name, f.contents);
  if (name.startsWith('app-') && name.endsWith('.js')) js = name;
  if (name.startsWith('app-') && name.endsWith('.css')) css = name;
}
if (!js) {
  console.error('build: esbuild produced no app-*.js');
  process.exit(1);
}

const head = [
  '<meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  '<meta name="color-scheme" content="light dark">',
  '<meta name="referrer" content="same-origin">',
  '<title>Salon</title>',
];
let html;
if (existsSync(template)) {
  html = (await readFile(template, 'utf8')).replaceAll('{{css}}', css).replaceAll('{{js}}', js);
} else {
  html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    ...head,
    css ? `<link rel="stylesheet" href="/${css}">` : '',
    `<script type="module" src="/${js}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '<noscript>Salon needs JavaScript.</noscript>',
    '</body>',
    '</html>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n') + '\n';
}
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /<style[\s>]/i.test(html) || /\sstyle=/i.test(html)) {
  console.error('build: index.html holds an inline script or style, which the page\'s CSP refuses');
  process.exit(1);
}
outputs.set('index.html', new TextEncoder().encode(html));

await mkdir(dist, { recursive: true });
// Stale hashed files of earlier builds go: dist/ holds exactly this build.
for (const name of await readdir(dist)) {
  if (!outputs.has(name)) await rm(path.join(dist, name), { recursive: true, force: true });
}
for (const [name, bytes] of outputs) {
  const file = path.join(dist, name);
  // Unchanged files are left alone, so their times do not churn.
  if (existsSync(file) && Buffer.compare(await readFile(file), Buffer.from(bytes)) === 0) continue;
  await writeFile(file, bytes);
}

for (const [name, bytes] of [...outputs].sort()) {
  console.log(`dist/${name}\t${bytes.length} bytes`);
}
