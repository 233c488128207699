import type { PlanOp, ShuffleParams, TaskInputs } from '../../protocols/driver-executor/index.js';
import type { ShippedFn } from './closure.js';

/**
 * The lazy plan: each Dataset is a node naming its op, its parents, the functions it applies and
 * its parameters. Nothing runs until an action: then `resolve` lists input files and fixes the
 * partitions of every node, and the stage builder cuts the graph into stages.
 *
 * Dependencies are narrow (a partition reads a known, small set of parent partitions: the ops
 * here) or wide (a shuffle: every partition reads a piece of every parent partition; the
 * 'shuffle' op, whose parent becomes a separate map stage; shuffle-ops.ts makes them). stages.ts
 * cuts the graph at every 'shuffle' node.
 */

/** One partition of a source: its input (records, a range, a file split) and the hosts holding it. */
export interface SourcePartition {
  input: unknown;
  hosts: string[];
}

/** A wide dependency: the node's partitions are built from map outputs of its parent. */
export interface ShuffleDependency {
  shuffleId: number;
  numPartitions: number;
  /**
   * What both sides agree on (partitioner, combining, sorting); a range partitioner's bounds are
   * set by `prepare`. Default: hash partitioning, records passed through.
   */
  params?: ShuffleParams;
  /** Runs once, before the first stage that needs the shuffle (sortByKey samples its keys here). */
  prepare?: () => Promise<void>;
}

/** A shuffle's parameters, defaults filled in. */
export function shuffleParamsOf(dep: ShuffleDependency): ShuffleParams {
  return dep.params ?? { shuffleId: dep.shuffleId, numPartitions: dep.numPartitions, partitioner: { kind: 'hash' }, combine: 'none' };
}

/** The input of a shuffle read: partition `p` of shuffle node `node`. */
export type ShuffleInputFn = (node: DatasetNode, p: number) => unknown;

/** params of a coalesce dataset on the driver: the partition count asked for (executors get CoalesceParams, its groups). */
export interface CoalesceTarget {
  partitions: number;
}

/**
 * A dataset's op with the params known when the node is made. The same as the plan's ops but two:
 * coalesce holds its target count until its groups are known, and a 'shuffle' node is what
 * executors run as 'shuffle-read' (planOp converts).
 */
export type NodeOp =
  | Exclude<PlanOp, { op: 'coalesce' | 'shuffle-read' }>
  | { op: 'coalesce'; params: CoalesceTarget }
  | { op: 'shuffle'; params: ShuffleParams };

export type NodeOpName = NodeOp['op'];

/** The params of op `O` (`null` for ops without params). */
export type NodeParams<O extends NodeOpName> = ParamsOf<NodeOp, O>;
type ParamsOf<M, O> = M extends { op: infer N; params: infer P } ? (O extends N ? P : never) : never;

export type DatasetNode = NodeOp & {
  readonly id: number;
  readonly parents: readonly DatasetNode[];
  readonly fns: readonly ShippedFn[];
  /** What the node is, for progress and errors: "textFile /logs", "map", ... */
  readonly label: string;
  /** Sources only: finds the partitions (lists files, asks for block locations). */
  readonly listPartitions?: () => Promise<SourcePartition[]>;
  /** 'shuffle' only. */
  readonly shuffle?: ShuffleDependency;
};

interface Resolved {
  partitions?: SourcePartition[];
  count: number;
  /** coalesce: the parent partitions of each partition. */
  groups?: number[][];
  /** union: the first partition index of each parent. */
  offsets?: number[];
}

/** Partition facts of resolved nodes; one per job context, so listings happen once per dataset. */
export class PartitionIndex {
  private readonly resolved = new Map<number, Resolved>();
  private readonly inflight = new Map<number, Promise<void>>();

  /** Resolves `node` and everything under it. */
  async resolve(node: DatasetNode): Promise<void> {
    if (this.resolved.has(node.id)) return;
    let p = this.inflight.get(node.id);
    if (!p) {
      p = this.resolveOnce(node);
      this.inflight.set(node.id, p);
      p.catch(() => this.inflight.delete(node.id));
    }
    await p;
  }

  isResolved(node: DatasetNode): boolean {
    return this.resolved.has(node.id);
  }

  /** Number of partitions; the node must be resolved. */
  count(node: DatasetNode): number {
    return this.get(node).count;
  }

