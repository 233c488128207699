#!/usr/bin/env node
// `npm run demo`: bring up the local cluster and show Spindle on it, through the `spindle` command line:
// a file through WebHDFS, then a command in 4 YARN containers with their output streamed back live.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, HADOOP_CONF_DIR: process.env.HADOOP_CONF_DIR ?? join(repo, '.cluster', 'conf') };

function step(title, cmd, args) {
  console.log(`\n$ ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env, cwd: repo });
  if (r.status !== 0) {
    console.error(`demo: '${title}' failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

const up = spawnSync(join(repo, 'scripts', 'cluster'), ['up'], { stdio: ['ignore', 'ignore', 'inherit'], env });
if (up.status !== 0) process.exit(up.status ?? 1);
const spindle = (title, ...args) => step(`spindle ${title}`, process.execPath, [join(repo, 'dist', 'client', 'cli.js'), ...args]);

spindle('fs put -f README.md /tmp/spindle-demo/README.md', 'fs', 'put', '-f', 'README.md', '/tmp/spindle-demo/README.md');
spindle('fs ls /tmp/spindle-demo', 'fs', 'ls', '/tmp/spindle-demo');
spindle(
  `run -n 4 --memory 256m -- 'echo "hello from $CONTAINER_ID ($(node --version)), NodeManager port $NM_PORT"'`,
  'run',
  '-n',
  '4',
  '--memory',
  '256m',
  '--name',
  'spindle-demo',
  '--',
  'echo "hello from $CONTAINER_ID ($(node --version)), NodeManager port $NM_PORT"',
);
spindle(
  'submit examples/wordcount.ts /tmp/spindle-demo/README.md /tmp/spindle-demo/counts 2',
  'submit',
  'examples/wordcount.ts',
  '/tmp/spindle-demo/README.md',
  '/tmp/spindle-demo/counts',
  '2',
);
spindle('fs ls /tmp/spindle-demo/counts', 'fs', 'ls', '/tmp/spindle-demo/counts');
spindle('fs rm -r /tmp/spindle-demo', 'fs', 'rm', '-r', '/tmp/spindle-demo');
