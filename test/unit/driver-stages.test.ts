import { expect } from 'chai';
import type { ShippedFn } from '../../appmaster/driver/closure.js';
import { coalesceGroups, PartitionIndex, type DatasetNode, type NodeOpName } from '../../appmaster/driver/nodes.js';
import { buildStages, stageBroadcasts, stageOrder, stagePlan, taskInputs } from '../../appmaster/driver/stages.js';
import { decodeValue } from '../../protocols/driver-executor/index.js';

let nextId = 1;
const fn = (source: string, broadcasts: number[] = []): ShippedFn => ({ ref: { source, builtin: null, env: null }, broadcasts });
const source = (label: string, partitions: { input: unknown; hosts: string[] }[]): DatasetNode => ({
  id: nextId++,
  op: 'parallelize',
  parents: [],
  fns: [],
  params: null,
  label,
  listPartitions: async () => partitions,
});
// Any op with any params: what an op's params must be is the job API's concern, not the stage builder's.
const derive = (op: NodeOpName, parents: DatasetNode[], params: unknown = null, fns: ShippedFn[] = []): DatasetNode =>
  ({ id: nextId++, op, parents, fns, params, label: op }) as DatasetNode;

describe('plans and stages', () => {
  it('pipelines narrow ops into one result stage and computes each task’s inputs and hosts', async () => {
    const a = source('a', [
      { input: [1, 2], hosts: ['h1'] },
      { input: [3], hosts: ['h2'] },
    ]);
    const b = source('b', [{ input: [9], hosts: [] }]);
    const mapped = derive('map', [a], undefined, [fn('(x) => x * 2', [5])]);
    const u = derive('union', [mapped, b]);
    const c = derive('coalesce', [u], { partitions: 2 });
    const index = new PartitionIndex();
    await index.resolve(c);
    expect(index.count(u)).to.equal(3);
    expect(index.count(c)).to.equal(2);

    let stageId = 10;
    const stage = buildStages(c, () => stageId++);
    expect(stage.kind).to.equal('result');
    expect(stage.parents).to.deep.equal([]);
    expect(stage.nodes.map((n) => n.label)).to.deep.equal(['a', 'map', 'b', 'union', 'coalesce']);

    const plan = stagePlan(stage, index, { kind: 'count', fns: [], params: null }, 'count of ...');
    expect(plan.stageId).to.equal(10);
    expect(plan.root).to.equal(c.id);
    expect(plan.nodes.map((n) => [n.op, n.numPartitions])).to.deep.equal([
      ['parallelize', 2],
      ['map', 2],
      ['parallelize', 1],
      ['union', 3],
      ['coalesce', 2],
    ]);
    expect(decodeValue(plan.nodes[4]!.params!)).to.deep.equal({ groups: [[0], [1, 2]] });
    expect(plan.nodes[1]!.fns[0]!.source).to.equal('(x) => x * 2');
    expect(stageBroadcasts(stage, [fn('x', [7])]).sort()).to.deep.equal([5, 7]);

    expect(decodeValue(taskInputs(stage, index, 0))).to.deep.equal([[a.id, 0, [1, 2]]]);
    expect(decodeValue(taskInputs(stage, index, 1))).to.deep.equal([
      [a.id, 1, [3]],
      [b.id, 0, [9]],
    ]);
    expect(index.preferredHosts(c, 0)).to.deep.equal(['h1']);
    expect(index.preferredHosts(c, 1)).to.deep.equal(['h2']);
  });

  it('lists a source once, however many datasets and actions use it', async () => {
    let listings = 0;
    const s: DatasetNode = {
      ...source('s', []),
      listPartitions: async () => {
        listings++;
        return [{ input: 1, hosts: [] }];
      },
    };
    const index = new PartitionIndex();
    await Promise.all([index.resolve(derive('map', [s])), index.resolve(derive('filter', [s]))]);
    await index.resolve(s);
    expect(listings).to.equal(1);
  });

  it('cuts stages at shuffle dependencies, map sides first, each shuffle computed once', async () => {
    const s = source('s', [
      { input: [1], hosts: [] },
      { input: [2], hosts: [] },
    ]);
    const shuffled: DatasetNode = { ...derive('shuffle', [derive('map', [s])]), shuffle: { shuffleId: 0, numPartitions: 3 } };
    const after = derive('map', [shuffled]);
    const joined: DatasetNode = { ...derive('shuffle', [derive('union', [after, s])]), shuffle: { shuffleId: 1, numPartitions: 2 } };
    const final = derive('filter', [joined]);
    let id = 0;
    const mapStages = new Map();
    const stage = buildStages(final, () => id++, mapStages);
    const order = stageOrder(stage);
    expect(order.map((st) => [st.kind, st.shuffle?.shuffleId ?? null, st.nodes.map((n) => n.op)])).to.deep.equal([
      ['shuffle-map', 0, ['parallelize', 'map']],
      ['shuffle-map', 1, ['shuffle', 'map', 'parallelize', 'union']],
      ['result', null, ['shuffle', 'filter']],
    ]);
    const again = buildStages(final, () => id++, mapStages);
    expect(again.parents[0]).to.equal(stage.parents[0]);
    const index = new PartitionIndex();
    await index.resolve(final);
    expect(index.count(final)).to.equal(2);
    const plan = stagePlan(stage, index, { kind: 'count', fns: [], params: null }, 'd');
    expect(plan.nodes[0]).to.deep.include({ op: 'shuffle-read', numPartitions: 2 });
  });

  it('coalesces into contiguous, even groups, never more than there are partitions', () => {
    expect(coalesceGroups(5, 2)).to.deep.equal([
      [0, 1],
      [2, 3, 4],
    ]);
    expect(coalesceGroups(2, 5)).to.deep.equal([[0], [1]]);
    expect(coalesceGroups(0, 3)).to.deep.equal([]);
  });
});
