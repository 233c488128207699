import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combineSorted, mergeSorted } from '../../executor/merge.js';
import { ReduceSorter } from '../../executor/reduce-sorter.js';
import { bytesInFlightLimit, largeSegmentBytes } from '../../executor/shuffle-reader.js';
import { encodeFrame, plainRecord, readShuffle, SpilledValues, TaskScratch, type ShuffleEnv } from '../../executor/index.js';
import type { ShuffleParams } from '../../protocols/driver-executor/index.js';

/** The reduce side within a memory budget: huge groups, combiners past the budget, big segments. */
describe('shuffle memory bounds (reduce side)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-shmem-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
    const out: T[] = [];
    for await (const b of it) out.push(...b);
    return out;
  }

  it('streams a group larger than memory from disk, as often as it is iterated, until the task ends', async () => {
    const scratch = new TaskScratch(dir, 'task_1');
    const s = new ReduceSorter({ order: 'group', dir, memoryBytes: 40_000, scratch });
    const records: [unknown, unknown][] = [];
    for (let i = 0; i < 30_000; i++) records.push([i % 10 === 0 ? `small${i % 7}` : 'hot', `v${i}`]);
    for (let i = 0; i < records.length; i += 1000) await s.add(records.slice(i, i + 1000));
    expect(s.spills).to.be.greaterThan(3);
    const groups = await collect(s.sorted());
    await s.cleanup();
    expect(s.spilledGroups).to.equal(1);
    const hot = groups.find(([k]) => k === 'hot')![1] as SpilledValues<string>;
    expect(hot).to.be.instanceOf(SpilledValues);
    expect(hot.length).to.equal(27_000);
    const expected = records.filter(([k]) => k === 'hot').map(([, v]) => v as string);
    expect([...hot].sort()).to.deep.equal([...expected].sort());
    expect(hot.reduce((n: number, v: string) => n + v.length, 0)).to.equal(expected.reduce((n, v) => n + v.length, 0));
    expect(hot.some((v) => v === 'v1')).to.equal(true);
    expect(hot.includes('v10')).to.equal(false);
    expect(hot.filter((v) => v.endsWith('99')).length).to.equal(expected.filter((v) => v.endsWith('99')).length);
    expect(JSON.parse(JSON.stringify(hot))).to.have.length(27_000);
    const plain = plainRecord(['hot', hot]) as [string, string[]];
    expect(Array.isArray(plain[1])).to.equal(true);
    expect(plain[1]).to.have.length(27_000);
    for (const [k, vs] of groups) if (k !== 'hot') expect(Array.isArray(vs)).to.equal(true);
    expect(groups.filter(([k]) => k !== 'hot').reduce((n, [, vs]) => n + (vs as unknown[]).length, 0)).to.equal(3000);
    // The runs are gone, the group stays readable until the task's scratch is cleared.
    expect(readdirSync(dir).filter((f) => f.includes('.run'))).to.deep.equal([]);
    expect([...hot].length).to.equal(27_000);
    await scratch.clear();
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('keeps small groups in memory when nothing was spilled', async () => {
    const s = new ReduceSorter({ order: 'group', dir, memoryBytes: 1 << 24 });
    await s.add([
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ]);
    const groups = await collect(s.sorted());
    expect(groups).to.deep.equal([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    expect(s.spilledGroups).to.equal(0);
  });

  it('merges sorted frames from several sources and combines equal canonical keys', async () => {
    async function* frames(xs: number[][]): AsyncGenerator<number[]> {
      yield* xs;
    }
    const merged = await collect(
      mergeSorted([frames([[1, 4], [], [9]]), frames([[2, 3, 10]]), frames([]), frames([[0], [5, 6]])], (a, b) => a - b),
    );
    expect(merged).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 9, 10]);
    async function* triples(): AsyncGenerator<unknown[][]> {
      yield [
        ['sa', 'a', 1],
        ['sa', 'a', 2],
      ];
      yield [
        ['sa', 'a', 3],
        ['sb', 'b', 4],
      ];
    }
    expect(await collect(combineSorted(triples(), (x, y) => (x as number) + (y as number)))).to.deep.equal([
      ['a', 6],
      ['b', 4],
    ]);
  });

  /** A reducer's input: `maps` map outputs of `perMap` [key, value] records each, as segments. */
  function fakeShuffle(
    records: [unknown, unknown][][],
    memoryBytes: number,
  ): {
    env: ShuffleEnv;
    notes: string[];
    toFile: string[];
    input: { reduceId: number; sources: { executorId: string; address: string; files: string[]; bytes: number }[] };
  } {
    const segments = new Map<string, Buffer>();
    const sources = records.map((rs, m) => {
      const frames: Buffer[] = [];
      for (let i = 0; i < rs.length; i += 500) frames.push(encodeFrame(rs.slice(i, i + 500)));
      const seg = Buffer.concat(frames);
      segments.set(`shuffle_1_${m}_${m}`, seg);
      return { executorId: String(m % 2), address: `h${m % 2}:1`, files: [`shuffle_1_${m}_${m}`], bytes: seg.length };
    });
    const notes: string[] = [];
    const toFile: string[] = [];
    const env: ShuffleEnv = {
      dir,
      address: 'me:1',
      memoryBytes,
      scratch: new TaskScratch(dir, 'task_9'),
      note: (m) => notes.push(m),
      fetch: async (_a, files) => files.map((f) => segments.get(f)!),
      fetchToFile: async (_a, file, _r, path) => {
        toFile.push(file);
        writeFileSync(path, segments.get(file)!);
        return segments.get(file)!.length;
      },
    };
    return { env, notes, toFile, input: { reduceId: 0, sources } };
  }

  const params = (combine: ShuffleParams['combine'], sort?: 'asc' | 'desc'): ShuffleParams => ({
    shuffleId: 1,
    numPartitions: 1,
    partitioner: { kind: 'hash' },
    combine,
    ...(sort ? { sort } : {}),
  });

  it('combines on the reduce side past the budget through sorted runs, each key once with its total', async () => {
    const maps: [unknown, unknown][][] = [];
    for (let m = 0; m < 6; m++) maps.push(Array.from({ length: 5000 }, (_, i) => [`key-${(i * 7 + m) % 9000}`, 1] as [unknown, unknown]));
    const { env, notes, input } = fakeShuffle(maps, 64 * 1024);
    const add = (a: unknown, b: unknown): unknown => (a as number) + (b as number);
    const got = await collect(readShuffle(input, params('aggregate'), [(v: unknown) => v, add, add], env));
    const expected = new Map<string, number>();
    for (const rs of maps) for (const [k] of rs) expected.set(k as string, (expected.get(k as string) ?? 0) + 1);
    expect(got).to.have.length(expected.size);
    expect(new Map(got as [string, number][])).to.deep.equal(expected);
    expect(notes.join('\n')).to.match(/[1-9]\d* run\(s\) spilled/);
    await env.scratch!.clear();
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('sorts reduce-side combiners when asked, also after spilling', async () => {
    const maps: [unknown, unknown][][] = [Array.from({ length: 8000 }, (_, i) => [(i * 7919) % 4001, 1] as [unknown, unknown])];
    const { env, input } = fakeShuffle(maps, 32 * 1024);
    const add = (a: unknown, b: unknown): unknown => (a as number) + (b as number);
    const got = (await collect(readShuffle(input, params('aggregate', 'desc'), [(v: unknown) => v, add, add], env))) as [number, number][];
    expect(got).to.have.length(4001);
    for (let i = 1; i < got.length; i++) expect(got[i - 1]![0]).to.be.greaterThan(got[i]![0]);
    expect(got.reduce((n, [, c]) => n + c, 0)).to.equal(8000);
  });

  it('passes records through (repartition) keeping segments past the budget on disk, and fetches large segments to disk', async () => {
    const maps: [unknown, unknown][][] = [];
    for (let m = 0; m < 5; m++) maps.push(Array.from({ length: 4000 }, (_, i) => [m * 4000 + i, 'x'.repeat(i % 50)] as [unknown, unknown]));
    // Budget ~ one segment: some segments stay in memory, some go to the kept file, and the
    // largest ones are fetched straight to disk (over a quarter of the budget, at least 1 MiB).
    const { env, notes, toFile, input } = fakeShuffle(maps, 4 * 1024 * 1024);
    input.sources[4]!.bytes = largeSegmentBytes(env) + 1; // declared large: fetched to a file
    const got = (await collect(readShuffle(input, params('none'), [], env))) as [number, string][];
    expect(got.map(([k]) => k).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20_000 }, (_, i) => i));
    expect(toFile).to.deep.equal(['shuffle_1_4_4']);
    expect(notes.join('\n')).to.match(/1 segment\(s\) fetched to disk/);
    expect(bytesInFlightLimit(env)).to.equal(4 * 1024 * 1024);
  });

  it('keeps fetched segments on disk once they pass the budget (repartition)', async () => {
    const maps: [unknown, unknown][][] = [];
    for (let m = 0; m < 8; m++) maps.push(Array.from({ length: 2000 }, (_, i) => [i, `${m}:${i}`] as [unknown, unknown]));
    const { env, notes, input } = fakeShuffle(maps, 40 * 1024);
    const got = (await collect(readShuffle(input, params('none'), [], env))) as [number, string][];
    expect(got).to.have.length(16_000);
    expect(new Set(got.map(([, v]) => v)).size).to.equal(16_000);
    expect(notes.join('\n')).to.match(/[1-9]\d* kept on disk/);
    await env.scratch!.clear();
    expect(existsSync(dir) && readdirSync(dir)).to.deep.equal([]);
  });
});
