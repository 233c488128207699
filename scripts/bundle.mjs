#!/usr/bin/env node
// Bundles the ApplicationMaster into one ESM file (dist/bundle/spindle-am.mjs) that the submit client
// ships to HDFS; containers run it with plain `node`, with no node_modules beside it.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: { 'spindle-am': join(repo, 'appmaster', 'main.ts') },
  outdir: join(repo, 'dist', 'bundle'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (protobufjs) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __spindleCreateRequire } from 'node:module'; const require = __spindleCreateRequire(import.meta.url);" },
});
