import { expect } from 'chai';
import {
  canonicalKey,
  canonicalKeyValue,
  compareKeys,
  hashCanonical,
  hashKey,
  hashPartition,
  rangeBounds,
  rangePartition,
} from '../../protocols/driver-executor/index.js';
import { CombinerMap } from '../../executor/combiner-map.js';

describe('shuffle key encoding and partitioners', () => {
  it('encodes keys canonically: type-tagged, object keys sorted, -0 as 0', () => {
    expect(canonicalKey('1')).to.not.equal(canonicalKey(1));
    expect(canonicalKey(true)).to.not.equal(canonicalKey('t'));
    expect(canonicalKey(null)).to.not.equal(canonicalKey(undefined));
    expect(canonicalKey({ b: 1, a: [2, 'x'] })).to.equal(canonicalKey({ a: [2, 'x'], b: 1 }));
    expect(canonicalKey({ a: 1 })).to.not.equal(canonicalKey({ a: '1' }));
    expect(canonicalKey(-0)).to.equal(canonicalKey(0));
    expect(canonicalKey(NaN)).to.equal(canonicalKey(NaN));
    expect(canonicalKey(['a,b'])).to.not.equal(canonicalKey(['a', 'b']));
    expect(canonicalKey([[1], 2])).to.not.equal(canonicalKey([1, [2]]));
    expect(canonicalKey('日本')).to.equal('s日本');
    expect(canonicalKey(['日本'])).to.equal(`[s"日本"]`);
    expect(canonicalKey('[n1]')).to.not.equal(canonicalKey([1]));
    expect(canonicalKey(new Date(5))).to.equal('d5');
    expect(canonicalKey(10n)).to.equal('b10');
  });

  it('spells equal keys one way: object properties sorted, -0 as 0, other keys as they are', () => {
    const spelled = (k: unknown): string => JSON.stringify(canonicalKeyValue(k), (_, v: unknown) => (Object.is(v, -0) ? '-0' : v));
    expect(spelled({ y: [{ d: 1, c: -0 }], x: 1 })).to.equal('{"x":1,"y":[{"c":0,"d":1}]}');
    expect(spelled({ x: 1, y: [{ c: 0, d: 1 }] })).to.equal(spelled({ y: [{ d: 1, c: -0 }], x: 1 }));
    const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    expect(Object.getPrototypeOf(canonicalKeyValue(nullProto))).to.equal(Object.prototype);
    expect(Object.is(canonicalKeyValue(-0), 0)).to.equal(true);
    const d = new Date(5);
    for (const k of ['b', 1, NaN, true, null, undefined, 10n, d]) expect(Object.is(canonicalKeyValue(k), k)).to.equal(true);
    for (const k of [{ b: 1, a: [2, 'x'] }, [{ q: 1, p: null }, 'z'], [-0, { k: 'v' }]]) {
      expect(canonicalKey(canonicalKeyValue(k))).to.equal(canonicalKey(k));
    }
  });

  it('rejects keys with no stable encoding, naming the type', () => {
    expect(() => canonicalKey(new Map())).to.throw(TypeError, /got a Map/);
    expect(() => canonicalKey({ s: new Set() })).to.throw(TypeError, /got a Set/);
    expect(() => canonicalKey(() => 1)).to.throw(TypeError, /got a function/);
  });

  it('hash-partitions equal keys alike and spreads consecutive numbers evenly', () => {
    expect(hashPartition({ x: 1, y: 2 }, 7)).to.equal(hashPartition({ y: 2, x: 1 }, 7));
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 80_000; i++) counts[hashPartition(i, 8)]++;
    for (const c of counts) expect(c).to.be.within(9_000, 11_000);
    const words = new Array(5).fill(0);
    for (let i = 0; i < 10_000; i++) words[hashPartition(`w${i}`, 5)]++;
    for (const c of words) expect(c).to.be.within(1_700, 2_300);
  });

  it('hashes string keys without encoding them exactly as their canonical form', () => {
    for (const k of ['', 'a', 'été', '日本語🙂', 'x'.repeat(100)]) expect(hashKey(k)).to.equal(hashCanonical(canonicalKey(k)));
    expect(hashKey([1, 'a'])).to.equal(hashCanonical(canonicalKey([1, 'a'])));
  });

  it('CombinerMap folds equal keys into one combiner and lists canonical keys', () => {
    const m = new CombinerMap(
      (v) => [v],
      (c, v) => [...(c as unknown[]), v],
    );
    expect(m.add('1', 'a')).to.equal(true);
    expect(m.add(1, 'b')).to.equal(true);
    expect(m.add({ a: 1, b: [2] }, 'c')).to.equal(true);
    expect(m.add({ b: [2], a: 1 }, 'd')).to.equal(false);
    expect(m.add('1', 'e')).to.equal(false);
    expect(m.size).to.equal(3);
    expect([...m.pairs()]).to.deep.equal([
      ['1', ['a', 'e']],
      [1, ['b']],
      [{ a: 1, b: [2] }, ['c', 'd']],
    ]);
    expect([...m.triples()].map(([c]) => c)).to.deep.equal([canonicalKey('1'), canonicalKey(1), canonicalKey({ a: 1, b: [2] })]);
    const first = new CombinerMap(
      (v) => v,
      (c) => c,
    );
    first.add({ b: [2], a: 1 }, 'x');
    first.add({ a: 1, b: [2] }, 'y');
    expect(JSON.stringify([...first.pairs()])).to.equal('[[{"b":[2],"a":1},"x"]]');
    expect(JSON.stringify([...first.outputPairs()])).to.equal('[[{"a":1,"b":[2]},"x"]]');
    expect(m.sample(2)).to.have.length(2);
    m.clear();
    expect(m.size).to.equal(0);
  });

  it('CombinerMap keeps a combiner that is undefined', () => {
    // A string key's combiner sits in the map itself, so undefined must not read as "no combiner".
    let starts = 0;
    const m = new CombinerMap(
      () => void starts++,
      () => undefined,
    );
    m.add('k', 1);
    expect(m.add('k', 2)).to.equal(false);
    expect(starts).to.equal(1);
    expect([...m.pairs()]).to.deep.equal([['k', undefined]]);
  });

  it('orders keys totally: by type, then value', () => {
    // (Array.prototype.sort never passes undefined to the comparator, so it is checked apart.)
    const keys = ['b', 2, null, [1, 'a'], true, 'a', 10, [1], NaN, -1, false, { a: 1 }, new Date(3)];
    const sorted = [...keys].sort(compareKeys);
    expect(sorted).to.deep.equal([null, false, true, -1, 2, 10, NaN, 'a', 'b', new Date(3), [1], [1, 'a'], { a: 1 }]);
    expect(compareKeys(undefined, null)).to.be.lessThan(0);
    expect(compareKeys(2, 10n)).to.be.lessThan(0);
    expect(compareKeys({ b: 1, a: 2 }, { a: 2, b: 1 })).to.equal(0);
  });

  it('picks range bounds from a sample and places keys in (bound[i-1], bound[i]]', () => {
    const sample = Array.from({ length: 100 }, (_, i) => 99 - i);
    const bounds = rangeBounds(sample, 4);
    expect(bounds).to.deep.equal([25, 50, 75]);
    expect(rangePartition(-5, bounds, true)).to.equal(0);
    expect(rangePartition(25, bounds, true)).to.equal(0);
    expect(rangePartition(26, bounds, true)).to.equal(1);
    expect(rangePartition(1000, bounds, true)).to.equal(3);
    expect(rangePartition(1000, bounds, false)).to.equal(0);
    expect(rangePartition(-5, bounds, false)).to.equal(3);
    expect(rangeBounds([1, 1, 1, 1], 4)).to.deep.equal([1]);
    expect(rangeBounds([], 4)).to.deep.equal([]);
  });
});
