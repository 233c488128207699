import { expect } from 'chai';
import { serialize } from 'node:v8';
import {
  ACTION_KINDS,
  decodeAction,
  decodeFrameBody,
  decodePlanNode,
  encodeAction,
  encodeMessage,
  encodePlanNode,
  PLAN_OPS,
  PlanDecodeError,
  STORAGE_LEVELS,
  type ActionKind,
  type PlanAction,
  type PlanOp,
  type PlanOpName,
  type ShuffleParams,
  type StagePlan,
} from '../../protocols/driver-executor/index.js';
import { ProtocolError } from '../../protocols/errors/index.js';

const shuffle: ShuffleParams = {
  shuffleId: 3,
  numPartitions: 4,
  partitioner: { kind: 'range', bounds: ['g', 'p'], ascending: false },
  combine: 'aggregate',
  zero: { value: new Map([['n', 0n]]) },
  sort: 'desc',
};

/** One example of every op: a Record, so a new op does not compile until it has one here. */
const OPS: { [N in PlanOpName]: PlanOp & { op: N } } = {
  parallelize: { op: 'parallelize', params: null },
  range: { op: 'range', params: null },
  text: { op: 'text', params: null },
  json: { op: 'json', params: null },
  avro: { op: 'avro', params: null },
  map: { op: 'map', params: null },
  flatMap: { op: 'flatMap', params: null },
  filter: { op: 'filter', params: null },
  keyBy: { op: 'keyBy', params: null },
  mapValues: { op: 'mapValues', params: null },
  mapPartitions: { op: 'mapPartitions', params: { withIndex: true } },
  sample: { op: 'sample', params: { withReplacement: true, fraction: 0.25, seed: 42 } },
  union: { op: 'union', params: null },
  coalesce: { op: 'coalesce', params: { groups: [[0, 1], [2]] } },
  'shuffle-read': { op: 'shuffle-read', params: shuffle },
};

/** One example of every action kind. */
const ACTIONS: { [K in ActionKind]: PlanAction & { kind: K } } = {
  collect: { kind: 'collect', params: null },
  count: { kind: 'count', params: null },
  reduce: { kind: 'reduce', params: null },
  foreach: { kind: 'foreach', params: null },
  take: { kind: 'take', params: { n: 7 } },
  fold: { kind: 'fold', params: { zero: { sum: 0, seen: new Set([1]) } } },
  aggregate: { kind: 'aggregate', params: { zero: [0, Buffer.from('x')] } },
  save: {
    kind: 'save',
    params: { format: 'avro', attemptDir: '/out/_temporary/0', extension: '.avro', schema: { type: 'string' }, codec: 'deflate' },
  },
  'shuffle-write': { kind: 'shuffle-write', params: shuffle },
};

const fn = { source: '(x) => x + 1', builtin: null, env: Buffer.from([1, 2]) };

/** Avro decodes records as instances of its own classes; compare their fields only. */
const plain = <T>(value: T): T => structuredClone(value);

/** Sends a stage through a real frame, as the driver does, and returns what the executor reads. */
function overTheWire(plan: StagePlan): StagePlan {
  const frame = encodeMessage({ type: 'stage', plan });
  const message = decodeFrameBody(frame.subarray(4));
  if (message.type !== 'stage') throw new Error(`expected a stage message, got ${message.type}`);
  return message.plan;
}

