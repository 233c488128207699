/** Fault injection on the compose cluster (scripts/compose) for the multi-host tests. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { runScript } from '../chaos/processes.js';
import { repoRoot, testCluster } from '../integration/cluster.js';
import { statusExecutors, whenStatus, type StatusExecutor } from '../integration/fault-helpers.js';
import { amContainer, openHarness, type JobHarness } from '../integration/job-harness.js';

/** Runs scripts/compose against the cluster the tests use (its directory holds the client configuration). */
export function compose(...args: string[]): Promise<void> {
  return runScript(join(repoRoot, 'scripts', 'compose'), args, { SPINDLE_COMPOSE_DIR: dirname(testCluster().confDir) });
}

/** The worker (1 to 3) whose address is `host`, from the NodeManagers' configuration. */
export function workerAt(host: string): number {
  const i = testCluster().nodeManagerHttp.findIndex((u) => new URL(u).hostname === host);
  expect(i, `a worker at ${host}`).to.be.at.least(0);
  return i + 1;
}

/** A word count whose map stage (16 tasks) and reduce stage (4) each last seconds. */
export const SLOW_WORDCOUNT = `
const slow = (x, ms) => { const end = performance.now() + ms; while (performance.now() < end); return x; };
export default async function main(ctx, [input]) {
  const counts = ctx.textFile(input, { minPartitions: 16 }).flatMap((l) => l.split(' ')).map((w) => [slow(w, 0.1), 1]).reduceByKey((a, b) => a + b, 4);
  return counts.mapValues((n) => slow(n, 2)).collect();
}`;

export const LINES = 16_000;
export const lineOf = (i: number): string => `a${i % 7} b${i % 13} w${i % 1500} c${i % 2}`;

/** The input text: blocks of 64 KB (about 5), two replicas each on the three workers. */
export function inputText(): Buffer {
  return Buffer.from(`${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`);
}

export function expectExactCounts(result: unknown): void {
  const want = new Map<string, number>();
  for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) want.set(w, (want.get(w) ?? 0) + 1);
  expect(new Map(result as [string, number][])).to.deep.equal(want);
  expect(result, 'no key counted twice').to.have.length(want.size);
}

/** The input file of a multi-host test, on HDFS for the file's tests, with what its after hook puts back. */
export interface InputFixture {
  readonly h: JobHarness;
  /** `<base>/text.txt`: inputText() in 64 KiB blocks (several per worker). */
  readonly input: string;
  /** Run in the after hook, before the input goes (a host started again, its network healed). */
  restore(step: () => Promise<void>): void;
}

/** Registers a multi-host test file's before/after hooks (call it inside its describe). */
export function inputFixture(name: string): InputFixture {
  const base = `/tmp/spindle-it-${name}-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const steps: (() => Promise<void>)[] = [];
  let harness: JobHarness | undefined;
  before(async () => {
    harness = openHarness();
    await harness.hdfs.mkdirs(base);
    await harness.hdfs.create(input, inputText(), { blockSize: 64 * 1024 });
  });
  after(async () => {
    for (const step of steps) await step();
    if (!harness) return;
    await harness.hdfs.delete(base, { recursive: true }).catch(() => {});
    await harness.close();
  });
  return {
    get h(): JobHarness {
      if (!harness) throw new Error('the input fixture is used before its before hook ran');
      return harness;
    },
    input,
    restore: (step) => {
      steps.push(step);
    },
  };
}

/**
 * Waits until an executor on a host other than the AM's holds map output while the map stage has 6+
 * tasks to go: the victim of a host fault that must cost map output but not the driver.
 */
export async function mapOutputVictim(h: JobHarness, appId: string): Promise<StatusExecutor> {
  await whenStatus(h, appId, 'the AM running', (s) => (s.state === 'running' ? true : undefined));
  const amHost = new URL((await amContainer(h, appId)).nodeHttp).hostname;
  return whenStatus(h, appId, 'map output on a host other than the AM’s while the map stage runs', (s) => {
    const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
    if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
    return statusExecutors(s).find((e) => e.mapOutputs > 0 && e.host !== amHost);
  });
}
