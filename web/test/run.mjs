// Runs the unit tests of src/lib: every test/*.test.ts is bundled by
// esbuild into a temporary folder (Node does not read TypeScript), then
// the lot is run by `node --test`. Exits with node's status.

import * as esbuild from 'esbuild';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tests = (await readdir(here)).filter((f) => f.endsWith('.test.ts')).sort();
if (tests.length === 0) {
  console.error('web/test: no *.test.ts');
  process.exit(1);
}
const out = await mkdtemp(path.join(os.tmpdir(), 'salon-web-test-'));
let status = 1;
try {
  await esbuild.build({
    entryPoints: tests.map((t) => path.join(here, t)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: out,
    outExtension: { '.js': '.mjs' },
    sourcemap: 'inline',
    external: ['node:*'],
    logLevel: 'warning',
  });
  const files = tests.map((t) => path.join(out, t.replace(/\.ts$/, '.mjs')));
  const run = spawnSync(process.execPath, ['--test', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
  status = run.status ?? 1;
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exit(status);