describe('driver-executor plan codec', () => {
  it('has an example for every op and action kind the decoder accepts', () => {
    expect(Object.keys(OPS).sort()).to.deep.equal([...PLAN_OPS].sort());
    expect(Object.keys(ACTIONS).sort()).to.deep.equal([...ACTION_KINDS].sort());
  });

  it('round-trips every op and its params through a stage frame', () => {
    const nodes = Object.values(OPS).map((step, i) => ({ ...step, id: i, parents: i ? [i - 1] : [], numPartitions: 2 + i, fns: [fn] }));
    const plan: StagePlan = {
      stageId: 9,
      description: 'every op',
      nodes: nodes.map((n) => encodePlanNode(n)),
      root: nodes.length - 1,
      action: encodeAction({ ...ACTIONS.count, fns: [] }),
    };
    const received = overTheWire(plan);
    expect(plain(received.nodes.map((n) => decodePlanNode(n)))).to.deep.equal(plain(nodes));
  });

  it('round-trips every action kind and its params through a stage frame', () => {
    for (const action of Object.values(ACTIONS)) {
      const typed = { ...action, fns: [fn] };
      const plan: StagePlan = { stageId: 1, description: action.kind, nodes: [], root: 0, action: encodeAction(typed) };
      expect(plain(decodeAction(overTheWire(plan).action)), action.kind).to.deep.equal(plain(typed));
    }
  });

  it('keeps the wire as it was: op and kind names as strings, params as v8 bytes or null', () => {
    const wire = encodePlanNode({ ...OPS.coalesce, id: 4, parents: [3], numPartitions: 2, fns: [] });
    const groups = serialize({ groups: [[0, 1], [2]] });
    expect(wire).to.deep.equal({ id: 4, op: 'coalesce', parents: [3], numPartitions: 2, fns: [], params: groups, persist: null });
    expect(encodePlanNode({ ...OPS.map, id: 5, parents: [4], numPartitions: 2, fns: [fn] }).params).to.equal(null);
    expect(encodeAction({ ...ACTIONS.take, fns: [] })).to.deep.equal({ kind: 'take', fns: [], params: serialize({ n: 7 }) });
    expect(encodeAction({ ...ACTIONS.collect, fns: [] }).params).to.equal(null);
  });

  it("carries a persisted node's storage level, and refuses a level it does not know", () => {
    for (const level of STORAGE_LEVELS) {
      const node = { ...OPS.map, id: 5, parents: [4], numPartitions: 2, fns: [fn], persist: level };
      const plan: StagePlan = {
        stageId: 1,
        description: 'p',
        nodes: [encodePlanNode(node)],
        root: 5,
        action: encodeAction({ ...ACTIONS.count, fns: [] }),
      };
      expect(plain(decodePlanNode(overTheWire(plan).nodes[0]!))).to.deep.equal(plain(node));
    }
    const plainNode = decodePlanNode(encodePlanNode({ ...OPS.map, id: 5, parents: [4], numPartitions: 2, fns: [] }));
    expect(plainNode).to.not.have.property('persist');
    let caught: unknown;
    try {
      decodePlanNode({ id: 5, op: 'map', parents: [4], numPartitions: 2, fns: [], params: null, persist: 'OFF_HEAP' });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(PlanDecodeError);
    expect(caught).to.include({ part: 'persist', value: 'OFF_HEAP' });
    expect((caught as Error).message).to.match(/plan node 5 is persisted at level 'OFF_HEAP'/);
  });

  it('refuses an op it does not know with a typed error naming it', () => {
    const wire = { id: 7, op: 'zipWithIndex', parents: [6], numPartitions: 1, fns: [], params: null };
    let caught: unknown;
    try {
      decodePlanNode(wire);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(PlanDecodeError).and.instanceOf(ProtocolError);
    const e = caught as PlanDecodeError;
    expect(e.name).to.equal('PlanDecodeError');
    expect(e.part).to.equal('op');
    expect(e.value).to.equal('zipWithIndex');
    expect(e.message).to.include("plan node 7 has the op 'zipWithIndex'");
    // Names are not looked up through the prototype chain.
    expect(() => decodePlanNode({ ...wire, op: 'toString' })).to.throw(PlanDecodeError, /'toString'/);
  });

  it('refuses an action kind it does not know, and an op or kind that came without its params', () => {
    expect(() => decodeAction({ kind: 'countApprox', fns: [], params: null }))
      .to.throw(PlanDecodeError, "the stage's action is 'countApprox'")
      .with.property('part', 'action');
    expect(() => decodePlanNode({ id: 2, op: 'sample', parents: [1], numPartitions: 1, fns: [], params: null }))
      .to.throw(PlanDecodeError, 'plan node 2 (sample) came without its parameters')
      .with.property('value', 'sample');
    expect(() => decodeAction({ kind: 'save', fns: [], params: null })).to.throw(
      PlanDecodeError,
      'the action (save) came without its parameters',
    );
  });
});
