import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { CorruptShuffleDataError, decodeFrames, encodeFrame, mapOutputRange, readFrames } from '../../executor/shuffle-files.js';

async function drain(frames: AsyncIterable<unknown[]>): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const f of frames) out.push(f);
  return out;
}

function frameOf(body: Buffer, declared = body.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(declared, 0);
  return Buffer.concat([head, body]);
}

describe('corrupt shuffle data', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-corrupt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes good frames', () => {
    const segment = Buffer.concat([encodeFrame([1, 2]), encodeFrame(['a'])]);
    expect([...decodeFrames(segment)]).to.deep.equal([[1, 2], ['a']]);
  });

  it('refuses a truncated header, an overlong length and an undecodable body with a typed error', () => {
    const good = encodeFrame([1, 2, 3]);
    for (const bad of [good.subarray(0, 2), frameOf(serialize([1]), 1 << 30), frameOf(Buffer.from([0xff, 0x0f, 0x99]))]) {
      expect(() => [...decodeFrames(bad)]).to.throw(CorruptShuffleDataError);
    }
    expect(() => [...decodeFrames(frameOf(serialize({ not: 'an array' })))]).to.throw(CorruptShuffleDataError, /no record array/);
  });

  it('never allocates what a file length claims past its range', async () => {
    const path = join(dir, 'f.data');
    // Claims 2 GiB while the file has a few bytes: refused before any allocation of that size.
    writeFileSync(path, frameOf(serialize([1]), 0x7fffffff));
    const err = await drain(readFrames(path, 0, 12)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CorruptShuffleDataError);
    expect((err as CorruptShuffleDataError).path).to.equal(path);
  });

  it('refuses a file that ends in the middle of a frame', async () => {
    const path = join(dir, 'g.data');
    const frame = encodeFrame([1, 2, 3]);
    writeFileSync(path, frame.subarray(0, frame.length - 2));
    const err = await drain(readFrames(path, 0, frame.length)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CorruptShuffleDataError);
    // Its index names more bytes than the file has: refused before reading, saying how many it has.
    expect((err as Error).message).to.contain(`has ${frame.length - 2} bytes, not the ${frame.length} at byte 0 its index names`);
  });

  it('refuses an index that is not a list of sizes', async () => {
    for (const index of ['{', '{"a":1}', '[1,-2]', '[1.5]']) {
      writeFileSync(join(dir, 'shuffle_0_0_1.index'), index);
      const err = await mapOutputRange(dir, 'shuffle_0_0_1', 0).catch((e: unknown) => e);
      expect(err, index).to.be.instanceOf(CorruptShuffleDataError);
    }
  });
});
