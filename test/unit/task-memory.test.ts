import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrames, defaultShuffleMemory, readMapOutput, TaskMemory, writeShuffle, type ShuffleEnv } from '../../executor/index.js';
import { heapSize } from '../../executor/heap-size.js';
import { ReduceSorter } from '../../executor/reduce-sorter.js';
import type { ShuffleParams } from '../../protocols/driver-executor/index.js';

async function* batches(records: unknown[], size = 500): AsyncGenerator<unknown[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
}

describe('task memory: one shuffle budget shared by what a task holds at once', () => {
  it('gives a holder the budget less what the others hold, never under a quarter of it', () => {
    const m = new TaskMemory(1000);
    const a = {};
    const b = {};
    expect(m.update(a, 0)).to.equal(1000);
    expect(m.update(a, 600)).to.equal(1000);
    expect(m.update(b, 100)).to.equal(400);
    expect(m.update(a, 900)).to.equal(900);
    expect(m.update(b, 50)).to.equal(250); // the floor: 1000 - 900 would leave 100
    expect(m.usage).to.deep.equal({ heldBytes: 950, peakBytes: 1000 });
    m.release(a);
    expect(m.update(b, 50)).to.equal(1000);
    m.release(b);
    m.release(b);
    expect(m.usage.heldBytes).to.equal(0);
  });

  it('defaults to a quarter of a task thread’s heap', () => {
    expect(defaultShuffleMemory(768 * 2 ** 20, 1)).to.equal(192 * 2 ** 20);
    expect(defaultShuffleMemory(768 * 2 ** 20, 2)).to.equal(96 * 2 ** 20);
    expect(defaultShuffleMemory(160 * 2 ** 20, 0)).to.equal(40 * 2 ** 20);
  });

  describe('with the shuffle structures', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-task-memory-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const env = (memoryBytes: number, memory?: TaskMemory): ShuffleEnv => ({
      dir,
      address: 'h:1',
      memoryBytes,
      ...(memory ? { memory } : {}),
      fetch: async () => [],
      fetchToFile: async () => 0,
    });
    const records = Array.from({ length: 20_000 }, (_, i) => [i, 'v'.repeat(40) + i]);
    const params: ShuffleParams = { shuffleId: 3, numPartitions: 2, partitioner: { kind: 'hash' }, combine: 'none' };

    it('a map-side writer spills sooner while the reduce side holds memory, keeps every record, and lets go at the end', async () => {
      const budget = 400_000;
      const alone = await writeShuffle(batches(records), params, [], 1, 0, env(budget, new TaskMemory(budget)));
      const memory = new TaskMemory(budget);
      const reduceSide = {};
      memory.update(reduceSide, budget); // e.g. a sorter whose output feeds this writer
      const shared = await writeShuffle(batches(records), params, [], 2, 0, env(budget, memory));
      expect(alone.spills).to.be.greaterThan(0);
      expect(shared.spills).to.be.greaterThan(alone.spills * 2);
      let total = 0;
      for (let r = 0; r < 2; r++) total += [...decodeFrames(await readMapOutput(dir, shared.file, r))].flat().length;
      expect(total).to.equal(records.length);
      expect(memory.usage.heldBytes).to.equal(budget); // the writer released its share
      // Its share was the floor (a quarter); it overshoots by what arrives between checkpoints and while
      // its size estimate settles, far from the whole budget it had before it shared.
      expect(memory.usage.peakBytes).to.be.at.most(budget * 1.6);
    });

    it('a reduce sorter counts its buffer, spills at its share, and gives it back as its output goes', async () => {
      const memory = new TaskMemory(200_000);
      const other = {};
      memory.update(other, 150_000);
      const s = new ReduceSorter({ order: 'asc', dir, memoryBytes: 200_000, memory });
      // A frame's estimate: each record held as it is, plus its slot in the buffer.
      const perFrame = 200 * (heapSize([0, 'x']) + 8);
      for (let i = 0; i < 100; i++) {
        const frame = Array.from({ length: 200 }, (_, j) => [(i * 7919 + j * 104_729) % 20_000, 'x'] as [unknown, unknown]);
        await s.add(frame);
        expect(memory.usage.heldBytes).to.be.at.most(150_000 + 50_000 + perFrame);
      }
      // Its share was the floor (50,000 of 200,000): a spill each time a frame takes it past that.
      expect(s.spills).to.equal(Math.floor(100 / Math.ceil(50_001 / perFrame)));
      expect(s.spills).to.be.greaterThan(10);
      const held: number[] = [];
      const keys: number[] = [];
      for await (const batch of s.sorted()) {
        held.push(memory.usage.heldBytes - 150_000);
        for (const [k] of batch) keys.push(k as number);
      }
      expect(keys).to.have.length(20_000);
      expect(keys.every((k, i) => i === 0 || keys[i - 1]! <= k)).to.equal(true);
      expect(held[0]).to.be.greaterThan(0);
      expect(held.at(-1)).to.equal(0);
      memory.release(other);
      expect(memory.usage.heldBytes).to.equal(0);
      await s.cleanup();
    });
  });
});
