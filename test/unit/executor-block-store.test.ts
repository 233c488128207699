import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { BlockStore } from '../../executor/index.js';

/** A block of `n` batches of records [tag, i], and its size. */
function chunksOf(tag: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => serialize([tag, i, 'x'.repeat(200)]));
}

async function readAll(store: BlockStore, nodeId: number, p: number): Promise<unknown[] | undefined> {
  const it = store.read(nodeId, p);
  if (!it) return undefined;
  const out: unknown[] = [];
  for await (const c of it) out.push(deserialize(c));
  return out;
}

describe('executor block store (cached partitions)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-blocks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const size = (chunks: Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);

  it('keeps blocks in memory within the budget and reads them back in order', async () => {
    const a = chunksOf('a', 3);
    const store = new BlockStore(join(dir, 'b'), 10 * size(a));
    expect(await store.put(1, 0, a, 'MEMORY_AND_DISK')).to.equal(size(a));
    expect(store.has(1, 0)).to.equal(true);
    expect(store.has(1, 1)).to.equal(false);
    expect(await readAll(store, 1, 0)).to.deep.equal(a.map((c) => deserialize(c)));
    expect(await readAll(store, 1, 1)).to.equal(undefined);
    expect(store.stats()).to.deep.equal({ memoryBytes: size(a), diskBytes: 0, spilled: 0 });
    expect(readdirSync(dir), 'nothing on disk').to.deep.equal([]);
  });

  it('moves the least recently used blocks to disk above the budget, and reads them back from there', async () => {
    const blocks = [0, 1, 2, 3].map((p) => chunksOf(`p${p}`, 4));
    const one = size(blocks[0]!);
    const store = new BlockStore(join(dir, 'b'), 2 * one + 10);
    await store.put(7, 0, blocks[0]!, 'MEMORY_AND_DISK');
    await store.put(7, 1, blocks[1]!, 'MEMORY_AND_DISK');
    // Reading partition 0 makes partition 1 the least recently used.
    await readAll(store, 7, 0);
    await store.put(7, 2, blocks[2]!, 'MEMORY_AND_DISK');
    expect(store.memoryBlocks()).to.deep.equal([
      [7, 0],
      [7, 2],
    ]);
    await store.put(7, 3, blocks[3]!, 'MEMORY_AND_DISK');
    expect(store.memoryBlocks()).to.deep.equal([
      [7, 2],
      [7, 3],
    ]);
    expect(store.stats()).to.deep.equal({ memoryBytes: 2 * one, diskBytes: 2 * one, spilled: 2 });
    expect(readdirSync(join(dir, 'b')).sort()).to.deep.equal(['rdd_7_0', 'rdd_7_1']);
    for (const p of [0, 1, 2, 3]) {
      expect(await readAll(store, 7, p), `partition ${p}`).to.deep.equal(blocks[p]!.map((c) => deserialize(c)));
    }
  });

  it('writes a block larger than the whole budget, and DISK_ONLY blocks, straight to disk', async () => {
    const big = chunksOf('big', 8);
    const small = chunksOf('small', 1);
    const store = new BlockStore(join(dir, 'b'), size(big) - 1);
    await store.put(1, 0, small, 'MEMORY_AND_DISK');
    await store.put(1, 1, big, 'MEMORY_AND_DISK');
    await store.put(2, 0, small, 'DISK_ONLY');
    expect(store.memoryBlocks()).to.deep.equal([[1, 0]]);
    expect(store.stats()).to.deep.equal({ memoryBytes: size(small), diskBytes: size(big) + size(small), spilled: 0 });
    expect(await readAll(store, 1, 1)).to.deep.equal(big.map((c) => deserialize(c)));
    expect(await readAll(store, 2, 0)).to.deep.equal(small.map((c) => deserialize(c)));
  });

  it('with a budget of 0 keeps everything but empty partitions on disk; empty chunks survive the round trip', async () => {
    const store = new BlockStore(join(dir, 'b'), 0);
    await store.put(1, 0, [], 'MEMORY_AND_DISK');
    await store.put(1, 1, [Buffer.alloc(0), serialize([1])], 'MEMORY_AND_DISK');
    expect(store.memoryBlocks(), 'an empty partition takes no memory').to.deep.equal([[1, 0]]);
    expect(readdirSync(join(dir, 'b'))).to.deep.equal(['rdd_1_1']);
    expect(await readAll(store, 1, 0)).to.deep.equal([]);
    const it = store.read(1, 1)!;
    const got: Buffer[] = [];
    for await (const c of it) got.push(c);
    expect(got.map((c) => c.length)).to.deep.equal([0, serialize([1]).length]);
  });

  it('keeps the first copy of a partition stored twice', async () => {
    const store = new BlockStore(join(dir, 'b'), 1 << 20);
    await store.put(1, 0, chunksOf('first', 1), 'MEMORY_AND_DISK');
    await store.put(1, 0, chunksOf('second', 2), 'MEMORY_AND_DISK');
    expect(await readAll(store, 1, 0)).to.deep.equal(chunksOf('first', 1).map((c) => deserialize(c)));
    expect(store.stats().memoryBytes).to.equal(size(chunksOf('first', 1)));
  });

  it('drops every block of a dataset from memory and disk (unpersist), and only that dataset', async () => {
    const a = chunksOf('a', 2);
    const store = new BlockStore(join(dir, 'b'), size(a) + 1);
    await store.put(1, 0, a, 'MEMORY_AND_DISK');
    await store.put(1, 1, a, 'MEMORY_AND_DISK');
    await store.put(2, 0, a, 'DISK_ONLY');
    expect(readdirSync(join(dir, 'b')).sort()).to.deep.equal(['rdd_1_0', 'rdd_2_0']);
    await store.drop(1);
    expect(store.has(1, 0)).to.equal(false);
    expect(store.has(1, 1)).to.equal(false);
    expect(store.has(2, 0)).to.equal(true);
    expect(readdirSync(join(dir, 'b'))).to.deep.equal(['rdd_2_0']);
    expect(store.stats()).to.deep.equal({ memoryBytes: 0, diskBytes: size(a), spilled: 1 });
  });

  it('refuses a negative budget', () => {
    expect(() => new BlockStore(dir, -1)).to.throw(RangeError, /budget must be >= 0/);
  });
});
