import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { deserialize, serialize } from 'node:v8';
import { averageHeapSize, heapSize } from '../../executor/heap-size.js';

/**
 * Heap bytes per record that `n` records made by `make` take while held as a shuffle decodes them
 * (frames of 4096 through v8.deserialize: flat strings), measured in a fresh process with full GCs
 * either side.
 */
function measured(make: (i: number) => unknown, n: number): number {
  const script = `
    const { serialize, deserialize } = require('node:v8');
    const make = ${make.toString()};
    const encoded = [];
    for (let i = 0; i < ${n}; i += 4096) encoded.push(serialize(Array.from({ length: Math.min(4096, ${n} - i) }, (_, j) => make(i + j))));
    const keep = [];
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    for (const frame of encoded) for (const r of deserialize(frame)) keep.push(r);
    gc(); gc();
    process.stdout.write(String((process.memoryUsage().heapUsed - before) / keep.length - 8) + ' ' + encoded.length);`;
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  return Number(out.split(' ')[0]);
}

describe('heap size estimates of decoded records', () => {
  const shapes: [string, (i: number) => unknown][] = [
    ['[short string, short string]', (i) => [`k${i}`, `v${i * 7}`]],
    ['[10-char key, 90-char value]', (i) => [String(i).padStart(10, '0'), 'x'.repeat(80) + String(i).padStart(10, '0')]],
    ['[string, small integer]', (i) => [`word${i}`, 1]],
    ['[number, string]', (i) => [i, `value ${i}`]],
  ];
  for (const [name, make] of shapes) {
    it(`is within 15% of the measured heap for ${name}`, () => {
      const n = 100_000;
      const real = measured(make, n);
      const estimate = averageHeapSize(Array.from({ length: 64 }, (_, i) => deserialize(serialize(make(n + i)))));
      expect(estimate / real, `estimate ${estimate.toFixed(1)} vs measured ${real.toFixed(1)} bytes`).to.be.within(0.85, 1.15);
    });
  }

  it('counts two-byte strings twice, doubles as boxed, and nested structure', () => {
    expect(heapSize('ab')).to.equal(24);
    expect(heapSize('\u4e2d\u6587')).to.equal(24);
    expect(heapSize('\u4e2d'.repeat(10))).to.equal(40);
    expect(heapSize('a'.repeat(10))).to.equal(32);
    expect(heapSize(3)).to.equal(0);
    expect(heapSize(0.5)).to.equal(16);
    expect(heapSize(null)).to.equal(0);
    expect(heapSize([1, 2])).to.equal(64);
    expect(heapSize({ a: 'xy' })).to.equal(24 + 8 + 24);
    expect(heapSize(new Map([['k', 1]]))).to.be.greaterThan(heapSize(new Map()));
    // Long arrays are scanned in part and scaled.
    const long = Array.from({ length: 1000 }, () => 'abcdefgh');
    expect(heapSize(long)).to.equal(48 + 8 * 1000 + 1000 * 24);
  });
});
