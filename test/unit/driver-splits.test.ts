import { expect } from 'chai';
import { computeSplits, splitSize, SPLIT_SLOP } from '../../appmaster/driver/splits.js';

const file = (path: string, length: number, blockSize: number) => ({
  path,
  length,
  blockSize,
  blocks: Array.from({ length: Math.ceil(length / blockSize) }, (_, i) => ({
    offset: i * blockSize,
    length: Math.min(blockSize, length - i * blockSize),
    hosts: [`dn${i % 3}`],
  })),
});

describe('computeSplits (FileInputFormat rules)', () => {
  it('splits a file by block and prefers the hosts of the block where each split starts', () => {
    const splits = computeSplits([file('/a', 10_000, 4096)], 1);
    expect(splits.map((s) => [s.split.start, s.split.length])).to.deep.equal([
      [0, 4096],
      [4096, 4096],
      [8192, 1808],
    ]);
    expect(splits.map((s) => s.hosts)).to.deep.equal([['dn0'], ['dn1'], ['dn2']]);
    expect(splits.every((s) => s.split.fileLength === 10_000)).to.equal(true);
  });

  it('covers every byte of every file exactly once', () => {
    for (const length of [1, 4095, 4096, 4097, 4096 * 3, 4096 * 3 + 409, 4096 * 3 + 410, 123_457]) {
      for (const min of [1, 2, 7]) {
        const splits = computeSplits([file('/a', length, 4096)], min);
        let next = 0;
        for (const s of splits) {
          expect(s.split.start, `length ${length}, min ${min}`).to.equal(next);
          next += s.split.length;
        }
        expect(next).to.equal(length);
      }
    }
  });

  it('lets the last split be up to 10% larger instead of leaving a tiny one', () => {
    const slop = Math.floor(4096 * (SPLIT_SLOP - 1));
    expect(computeSplits([file('/a', 4096 + slop, 4096)], 1)).to.have.length(1);
    expect(computeSplits([file('/a', 4096 + slop + 1, 4096)], 1)).to.have.length(2);
  });

  it('makes at least minPartitions splits from small files, and none for empty files', () => {
    expect(splitSize(1000, 4, 4096)).to.equal(250);
    const splits = computeSplits([file('/a', 1000, 4096), file('/empty', 0, 4096)], 4);
    expect(splits).to.have.length(4);
    expect(splits.every((s) => s.split.path === '/a')).to.equal(true);
  });
});
