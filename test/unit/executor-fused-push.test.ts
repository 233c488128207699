import { expect } from 'chai';
import { computePartition, type PreparedNode, type PreparedStage } from '../../executor/compute.js';
import { SourceCache, type ExecutorFs } from '../../executor/sources.js';

/** parallelize → flatMap(x => [x, -x]) → filter(≠ 0) → map(x => [x % 3, x]), as a prepared stage. */
function stage(records: number[]): { stage: PreparedStage; ctx: Parameters<typeof computePartition>[3] } {
  const node = (id: number, op: 'parallelize' | 'flatMap' | 'filter' | 'map', fns: ((...a: unknown[]) => unknown)[]): PreparedNode => ({
    id,
    op,
    parents: id === 0 ? [] : [id - 1],
    numPartitions: 1,
    fns,
    params: null,
  });
  const nodes = new Map([
    [0, node(0, 'parallelize', [])],
    [1, node(1, 'flatMap', [(x) => [x, -(x as number)]])],
    [2, node(2, 'filter', [(x) => x !== 0])],
    [3, node(3, 'map', [(x) => [(x as number) % 3, x]])],
  ]);
  const fs = {} as ExecutorFs;
  const action: PreparedStage['action'] = { kind: 'count', fns: [], params: null };
  const ctx = { inputs: new Map([['0:0', records]]), fs, cache: new SourceCache(), metrics: { bytesRead: 0 } };
  return { stage: { plan: {} as PreparedStage['plan'], nodes, action }, ctx };
}

describe('fused chains pushing records', () => {
  const input = Array.from({ length: 3000 }, (_, i) => i);

  it('push the same records, in the same order, as their batches hold', async () => {
    const a = stage(input);
    const batched: unknown[] = [];
    for await (const b of computePartition(a.stage, 3, 0, a.ctx)) batched.push(...b);
    const b = stage(input);
    const pushed: unknown[] = [];
    const stream = computePartition(b.stage, 3, 0, b.ctx);
    expect(stream.pushTo).to.be.a('function');
    for await (const _ of stream.pushTo!(
      (x) => pushed.push(x),
      () => false,
    ));
    expect(pushed).to.deep.equal(batched);
    expect(pushed).to.have.length(2 * 3000 - 2);
  });

  it('pause after each source batch, and after a source record once the consumer is full', async () => {
    const { stage: s, ctx } = stage(input);
    const seen: number[] = [];
    let n = 0;
    for await (const _ of computePartition(s, 3, 0, ctx).pushTo!(
      () => n++,
      () => n >= 100 && n < 110,
    ))
      seen.push(n);
    // While full, a pause after every source record (each pushes two); and after each source batch
    // of 1024 (the first pushes 2046: 0 and -0 are filtered out).
    expect(seen.filter((k) => k >= 100 && k < 110)).to.deep.equal([100, 102, 104, 106, 108]);
    expect(seen.filter((k) => k >= 110)).to.deep.equal([2046, 4094, 5998]);
  });
});
