import type { StagePlan, StorageLevel, TaskInputs, TypedAction } from '../../protocols/driver-executor/index.js';
import { encodeAction, encodePlanNode, encodeValue } from '../../protocols/driver-executor/index.js';
import type { ShippedFn } from './closure.js';
import { shuffleParamsOf, type DatasetNode, type PartitionIndex, type ShuffleDependency, type ShuffleInputFn } from './nodes.js';

/**
 * Stages: an action's plan cut at shuffle boundaries. Inside a stage every dependency is narrow,
 * so one task computes one partition of the stage's last dataset by pipelining all the stage's
 * ops over its inputs. A shuffle dependency ends a stage: its parent side becomes a shuffle-map
 * stage (tasks write map outputs), which must finish before the stage that reads it.
 */

export interface Stage {
  id: number;
  /** The stage's last dataset: its partitions are the stage's tasks. */
  root: DatasetNode;
  /** The stage's datasets, parents before children; shuffle reads are leaves. */
  nodes: DatasetNode[];
  /** Stages that must finish first (the map sides of the shuffles this stage reads). */
  parents: Stage[];
  /** 'result': tasks run the action; 'shuffle-map': tasks write map outputs for `shuffle`. */
  kind: 'result' | 'shuffle-map';
  shuffle?: ShuffleDependency;
  /** 'shuffle-map': the shuffle node whose map side this stage computes. */
  shuffleNode?: DatasetNode;
}

/**
 * Builds the stage graph of an action on `root`. `mapStages` remembers shuffle-map stages across
 * actions, so a shuffle computed once is not computed again.
 */
export function buildStages(root: DatasetNode, newStageId: () => number, mapStages: Map<number, Stage> = new Map()): Stage {
  const make = (last: DatasetNode, kind: Stage['kind'], shuffleNode?: DatasetNode): Stage => {
    const nodes: DatasetNode[] = [];
    const seen = new Set<number>();
    const parents: Stage[] = [];
    const visit = (node: DatasetNode): void => {
      if (seen.has(node.id)) return;
      seen.add(node.id);
      if (node.op === 'shuffle') {
        const dep = node.shuffle!;
        let parent = mapStages.get(dep.shuffleId);
        if (!parent) {
          parent = make(node.parents[0]!, 'shuffle-map', node);
          mapStages.set(dep.shuffleId, parent);
        }
        if (!parents.includes(parent)) parents.push(parent);
      } else {
        for (const p of node.parents) visit(p);
      }
      nodes.push(node);
    };
    visit(last);
    return { id: newStageId(), root: last, nodes, parents, kind, ...(shuffleNode ? { shuffle: shuffleNode.shuffle!, shuffleNode } : {}) };
  };
  return make(root, 'result');
}

/** Stages in the order they must run: every stage after the stages it reads. */
export function stageOrder(final: Stage): Stage[] {
  const out: Stage[] = [];
  const seen = new Set<number>();
  const visit = (s: Stage): void => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    for (const p of s.parents) visit(p);
    out.push(s);
  };
  visit(final);
  return out;
}

/**
 * The stage as executors receive it; `label` names the action in a serialization error, `persisted`
 * gives the storage level of each persisted dataset.
 */
export function stagePlan(
  stage: Stage,
  index: PartitionIndex,
  action: TypedAction,
  description: string,
  label?: string,
  persisted?: (nodeId: number) => StorageLevel | undefined,
): StagePlan {
  const nodes = stage.nodes.map((node) => {
    const level = persisted?.(node.id);
    return encodePlanNode(
      {
        ...index.planOp(node),
        id: node.id,
        // A shuffle read is a leaf of its stage: its parent is the map stage's.
        parents: node.op === 'shuffle' ? [] : node.parents.map((p) => p.id),
        numPartitions: index.count(node),
        fns: node.fns.map((f) => f.ref),
        ...(level ? { persist: level } : {}),
      },
      node.label,
    );
  });
  return { stageId: stage.id, description, nodes, root: stage.root.id, action: encodeAction(action, label) };
}

/** Broadcast ids a stage's functions (and its action's) refer to. */
export function stageBroadcasts(stage: Stage, actionFns: readonly ShippedFn[]): number[] {
  const ids = new Set<number>();
  for (const node of stage.nodes) for (const f of node.fns) for (const b of f.broadcasts) ids.add(b);
  for (const f of actionFns) for (const b of f.broadcasts) ids.add(b);
  return [...ids];
}

/** The action of a shuffle-map stage: write map output for its shuffle. */
export function shuffleWriteAction(stage: Stage): TypedAction {
  const node = stage.shuffleNode!;
  return { kind: 'shuffle-write', fns: node.fns.map((f) => f.ref), params: shuffleParamsOf(node.shuffle!) };
}

/** What the task for partition `p` of the stage reads. */
export function taskInputs(stage: Stage, index: PartitionIndex, p: number, shuffleInput?: ShuffleInputFn): Buffer {
  const inputs: TaskInputs = [];
  index.inputsFor(stage.root, p, inputs, shuffleInput);
  return encodeValue(inputs, `input of partition ${p}`);
}
