/**
 * The job the HA tests run through `spindle submit` (followed by the CLI, as a user would): a word
 * count whose map tasks, once started, wait for a "go" file the test writes after its fault, so that
 * every task reads its input, and the reduce stage writes its output, after the fault; then the
 * driver reads the saved output back. Everything it returns is exact and known in advance.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppJanitor, spindle, type CliResult } from '../integration/cli-helpers.js';
import { clusterCommand, waitForHealthyCluster } from '../integration/cluster.js';
import { openHarness, type JobHarness } from '../integration/job-harness.js';
import { waitFor } from './ha-cluster.js';

const JOB = `
import { existsSync, writeFileSync } from 'node:fs';
const waitFor = async (file) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 100)); };
export default async function main(ctx, [input, output, markers]) {
  const counts = ctx
    .textFile(input, { minPartitions: 4 })
    .mapPartitionsWithIndex(async function* (i, lines) {
      writeFileSync(markers + '/started-' + i, '');
      await waitFor(markers + '/go');
      for await (const line of lines) yield line;
    }, { markers })
    .flatMap((line) => line.split(' '))
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b, 3);
  await counts.saveAsTextFile(output);
  const saved = await ctx.textFile(output).count();
  const sorted = (await counts.collect()).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { counts: sorted, saved };
}
`;

const WORDS = ['alpha', 'beta', 'gamma', 'été', '日本', 'z'];
export const LINES = 6000;
const lineOf = (i: number): string => `${WORDS[i % 6]} ${WORDS[(i * 7) % 5]} w${i % 700}`;

/** The input file's text. */
export function inputText(): string {
  return `${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`;
}

/** What the job returns, computed here. */
export function expectedResult(): { counts: [string, number][]; saved: number } {
  const m = new Map<string, number>();
  for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  const counts = [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { counts, saved: counts.length };
}

export interface RunningJob {
  /** The application id, as the CLI printed it. */
  appId: string;
  /** Local directory of the tasks' marker files. */
  markers: string;
  /** Resolves when `spindle submit` exits. */
  done: Promise<CliResult>;
  /** Lets the waiting map tasks go on. */
  go(): void;
}

/**
 * Starts `spindle submit` on the job and resolves once the CLI has named the application and at least
 * one map task has started (and so waits for `go`).
 */
export async function startJob(input: string, output: string, tags: string): Promise<RunningJob> {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-ha-'));
  const markers = join(dir, 'markers');
  const file = join(dir, 'job.mjs');
  writeFileSync(file, JOB);
  mkdirSync(markers);
  let appId: string | undefined;
  let exited: CliResult | undefined;
  const done = spindle(
    ['submit', '--tags', tags, '--executors', '2', '--executor-memory', '256m', '--driver-memory', '640m', file, input, output, markers],
    {
      timeoutMs: 280_000,
      onStderr: (all) => {
        appId ??= /(application_\d+_\d+) submitted/.exec(all)?.[1];
      },
    },
  ).then((r) => {
    exited = r;
    return r;
  });
  await waitFor('the first map task to start', () => {
    if (exited) throw new Error(`spindle submit exited (${exited.code}) before any task started:\n${exited.stderr}`);
    return appId !== undefined && readdirSync(markers).some((f) => f.startsWith('started-')) ? true : undefined;
  });
  return {
    appId: appId!,
    markers,
    done,
    go: () => {
      if (!existsSync(join(markers, 'go'))) writeFileSync(join(markers, 'go'), '');
    },
  };
}

/** What the failover files share: the input on HDFS, and everything put back after them. */
export interface FailoverFixture {
  readonly h: JobHarness;
  readonly janitor: AppJanitor;
  /** The HDFS directory of this file's input (`<base>/text.txt`) and output. */
  readonly base: string;
  /** The daemon the test killed: started again after the file, for the next one needs it (as standby). */
  killed(daemon: string): void;
}

/** Registers the before/after hooks of a failover file (call it inside its describe). */
export function failoverFixture(name: string): FailoverFixture {
  const base = `/tmp/spindle-ha-${name}-${randomBytes(4).toString('hex')}`;
  const janitor = new AppJanitor();
  let harness: JobHarness | undefined;
  let killed: string | undefined;
  before(async () => {
    harness = openHarness();
    await harness.hdfs.mkdirs(base);
    await harness.hdfs.create(`${base}/text.txt`, Buffer.from(inputText()));
  });
  after(async () => {
    await janitor.cleanUp();
    if (harness) {
      await harness.hdfs.delete(base, { recursive: true }).catch(() => {});
      await harness.close();
    }
    if (killed) clusterCommand('start', killed);
    await waitForHealthyCluster();
  });
  return {
    get h(): JobHarness {
      if (!harness) throw new Error('the HA fixture is used before its before hook ran');
      return harness;
    },
    janitor,
    base,
    killed: (daemon) => {
      killed = daemon;
    },
  };
}
