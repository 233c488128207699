import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrames, readMapOutput, writeShuffle, type ShuffleEnv } from '../../executor/index.js';
import { hashPartition, type ShuffleParams } from '../../protocols/driver-executor/index.js';

async function* batches(records: unknown[], size = 500): AsyncGenerator<unknown[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
}

describe('shuffle write: buckets, spills and merge', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-spill-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = (memoryBytes: number): ShuffleEnv => ({
    dir,
    address: 'h:1',
    memoryBytes,
    fetch: async () => [],
    fetchToFile: async () => 0,
  });
  const read = async (file: string, r: number): Promise<unknown[]> => [...decodeFrames(await readMapOutput(dir, file, r))].flat();

  it('combines on the map side through sorted spills, each key once per reducer with its total', async () => {
    const records = Array.from({ length: 30_000 }, (_, i) => [`k${i % 1000}`, 1]);
    const params: ShuffleParams = { shuffleId: 1, numPartitions: 3, partitioner: { kind: 'hash' }, combine: 'aggregate' };
    const add = (a: unknown, b: unknown): unknown => (a as number) + (b as number);
    const out = await writeShuffle(batches(records), params, [(v: unknown) => v, add, add], 7, 2, env(2048));
    expect(out.spills).to.be.greaterThan(3);
    expect(out.file).to.equal('shuffle_1_2_7');
    expect(readdirSync(dir).sort()).to.deep.equal(['shuffle_1_2_7.data', 'shuffle_1_2_7.index']);
    const seen = new Map<string, number>();
    for (let r = 0; r < 3; r++) {
      for (const [k, n] of (await read(out.file, r)) as [string, number][]) {
        expect(hashPartition(k, 3)).to.equal(r);
        expect(seen.has(k)).to.equal(false);
        seen.set(k, n);
      }
    }
    expect(seen.size).to.equal(1000);
    for (const n of seen.values()) expect(n).to.equal(30);
  });

  it('keeps every record when spilling without combining, and sizes match the segments', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => [i, { v: 'x'.repeat(i % 13) }]);
    const params: ShuffleParams = { shuffleId: 2, numPartitions: 4, partitioner: { kind: 'hash' }, combine: 'none' };
    const out = await writeShuffle(batches(records), params, [], 1, 0, env(10_000));
    expect(out.spills).to.be.greaterThan(2);
    let total = 0;
    for (let r = 0; r < 4; r++) {
      const seg = await readMapOutput(dir, out.file, r);
      expect(seg.length).to.equal(out.sizes[r]);
      const got = [...decodeFrames(seg)].flat() as [number, unknown][];
      for (const [k] of got) expect(hashPartition(k, 4)).to.equal(r);
      total += got.length;
    }
    expect(total).to.equal(20_000);
  });

  it('notices combiners that grow (lists of values) and spills them, merging the lists', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => [i % 3, i]);
    const params: ShuffleParams = { shuffleId: 5, numPartitions: 2, partitioner: { kind: 'hash' }, combine: 'aggregate' };
    const create = (v: unknown): unknown => [v];
    const push = (c: unknown, v: unknown): unknown => {
      (c as unknown[]).push(v);
      return c;
    };
    const concat = (a: unknown, b: unknown): unknown => (a as unknown[]).concat(b);
    const out = await writeShuffle(batches(records), params, [create, push, concat], 1, 0, env(16_384));
    expect(out.spills).to.be.greaterThan(2);
    const got = new Map<number, number[]>();
    for (let r = 0; r < 2; r++) for (const [k, l] of (await read(out.file, r)) as [number, number[]][]) got.set(k, l);
    expect([...got.keys()].sort()).to.deep.equal([0, 1, 2]);
    for (const [k, l] of got) {
      expect(l).to.have.length(k < 20_000 % 3 ? 6667 : 6666);
      expect(l.every((v) => v % 3 === k)).to.equal(true);
    }
  });

  it('uses the zero value of aggregateByKey fresh for every key', async () => {
    const params: ShuffleParams = {
      shuffleId: 3,
      numPartitions: 1,
      partitioner: { kind: 'hash' },
      combine: 'aggregate',
      zero: { value: [] },
    };
    const push = (a: unknown, v: unknown): unknown => {
      (a as unknown[]).push(v);
      return a;
    };
    const concat = (a: unknown, b: unknown): unknown => (a as unknown[]).concat(b);
    const out = await writeShuffle(
      batches(
        [
          ['a', 1],
          ['b', 2],
          ['a', 3],
        ],
        1,
      ),
      params,
      [push, push, concat],
      1,
      0,
      env(1 << 20),
    );
    const got = new Map((await read(out.file, 0)) as [string, number[]][]);
    expect(got).to.deep.equal(
      new Map([
        ['a', [1, 3]],
        ['b', [2]],
      ]),
    );
  });

  it('refuses records that are not [key, value] pairs', async () => {
    const params: ShuffleParams = { shuffleId: 4, numPartitions: 2, partitioner: { kind: 'hash' }, combine: 'none' };
    let err: Error | undefined;
    await writeShuffle(batches(['plain']), params, [], 1, 0, env(1 << 20)).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/\[key, value\] pairs/);
  });
});
