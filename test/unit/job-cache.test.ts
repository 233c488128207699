import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import type { DriverRuntime } from '../../appmaster/driver/runtime.js';
import { BlockStore, computePartition, SourceCache, type PreparedNode, type PreparedStage } from '../../executor/index.js';
import type { StagePlan } from '../../protocols/driver-executor/index.js';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

/** "job N (label) succeeded: B byte(s) of input read" lines of a run, as [label, bytes]. */
function inputReads(logs: string[]): [string, number][] {
  return logs.flatMap((l) => {
    const m = /^job \d+ \((.+)\) succeeded: (\d+) byte\(s\) of input read$/.exec(l);
    return m ? [[m[1]!, Number(m[2])] as [string, number]] : [];
  });
}

describe('cache and persist (in process)', function () {
  this.timeout(30_000);
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${i % 7 === 0 ? 'ERROR' : 'ok'}`);

  it('the second action over a cached dataset reads no input, runs on the executors holding it, and gives the same result', async () => {
    const fs = new FakeFs(1024);
    fs.put('/in/a.txt', `${lines.join('\n')}\n`);
    let runtime: DriverRuntime | undefined;
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const parsed = ctx.textFile('/in/a.txt').map((l) => l.split(' ')).cache();
         const first = await parsed.filter((w) => w[2] === 'ERROR').count();
         const second = await parsed.filter((w) => w[2] === 'ERROR').count();
         const all = await parsed.map((w) => Number(w[1])).reduce((a, b) => a + b);
         return { first, second, all, level: parsed.storageLevel() };
       }`,
      { fs, executors: 2, localityWaitMs: 60_000, onRuntime: (r) => (runtime = r) },
    );
    expect(run.error).to.equal(undefined);
    const errors = lines.filter((l) => l.endsWith('ERROR')).length;
    expect(run.result).to.deep.equal({ first: errors, second: errors, all: (399 * 400) / 2, level: 'MEMORY_AND_DISK' });
    const parts = Math.ceil(fs.entries.get('/in/a.txt')!.data.length / 1024);
    expect(parts).to.be.greaterThan(2);
    expect(fs.opened, 'each split read once, by the first action').to.have.length(parts);
    const reads = inputReads(run.logs);
    expect(reads.map((r) => r[0])).to.deep.equal(['count', 'count', 'reduce']);
    expect(reads[0]![1]).to.be.greaterThan(0);
    expect(reads[1]![1]).to.equal(0);
    expect(reads[2]![1]).to.equal(0);
    // The driver knows where each partition is, and the executors hold exactly those.
    const cache = runtime!.engine.cache;
    let held = 0;
    for (const [id, store] of run.blockStores) {
      for (let p = 0; p < parts; p++) {
        const holds = cache.holders(2, p).includes(id);
        expect(store.has(2, p), `executor ${id} partition ${p}`).to.equal(holds);
        if (holds) held++;
      }
    }
    expect(held).to.equal(parts);
  });

  it('unpersist() drops the blocks on every executor, and the next action reads the input again', async () => {
    const fs = new FakeFs(1024);
    fs.put('/in/a.txt', `${lines.join('\n')}\n`);
    let runtime: DriverRuntime | undefined;
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const parsed = ctx.textFile('/in/a.txt').map((l) => l.length).persist();
         const a = await parsed.count();
         const b = await parsed.count();
         parsed.unpersist();
         const c = await parsed.count();
         return [a, b, c, parsed.storageLevel() ?? null];
       }`,
      // Wait for the executor holding each block (as the first test): without delay scheduling, the
      // second count's task may start on the other executor and compute its partition from the input.
      { fs, localityWaitMs: 60_000, onRuntime: (r) => (runtime = r) },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal([400, 400, 400, null]);
    const reads = inputReads(run.logs).map((r) => r[1]);
    expect(reads[0]).to.be.greaterThan(0);
    expect(reads[1]).to.equal(0);
    expect(reads[2], 'read again after unpersist').to.equal(reads[0]);
    for (const [id] of run.blockStores) expect(runtime!.engine.cache.holdsBlocks(id), `executor ${id}`).to.equal(false);
    for (const [id, store] of run.blockStores) expect(store.stats().memoryBytes, `executor ${id}`).to.equal(0);
  });

  it('a budget smaller than the data spills to disk and gives exact results; take() stores nothing', async () => {
    const fs = new FakeFs(512);
    fs.put('/in/a.txt', `${lines.join('\n')}\n`);
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const parsed = ctx.textFile('/in/a.txt').map((l) => ({ line: l, pad: 'x'.repeat(100) })).persist();
         const firstOne = await parsed.take(1);
         const sum1 = await parsed.map((r) => r.line.length).reduce((a, b) => a + b);
         const sum2 = await parsed.map((r) => r.line.length).reduce((a, b) => a + b);
         return { firstOne: firstOne[0].line, sum1, sum2 };
       }`,
      { fs, cacheMemoryBytes: 4096, localityWaitMs: 60_000 },
    );
    expect(run.error).to.equal(undefined);
    const sum = lines.reduce((n, l) => n + l.length, 0);
    expect(run.result).to.deep.equal({ firstOne: 'line 0 ERROR', sum1: sum, sum2: sum });
    const reads = inputReads(run.logs).map((r) => r[1]);
    expect(reads[1], 'take read a partition without keeping it').to.be.greaterThan(0);
    expect(reads[2], 'the second reduce reads everything from the cache').to.equal(0);
    let spilled = 0;
    for (const store of run.blockStores.values()) {
      expect(store.stats().memoryBytes).to.be.at.most(4096);
      spilled += store.stats().spilled + (store.stats().diskBytes > 0 ? 1 : 0);
    }
    expect(spilled).to.be.greaterThan(0);
  });

  it('refuses to change the storage level of a persisted dataset, and an unknown level', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const d = ctx.range(10).persist('DISK_ONLY');
         d.persist('DISK_ONLY');
         try { d.cache(); } catch (e) { return e.message; }
       }`,
    );
    expect(run.result).to.match(/already persisted as DISK_ONLY; unpersist\(\) it before choosing MEMORY_AND_DISK/);
    const bad = await runLocalJob(`export default async (ctx) => ctx.range(10).persist('OFF_HEAP');`);
    expect(bad.error?.message).to.match(/persist: unknown storage level OFF_HEAP \(use MEMORY_AND_DISK or DISK_ONLY\)/);
  });
});

describe('cache and persist: the plan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-plan-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** range(0..20) → map(x * 2) [persisted] → filter(x % 3 == 0), one partition per 10 numbers. */
  const stage = (calls: { map: number }): PreparedStage => {
    const nodes: PreparedNode[] = [
      { id: 1, op: 'range', params: null, parents: [], numPartitions: 2, fns: [] },
      {
        id: 2,
        op: 'map',
        params: null,
        parents: [1],
        numPartitions: 2,
        persist: 'MEMORY_AND_DISK',
        fns: [
          (x: unknown) => {
            calls.map++;
            return (x as number) * 2;
          },
        ],
      },
      { id: 3, op: 'filter', params: null, parents: [2], numPartitions: 2, fns: [(x: unknown) => (x as number) % 3 === 0] },
    ];
    return { plan: {} as StagePlan, nodes: new Map(nodes.map((n) => [n.id, n])), action: { kind: 'count', fns: [], params: null } };
  };
  const drain = async (s: AsyncIterable<unknown[]>): Promise<unknown[]> => {
    const out: unknown[] = [];
    for await (const b of s) out.push(...b);
    return out;
  };
  const ctx = (inputs: [string, unknown][], blocks?: BlockStore) => ({
    inputs: new Map(inputs),
    fs: {} as never,
    cache: new SourceCache(),
    metrics: { bytesRead: 0 },
    stored: [] as { nodeId: number; partition: number; bytes: number }[],
    ...(blocks ? { blocks } : {}),
  });

  it('a persisted node cuts the lineage on an executor holding its partition: its parents and source are not touched', async () => {
    const calls = { map: 0 };
    const blocks = new BlockStore(join(dir, 'b'), 1 << 20);
    const first = ctx([['1:1', { start: 10, end: 20 }]], blocks);
    const expected = [24, 30, 36];
    expect(await drain(computePartition(stage(calls), 3, 1, first))).to.deep.equal(expected);
    expect(calls.map).to.equal(10);
    expect(first.stored.map((b) => [b.nodeId, b.partition])).to.deep.equal([[2, 1]]);
    // The block holds the persisted node's records (the filter after it was not fused into it).
    const kept: unknown[] = [];
    for await (const c of blocks.read(2, 1)!) kept.push(...(deserialize(c) as unknown[]));
    expect(kept).to.deep.equal(Array.from({ length: 10 }, (_, i) => (10 + i) * 2));
    // No input at all for the source: computing it would throw; the holder never needs it.
    const second = ctx([], blocks);
    expect(await drain(computePartition(stage(calls), 3, 1, second))).to.deep.equal(expected);
    expect(calls.map, 'the map function did not run again').to.equal(10);
    expect(second.stored, 'nothing stored twice').to.deep.equal([]);
    // An executor without the block computes the partition from its lineage (here: it needs the source's input).
    const elsewhere = ctx([], new BlockStore(join(dir, 'c'), 1 << 20));
    let caught: unknown;
    try {
      await drain(computePartition(stage(calls), 3, 1, elsewhere));
    } catch (err) {
      caught = err;
    }
    expect((caught as Error)?.message).to.match(/the task has no input for range partition 1/);
  });

  it('a partition read only in part (take) is not kept', async () => {
    const calls = { map: 0 };
    const blocks = new BlockStore(join(dir, 'b'), 1 << 20);
    const c = ctx([['1:0', { start: 0, end: 5000 }]], blocks);
    for await (const b of computePartition(stage(calls), 3, 0, c)) {
      expect(b.length).to.be.greaterThan(0);
      break;
    }
    expect(c.stored).to.deep.equal([]);
    expect(blocks.has(2, 0)).to.equal(false);
  });
});
