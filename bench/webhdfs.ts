/**
 * WebHDFS benchmark: writes and reads the same local file with Spindle's WebHDFS client and with
 * Hadoop's own FsShell (`-put`, `-cat`) against the local cluster, alternating which goes first, and
 * prints medians and the throughput ratio (ours / theirs; above 1 means we are faster).
 *
 *   node dist/bench/webhdfs.js [--size <MiB>] [--runs <n>]      (defaults: 1024 MiB, 3 runs)
 *
 * Both clients read the local file from the page cache. FsShell's `-cat` writes to /dev/null, our
 * read discards the bytes; both copies are then verified by sha256 outside the timings (each client
 * also reads the other's file, so the bytes are checked across implementations). `sync` runs before
 * every timed step so that neither pays for the other's dirty pages. FsShell times include its JVM
 * start, as `hadoop fs` would; a second ratio subtracts the median start-up of a no-op FsShell.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { repoRoot, testCluster } from '../test/integration/cluster.js';
import { fsShell, type FsShell } from './lib/fsshell.js';
import { randomStream } from './lib/random-stream.js';
import { median, mibPerSecond, numberFlags, since } from './lib/stats.js';

const MiB = 1024 * 1024;
/** Read size for the local file: large reads keep the Node side cheap (64 KiB reads cost ~3x CPU). */
const LOCAL_READ_CHUNK = MiB;

interface Timings {
  oursWrite: number[];
  theirsWrite: number[];
  oursRead: number[];
  theirsRead: number[];
  jvmStart: number[];
}

async function main(): Promise<void> {
  const { size, runs } = numberFlags(process.argv.slice(2), { size: 1024, runs: 3 });
  const bytes = Math.round(size * MiB);
  const cluster = testCluster();
  const shell = fsShell(repoRoot, cluster.confDir, process.env.HADOOP_VERSION ?? '3.5.0');
  const hdfs = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: cluster.user });
  const tmp = mkdtempSync(join(tmpdir(), 'spindle-bench-'));
  const local = join(tmp, 'data.bin');
  const dir = `/tmp/spindle-bench-${process.pid}-${Date.now()}`;
  const ours = `${dir}/ours.bin`;
  const theirs = `${dir}/theirs.bin`;
  const hdfsUri = (p: string): string => `${cluster.defaultFs}${p}`;
  try {
    console.log(`WebHDFS benchmark: ${size} MiB, ${runs} runs, NameNode ${cluster.nameNodeHttp}, user ${cluster.user}`);
    const expected = await writeLocalFile(local, bytes);
    await hdfs.mkdirs(dir);
    const t: Timings = { oursWrite: [], theirsWrite: [], oursRead: [], theirsRead: [], jvmStart: [] };

    const steps = {
      oursWrite: () => hdfs.create(ours, createReadStream(local, { highWaterMark: LOCAL_READ_CHUNK }), { overwrite: true }),
      theirsWrite: () => shell.run(['-put', '-f', local, hdfsUri(theirs)]),
      oursRead: async () => {
        let n = 0;
        for await (const chunk of await hdfs.open(ours)) n += (chunk as Buffer).length;
        if (n !== bytes) throw new Error(`read ${n} bytes, expected ${bytes}`);
      },
      theirsRead: () => shell.run(['-cat', hdfsUri(theirs)]),
      jvmStart: () => shell.run(['-test', '-e', hdfsUri('/')]),
    };
    const timed = async (name: keyof Timings): Promise<number> => {
      execFileSync('sync');
      const start = performance.now();
      await steps[name]();
      const ms = since(start);
      t[name].push(ms);
      return ms;
    };

    for (let run = 1; run <= runs; run++) {
      const oursFirst = run % 2 === 1;
      const write = oursFirst ? (['oursWrite', 'theirsWrite'] as const) : (['theirsWrite', 'oursWrite'] as const);
      const read = oursFirst ? (['oursRead', 'theirsRead'] as const) : (['theirsRead', 'oursRead'] as const);
      for (const step of [...write, ...read, 'jvmStart'] as const) await timed(step);
      const i = run - 1;
      console.log(
        `run ${run} (${oursFirst ? 'ours' : 'FsShell'} first): ` +
          `write ours ${fmt(t.oursWrite[i]!, bytes)}, FsShell ${fmt(t.theirsWrite[i]!, bytes)}; ` +
          `read ours ${fmt(t.oursRead[i]!, bytes)}, FsShell ${fmt(t.theirsRead[i]!, bytes)}; ` +
          `FsShell JVM start ${t.jvmStart[i]!.toFixed(0)} ms`,
      );
    }

    await verify(hdfs, shell, { ours, theirs, uri: hdfsUri }, expected);
    report(t, bytes);
    console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await hdfs.delete(dir, { recursive: true }).catch(() => undefined);
    hdfs.close();
  }
}

