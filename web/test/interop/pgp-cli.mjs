// Runs cli.ts (pgp.ts as a command line; its header says the interface):
// bundles it with esbuild into a temporary file once per call, then runs it
// with this process's arguments and stdin.
//
// Usage (from anywhere): node web/test/interop/pgp-cli.mjs gen < req.json

import * as esbuild from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = await mkdtemp(path.join(os.tmpdir(), 'salon-pgp-cli-'));
let status = 1;
try {
  const file = path.join(out, 'cli.mjs');
  await esbuild.build({
    entryPoints: [path.join(here, 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    outfile: file,
    external: ['node:*'],
    logLevel: 'warning',
  });
  const run = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit' });
  status = run.status ?? 1;
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exit(status);
