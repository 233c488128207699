import type { CachedBlock, StorageLevel } from '../../protocols/driver-executor/index.js';

/**
 * Which datasets are persisted, and which executor holds which of their partitions (Spark's
 * BlockManagerMaster, for cached partitions only). Executors report a block when a task computed
 * the partition in full and kept it; the tracker forgets an executor's blocks when the executor is
 * lost or released, and a dataset's blocks when it is unpersisted. A task for a partition someone
 * holds prefers that executor (see {@link executorLocality}); elsewhere it is computed again from
 * its lineage, which is also how lost blocks come back.
 */

/**
 * The locality name of one executor: every executor's link lists it among its host aliases, so a
 * task whose preferred "hosts" name it goes to that executor first (the scheduler's delay
 * scheduling treats it as one more host). No real host name contains a space.
 */
export function executorLocality(executorId: string): string {
  return `${EXECUTOR_LOCALITY_PREFIX}${executorId}`;
}

/** How executors' locality names begin: no host name has a space. */
export const EXECUTOR_LOCALITY_PREFIX = 'executor ';

export class CacheTracker {
  private readonly levels = new Map<number, StorageLevel>();
  /** Per persisted node, per partition: the executors holding it (in the order they reported). */
  private readonly locations = new Map<number, Map<number, string[]>>();
  /** Per executor: its blocks' bytes, by `${nodeId}:${partition}`. */
  private readonly byExecutor = new Map<string, Map<string, number>>();

  /** Marks a dataset persisted (lazily: nothing is stored until an action computes its partitions). */
  persist(nodeId: number, level: StorageLevel): void {
    this.levels.set(nodeId, level);
  }

  /** The dataset's storage level, or undefined when it is not persisted. */
  level(nodeId: number): StorageLevel | undefined {
    return this.levels.get(nodeId);
  }

  /** Unmarks a dataset and forgets its blocks; returns the executors that held any (to tell them to drop them). */
  unpersist(nodeId: number): string[] {
    this.levels.delete(nodeId);
    const holders = new Set<string>();
    for (const executors of this.locations.get(nodeId)?.values() ?? []) for (const e of executors) holders.add(e);
    this.locations.delete(nodeId);
    for (const e of holders) {
      const blocks = this.byExecutor.get(e)!;
      for (const k of [...blocks.keys()]) if (k.startsWith(`${nodeId}:`)) blocks.delete(k);
      if (blocks.size === 0) this.byExecutor.delete(e);
    }
    return [...holders];
  }

  /** An executor reports blocks it keeps (from a successful task's status); blocks of unpersisted datasets are ignored. */
  add(executorId: string, blocks: readonly CachedBlock[]): void {
    for (const b of blocks) {
      if (!this.levels.has(b.nodeId)) continue;
      let parts = this.locations.get(b.nodeId);
      if (!parts) this.locations.set(b.nodeId, (parts = new Map()));
      const holders = parts.get(b.partition) ?? [];
      if (!holders.includes(executorId)) parts.set(b.partition, [...holders, executorId]);
      let mine = this.byExecutor.get(executorId);
      if (!mine) this.byExecutor.set(executorId, (mine = new Map()));
      mine.set(`${b.nodeId}:${b.partition}`, b.bytes);
    }
  }

  /** The executors holding partition `partition` of dataset `nodeId`. */
  holders(nodeId: number, partition: number): readonly string[] {
    return this.locations.get(nodeId)?.get(partition) ?? [];
  }

  /** Whether executor `executorId` holds any cached block (dynamic allocation keeps such executors). */
  holdsBlocks(executorId: string): boolean {
    return (this.byExecutor.get(executorId)?.size ?? 0) > 0;
  }

  /** Cached blocks and their bytes per executor, for the status page. */
  blocksPerExecutor(): Map<string, { blocks: number; bytes: number }> {
    const out = new Map<string, { blocks: number; bytes: number }>();
    for (const [e, blocks] of this.byExecutor) {
      let bytes = 0;
      for (const b of blocks.values()) bytes += b;
      out.set(e, { blocks: blocks.size, bytes });
    }
    return out;
  }

  /** Forgets every block of a lost or released executor; returns how many there were. */
  removeExecutor(executorId: string): number {
    const blocks = this.byExecutor.get(executorId);
    if (!blocks) return 0;
    this.byExecutor.delete(executorId);
    for (const k of blocks.keys()) {
      const [nodeId, partition] = k.split(':').map(Number) as [number, number];
      const parts = this.locations.get(nodeId);
      const left = (parts?.get(partition) ?? []).filter((e) => e !== executorId);
      if (left.length > 0) parts!.set(partition, left);
      else parts?.delete(partition);
    }
    return blocks.size;
  }
}
