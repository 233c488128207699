import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { splitWindows, textLines } from '../../executor/sources.js';
import type { FileSplit } from '../../protocols/driver-executor/index.js';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

/** A FakeFs that records every read's range. */
class RecordingFs extends FakeFs {
  readonly reads: { path: string; offset: number; length?: number }[] = [];
  override async open(path: string, options: { offset?: number; length?: number } = {}): Promise<Readable> {
    this.reads.push({ path, offset: options.offset ?? 0, ...(options.length !== undefined ? { length: options.length } : {}) });
    return super.open(path, options);
  }
}

/** Lines of `text` (LF or CRLF endings) with the byte offset each starts at. */
function linesWithOffsets(text: string): { line: string; at: number }[] {
  const out: { line: string; at: number }[] = [];
  let at = 0;
  for (const raw of text.split('\n')) {
    const bytes = Buffer.byteLength(raw) + 1;
    if (at < Buffer.byteLength(text)) out.push({ line: raw.endsWith('\r') ? raw.slice(0, -1) : raw, at });
    at += bytes;
  }
  return out;
}

async function collect(fs: FakeFs, split: FileSplit): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of textLines(fs, split, { bytesRead: 0 })) out.push(...batch);
  return out;
}

describe('sortByKey sampling from windows of the input (sampled-input.ts)', function () {
  this.timeout(60_000);

  it('spreads windows evenly over a split, clipped so that they never overlap', () => {
    const split: FileSplit = { path: '/f', start: 1000, length: 10_000, fileLength: 50_000, windows: { count: 4, bytes: 300 } };
    expect(splitWindows(split).map((w) => [w.start, w.length])).to.deep.equal([
      [1000, 300],
      [3500, 300],
      [6000, 300],
      [8500, 300],
    ]);
    const wide = splitWindows({ ...split, windows: { count: 3, bytes: 1e9 } });
    expect(wide.map((w) => [w.start, w.start + w.length])).to.deep.equal([
      [1000, 4333],
      [4333, 7666],
      [7666, 11_000],
    ]);
  });

  it('reads exactly the lines starting in each window, a line longer than the slack read on to its end', async () => {
    const lines: string[] = [];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) lines.push(`k${String(i).padStart(5, '0')}-${'é'.repeat(rnd(60))}`);
    lines[1500] = `long-${'x'.repeat(100_000)}`; // crosses a window's end by far more than 16 KiB
    const text = lines.map((l, i) => (i % 7 === 0 ? `${l}\r\n` : `${l}\n`)).join('');
    const fileLength = Buffer.byteLength(text);
    const fs = new RecordingFs();
    fs.put('/in.txt', text, 1 << 30);
    const start = 5000;
    const split: FileSplit = { path: '/in.txt', start, length: fileLength - start, fileLength, windows: { count: 9, bytes: 2000 } };
    const windows = splitWindows(split);
    const expected = linesWithOffsets(text)
      .filter(({ at }) => windows.some((w) => at >= w.start && at < w.start + w.length))
      .map(({ line }) => line);
    const longAt = linesWithOffsets(text)[1500]!.at;
    expect(expected.length).to.be.within(100, 1000);
    const got = await collect(fs, split);
    expect(got).to.deep.equal(expected);
    expect(
      fs.reads.every((r) => r.length !== undefined),
      'every read is bounded',
    ).to.equal(true);

    // A window placed where the long line starts: its line is read whole, over several reads.
    const around: FileSplit = { path: '/in.txt', start: longAt, length: 10, fileLength, windows: { count: 1, bytes: 10 } };
    fs.reads.length = 0;
    expect(await collect(fs, around)).to.deep.equal([lines[1500]]);
    expect(fs.reads.length).to.be.greaterThan(2);
  });

  it('samples a large text file from windows (the sort is exact and balanced), and reads all of it when windows catch too few records', async () => {
    // 400,000 records of ~60 bytes (24 MB), keys in file order: sorted input, the hard case for a sample.
    const records: string[] = [];
    for (let i = 0; i < 400_000; i++) records.push(`${String(i * 7).padStart(8, '0')}:${'v'.repeat(50)}`);
    const fs = new RecordingFs();
    fs.put('/data/sorted.txt', `${records.join('\n')}\n`, 1 << 30);
    // 100 lines of 300 KiB (30 MB): a 64 KiB window holds at most one line start.
    const big: string[] = [];
    for (let i = 0; i < 100; i++) big.push(`${String((i * 37) % 100).padStart(3, '0')}${'w'.repeat(300 * 1024)}`);
    fs.put('/data/big.txt', `${big.join('\n')}\n`, 1 << 30);
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const sorted = ctx.textFile('/data/sorted.txt', { minPartitions: 1 })
           .map((l) => [l.slice(0, 8), l.length])
           .sortByKey({ partitions: 4 });
         const sizes = await sorted.mapPartitions(async function* (it) { let n = 0; let prev = null; let ordered = true;
           for await (const [k] of it) { if (prev !== null && k < prev) ordered = false; prev = k; n++; } yield [n, ordered]; }).collect();
         const firstKeys = await sorted.keys().take(3);
         const bigKeys = await ctx.textFile('/data/big.txt', { minPartitions: 1 }).map((l) => [l.slice(0, 3), 1]).sortByKey({ partitions: 2 }).keys().collect();
         return { sizes, firstKeys, bigKeys };
       }`,
      { fs },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { sizes: [number, boolean][]; firstKeys: string[]; bigKeys: string[] };
    expect(r.sizes.map((s) => s[1])).to.deep.equal([true, true, true, true]);
    expect(r.sizes.reduce((a, s) => a + s[0], 0)).to.equal(400_000);
    // Range bounds from the windows: every partition within 25% of the mean.
    for (const [n] of r.sizes) expect(n).to.be.within(75_000, 125_000);
    expect(r.firstKeys).to.deep.equal(['00000000', '00000007', '00000014']);
    // The sorted file's sampling read bounded windows only: 64 x 64 KiB plus slack, not 24 MB.
    const sortedReads = fs.reads.filter((x) => x.path === '/data/sorted.txt');
    const windowed = sortedReads.filter((x) => x.length !== undefined);
    expect(windowed).to.have.length(64);
    expect(windowed.reduce((a, x) => a + x.length!, 0)).to.be.below(6 * 1024 * 1024);
    // The big file: windows caught fewer keys than a quarter of those asked for, so a second
    // sampling job read it whole before the sort read it again.
    expect(r.bigKeys).to.deep.equal(big.map((l) => l.slice(0, 3)).sort());
    const bigWhole = fs.reads.filter((x) => x.path === '/data/big.txt' && x.length === undefined);
    expect(bigWhole).to.have.length(2);
  });
});
