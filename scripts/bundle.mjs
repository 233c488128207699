#!/usr/bin/env node
// Bundles the cluster-side programs into single ESM files in dist/bundle/ that the submit client
// ships to HDFS; containers run them with plain `node`, with no node_modules beside them:
//   spindle-am.mjs        the ApplicationMaster
//   spindle-driver.mjs    the driver runtime (runs a job's main with a Context; forked by the AM)
//   spindle-executor.mjs  the executor runtime (one per executor container; also its worker threads)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
await build({
  entryPoints: {
    'spindle-am': join(repo, 'appmaster', 'main.ts'),
    'spindle-driver': join(repo, 'appmaster', 'driver', 'main.ts'),
    'spindle-executor': join(repo, 'executor', 'main.ts'),
  },
  outdir: join(repo, 'dist', 'bundle'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // The driver never bundles jobs; keep esbuild (a native binary) out of the cluster bundles.
  external: ['esbuild'],
  // The version the web UI shows (protocols/web-ui/links.ts): there is no package.json beside a bundle.
  define: { 'process.env.SPINDLE_BUNDLE_VERSION': JSON.stringify(version) },
  // CommonJS dependencies (protobufjs, avsc) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __spindleCreateRequire } from 'node:module'; const require = __spindleCreateRequire(import.meta.url);",
  },
});
