/**
 * WebHDFS at size on the real cluster: a 1 GiB round trip checked by sha256 in constant memory,
 * ranged reads at odd offsets and across block boundaries, and a 10,000-entry directory listed
 * completely through LISTSTATUS_BATCH pages.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { randomBytesAt, randomStream } from '../../bench/lib/random-stream.js';
import { RemoteError } from '../../protocols/errors/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { testCluster } from './cluster.js';

const cluster = testCluster();
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Runs `work` over `items` with at most `limit` in flight. */
async function bounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Samples RSS while `work` runs; resolves to the peak growth over the starting RSS. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - start;
}

/** Java's SignedBytes.lexicographicalComparator over UTF-8, the order of HDFS directory entries. */
function compareSigned(a: string, b: string): number {
  const x = new Int8Array(Buffer.from(a));
  const y = new Int8Array(Buffer.from(b));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return Math.sign(x.length - y.length);
}

async function sha256Of(stream: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hex: hash.digest('hex'), bytes };
}

describe('webhdfs at size on the real cluster', () => {
  const hdfs = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: cluster.user });
  const base = `/tmp/spindle-it-webhdfs-large-${process.pid}-${Date.now()}`;

  before(async () => {
    await hdfs.mkdirs(base);
  });

  after(async () => {
    await hdfs.delete(base, { recursive: true });
    hdfs.close();
  });

  describe('a 1 GiB file', () => {
    const SEED = 'webhdfs-1gib';
    const file = `${base}/one-gib.bin`;
    let written = '';

    it('round-trips byte-exact by sha256 without buffering the file', async () => {
      const upHash = createHash('sha256');
      const source = (async function* () {
        for await (const chunk of randomStream(SEED, GiB) as AsyncIterable<Buffer>) {
          upHash.update(chunk);
          yield chunk;
        }
      })();
      const upGrowth = await peakRssGrowth(() => hdfs.create(file, source));
      written = upHash.digest('hex');
      const status = await hdfs.getFileStatus(file);
      expect(status.length).to.equal(GiB);

      let down = { hex: '', bytes: 0 };
      const downGrowth = await peakRssGrowth(async () => {
        down = await sha256Of(await hdfs.open(file));
      });
      expect(down.bytes).to.equal(GiB);
      expect(down.hex).to.equal(written);
      // Constant memory: a small fraction of the 1 GiB moved.
      expect(upGrowth, 'RSS growth during upload').to.be.below(200 * MiB);
      expect(downGrowth, 'RSS growth during download').to.be.below(200 * MiB);
    });

    it('reads ranges at odd offsets, across block boundaries and at the end', async function () {
      if (!written) this.skip();
      const block = (await hdfs.getFileStatus(file)).blockSize;
      const ranges: Array<[number, number]> = [
        [0, 1],
        [1, 4097],
        [12_345, 1_000_003],
        [block - 7, 100], // spans the first block boundary
        [3 * block - 65_537, 2 * MiB + 3],
        [GiB - 13, 13], // the last bytes
        [GiB - 5, 1000], // a length past the end is cut short
      ];
      for (const [offset, length] of ranges) {
        const got = Buffer.concat(await (await hdfs.open(file, { offset, length })).toArray());
        const expected = randomBytesAt(SEED, offset, Math.max(0, Math.min(length, GiB - offset)));
        expect(got.length, `range ${offset}+${length}`).to.equal(expected.length);
        expect(got.equals(expected), `range ${offset}+${length}`).to.equal(true);
      }
      // An offset at the end is refused by the NameNode (an empty file reads fine at offset 0).
      const past = await hdfs.open(file, { offset: GiB }).then(
        () => expect.fail('offset at the end should be refused'),
        (err: unknown) => err as Error,
      );
      expect(past).to.be.instanceOf(RemoteError);
      expect(past.message).to.equal(`OPEN ${file}: IOException: Offset=${GiB} out of the range [0, ${GiB}); OPEN, path=${file}`);
      // Offset only: the rest of the file.
      const tail = await sha256Of(await hdfs.open(file, { offset: GiB - 3 * MiB - 1 }));
      expect(tail.bytes).to.equal(3 * MiB + 1);
      expect(tail.hex).to.equal(
        createHash('sha256')
          .update(randomBytesAt(SEED, GiB - 3 * MiB - 1, 3 * MiB + 1))
          .digest('hex'),
      );
    });
  });

  describe('a directory with 10,000 entries', () => {
    const dir = `${base}/wide`;
    const special = ['a b', 'c+d', 'e%f', 'g&h=i', 'j#k', 'l?m', 'ñ-ü', 'z;z', '~tilde', 'end.'];
    const names = [...Array.from({ length: 10_000 - special.length }, (_, i) => `entry-${String(i).padStart(5, '0')}`), ...special];

    it('is created with bounded concurrency and listed completely, in order, without duplicates', async () => {
      await hdfs.mkdirs(dir);
      const dirs = names.slice(0, -special.length);
      await bounded(dirs, 24, (n) => hdfs.mkdirs(`${dir}/${n}`));
      await bounded(special, 8, (n) => hdfs.create(`${dir}/${n}`, ''));

      const listed: string[] = [];
      let directories = 0;
      for await (const entry of hdfs.listStatusIterator(dir)) {
        listed.push(entry.name);
        if (entry.type === 'directory') directories++;
        expect(entry.path).to.equal(`${dir}/${entry.name}`);
      }
      expect(listed).to.have.length(10_000);
      expect(directories).to.equal(dirs.length);
      expect(new Set(listed)).to.deep.equal(new Set(names));
      // HDFS orders names by their UTF-8 bytes compared as *signed* bytes (so non-ASCII sorts first);
      // each page must continue exactly after the last.
      for (let i = 1; i < listed.length; i++) {
        expect(compareSigned(listed[i - 1]!, listed[i]!), `${listed[i - 1]} < ${listed[i]}`).to.equal(-1);
      }
      const collected = await hdfs.listStatus(dir);
      expect(collected.map((s) => s.name)).to.deep.equal(listed);
      const summary = await hdfs.getContentSummary(dir);
      expect(summary).to.deep.include({ directoryCount: dirs.length + 1, fileCount: special.length });
    });
  });
});