/** Write `bytes` deterministic bytes to `path`; resolves to their sha256. */
async function writeLocalFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const source = randomStream('spindle-bench', bytes);
  source.on('data', (c: Buffer) => hash.update(c));
  await pipeline(source, createWriteStream(path));
  return hash.digest('hex');
}

/** Untimed: every copy, read by both clients, hashes to the local file's sha256. */
async function verify(
  hdfs: WebHdfsClient,
  shell: FsShell,
  files: { ours: string; theirs: string; uri: (path: string) => string },
  expected: string,
): Promise<void> {
  const viaOurs = async (path: string): Promise<string> => {
    const hash = createHash('sha256');
    for await (const chunk of await hdfs.open(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  };
  const viaShell = async (uri: string): Promise<string> => {
    const hash = createHash('sha256');
    await shell.runWithOutput(['-cat', uri], (c) => hash.update(c));
    return hash.digest('hex');
  };
  const checks: Array<[string, string]> = [
    ['ours wrote, ours read', await viaOurs(files.ours)],
    ['FsShell wrote, ours read', await viaOurs(files.theirs)],
    ['ours wrote, FsShell read', await viaShell(files.uri(files.ours))],
  ];
  for (const [what, got] of checks) {
    if (got !== expected) throw new Error(`sha256 mismatch (${what}): ${got} != ${expected}`);
  }
  console.log(`verified: sha256 ${expected.slice(0, 16)}... for ${checks.map(([w]) => w).join('; ')}`);
}

function report(t: Timings, bytes: number): void {
  const m = {
    oursWrite: median(t.oursWrite),
    theirsWrite: median(t.theirsWrite),
    oursRead: median(t.oursRead),
    theirsRead: median(t.theirsRead),
    jvm: median(t.jvmStart),
  };
  const ratio = (theirs: number, ours: number): string => (theirs > 0 ? `${(theirs / ours).toFixed(2)}` : 'n/a');
  console.log('\nmedians                     ours                FsShell             ratio (throughput ours/FsShell)');
  console.log(
    `write                       ${pad(fmt(m.oursWrite, bytes))}${pad(fmt(m.theirsWrite, bytes))}${ratio(m.theirsWrite, m.oursWrite)}x`,
  );
  console.log(
    `read                        ${pad(fmt(m.oursRead, bytes))}${pad(fmt(m.theirsRead, bytes))}${ratio(m.theirsRead, m.oursRead)}x`,
  );
  // Approximate: a no-op FsShell also connects to the NameNode, so this slightly flatters FsShell.
  console.log(
    `minus a no-op FsShell's ${m.jvm.toFixed(0)} ms (JVM start, client set-up): ` +
      `write ${ratio(m.theirsWrite - m.jvm, m.oursWrite)}x, read ${ratio(m.theirsRead - m.jvm, m.oursRead)}x`,
  );
}

function fmt(ms: number, bytes: number): string {
  return `${ms.toFixed(0)} ms (${mibPerSecond(bytes, ms).toFixed(0)} MiB/s)`;
}

function pad(s: string): string {
  return s.padEnd(20);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
