import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReduceSorter } from '../../executor/reduce-sorter.js';
import { compareKeys } from '../../protocols/driver-executor/index.js';

describe('reduce-side sorting and grouping with spills', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-rsort-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const all = async (s: ReduceSorter): Promise<[unknown, unknown][]> => {
    const out: [unknown, unknown][] = [];
    for await (const b of s.sorted()) out.push(...b);
    return out;
  };
  const feed = async (s: ReduceSorter, records: [unknown, unknown][]): Promise<void> => {
    for (let i = 0; i < records.length; i += 700) await s.add(records.slice(i, i + 700));
  };

  for (const order of ['asc', 'desc'] as const) {
    it(`sorts ${order} across spilled runs and memory, keeping every record, and removes its runs`, async () => {
      const records: [unknown, unknown][] = Array.from({ length: 20_000 }, (_, i) => [(i * 7919) % 5003, i]);
      records.push(['text', -1], [[1, 2], -2], [null, -3]);
      const s = new ReduceSorter({ order, dir, memoryBytes: 100_000 });
      await feed(s, records);
      expect(s.spills).to.be.greaterThan(3);
      const got = await all(s);
      expect(got).to.have.length(records.length);
      for (let i = 1; i < got.length; i++) expect((order === 'asc' ? 1 : -1) * compareKeys(got[i - 1]![0], got[i]![0])).to.be.at.most(0);
      await s.cleanup();
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  }

  it('spills sorted runs at half its memory once the input to come is sure not to fit, and only then', async () => {
    const records: [unknown, unknown][] = Array.from({ length: 20_000 }, (_, i) => [(i * 7919) % 5003, `v${i}`]);
    const spills = async (inputBytes: number | undefined): Promise<number> => {
      const s = new ReduceSorter({ order: 'asc', dir, memoryBytes: 200_000, ...(inputBytes ? { inputBytes } : {}) });
      for (let i = 0; i < records.length; i += 100) await s.add(records.slice(i, i + 100), 100 * 12);
      const got = await all(s);
      expect(got).to.have.length(records.length);
      await s.cleanup();
      return s.spills;
    };
    const unknown = await spills(undefined);
    expect(unknown).to.be.greaterThan(5);
    expect(await spills(20_000 * 12)).to.be.within(unknown * 2 - 2, unknown * 2 + 2);
    // Input that fits is never spilled early.
    const fits = new ReduceSorter({ order: 'asc', dir, memoryBytes: 1 << 24, inputBytes: 20_000 * 12 });
    for (let i = 0; i < records.length; i += 100) await fits.add(records.slice(i, i + 100), 100 * 12);
    expect(fits.spills).to.equal(0);
    await fits.cleanup();
  });

  it('groups equal keys across runs (canonically equal objects too), each key once', async () => {
    const records: [unknown, unknown][] = Array.from({ length: 9_000 }, (_, i) => [
      i % 3 === 0 ? { a: i % 7, b: 1 } : { b: 1, a: i % 7 },
      i,
    ]);
    const s = new ReduceSorter({ order: 'group', dir, memoryBytes: 20_000 }); // values are small numbers: ~12 bytes each
    await feed(s, records);
    expect(s.spills).to.be.greaterThan(2);
    const got = await all(s);
    expect(got).to.have.length(7);
    let total = 0;
    for (const [k, vs] of got as [{ a: number }, number[]][]) {
      expect(vs.every((v) => v % 7 === k.a)).to.equal(true);
      total += vs.length;
    }
    expect(total).to.equal(9_000);
    await s.cleanup();
  });
});