  /**
   * The node's op as executors run it: coalesce with its groups, a shuffle as the read of its map
   * outputs; any other node as it is. The node must be resolved.
   */
  planOp(node: DatasetNode): PlanOp {
    switch (node.op) {
      case 'coalesce':
        return { op: 'coalesce', params: { groups: this.get(node).groups! } };
      case 'shuffle':
        return { op: 'shuffle-read', params: shuffleParamsOf(node.shuffle!) };
      default:
        return node;
    }
  }

  /**
   * Adds the source inputs partition `p` of `node` reads to `out`; at a shuffle boundary, the
   * shuffle read's input (the map outputs to fetch) from `shuffleInput`.
   */
  inputsFor(node: DatasetNode, p: number, out: TaskInputs, shuffleInput?: ShuffleInputFn): void {
    const r = this.get(node);
    if (r.partitions) {
      out.push([node.id, p, r.partitions[p]!.input]);
      return;
    }
    switch (node.op) {
      case 'shuffle':
        if (shuffleInput) out.push([node.id, p, shuffleInput(node, p)]);
        return;
      case 'union': {
        const [k, q] = this.unionParent(r, p);
        this.inputsFor(node.parents[k]!, q, out, shuffleInput);
        return;
      }
      case 'coalesce':
        for (const q of r.groups![p]!) this.inputsFor(node.parents[0]!, q, out, shuffleInput);
        return;
      default:
        this.inputsFor(node.parents[0]!, p, out, shuffleInput);
    }
  }

  /** Hosts holding the data of partition `p`, most data first. */
  preferredHosts(node: DatasetNode, p: number): string[] {
    const r = this.get(node);
    if (r.partitions) return r.partitions[p]!.hosts;
    switch (node.op) {
      case 'shuffle':
        return [];
      case 'union': {
        const [k, q] = this.unionParent(r, p);
        return this.preferredHosts(node.parents[k]!, q);
      }
      case 'coalesce': {
        const votes = new Map<string, number>();
        for (const q of r.groups![p]!) {
          for (const h of this.preferredHosts(node.parents[0]!, q)) votes.set(h, (votes.get(h) ?? 0) + 1);
        }
        return [...votes.entries()].sort((a, b) => b[1] - a[1]).map(([h]) => h);
      }
      default:
        return this.preferredHosts(node.parents[0]!, p);
    }
  }

  private get(node: DatasetNode): Resolved {
    const r = this.resolved.get(node.id);
    if (!r) throw new Error(`internal: dataset ${node.id} (${node.label}) used before its partitions were resolved`);
    return r;
  }

  private unionParent(r: Resolved, p: number): [number, number] {
    const offsets = r.offsets!;
    let k = offsets.length - 1;
    while (offsets[k]! > p) k--;
    return [k, p - offsets[k]!];
  }

  private async resolveOnce(node: DatasetNode): Promise<void> {
    await Promise.all(node.parents.map((parent) => this.resolve(parent)));
    let r: Resolved;
    if (node.listPartitions) {
      const partitions = await node.listPartitions();
      r = { partitions, count: partitions.length };
    } else if (node.op === 'shuffle') {
      r = { count: node.shuffle!.numPartitions };
    } else if (node.op === 'union') {
      const offsets: number[] = [];
      let total = 0;
      for (const parent of node.parents) {
        offsets.push(total);
        total += this.count(parent);
      }
      r = { count: total, offsets };
    } else if (node.op === 'coalesce') {
      const groups = coalesceGroups(this.count(node.parents[0]!), node.params.partitions);
      r = { count: groups.length, groups };
    } else {
      r = { count: this.count(node.parents[0]!) };
    }
    this.resolved.set(node.id, r);
  }
}

/**
 * Contiguous groups of parent partitions, as even as possible, order kept. Never more groups than
 * parent partitions (coalesce only lowers the count).
 */
export function coalesceGroups(parentCount: number, target: number): number[][] {
  const n = Math.max(1, Math.min(target, parentCount));
  const groups: number[][] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * parentCount) / n);
    const to = Math.floor(((i + 1) * parentCount) / n);
    const g: number[] = [];
    for (let q = from; q < to; q++) g.push(q);
    groups.push(g);
  }
  if (parentCount === 0) return [];
  return groups;
}
