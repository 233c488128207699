import { COMMIT_DENIED, type TaskStatus } from '../../protocols/driver-executor/index.js';

/**
 * The output commit coordinator (Spark's OutputCommitCoordinator, SPARK-4879, as the anchor): the
 * authority on which attempt of a save task may commit its file. A save task writes its attempt
 * file, then asks (protocol message commitAsk); the driver moves the file into place only when that
 * attempt reports success (commit.ts). Speculation and retries run several attempts of a partition,
 * and this makes exactly one of them the committer:
 *
 * - The first attempt to ask for a (stage, partition) is authorized; later askers are refused
 *   (they discard their files and end as COMMIT_DENIED, which the scheduler counts as no failure).
 * - An attempt the scheduler no longer runs (cancelled, or of an ended task set) is refused.
 * - If the authorized attempt fails, or its executor is lost, before it succeeded, the partition is
 *   free again and the next attempt to ask is authorized.
 * - Once the authorized attempt succeeded, the partition stays taken until the stage ends.
 *
 * State is kept per stage id (Spark keys it by stage, not stage attempt, so that a stray attempt of
 * an older try cannot commit after a newer one did) and dropped when the stage ends.
 */

interface Holder {
  tid: number;
  executorId: string;
  /** The attempt reported success: the partition is committed (or being moved into place). */
  succeeded: boolean;
}

export class CommitCoordinator {
  /** stage → partition → the attempt authorized to commit. */
  private readonly stages = new Map<number, Map<number, Holder>>();
  /** Authorized attempts not yet succeeded, by tid. */
  private readonly pending = new Map<number, { stageId: number; partition: number }>();

  /** `isRunning`: whether the scheduler runs attempt `tid` on executor `executorId` now. */
  constructor(private readonly isRunning: (tid: number, executorId: string) => boolean) {}

  /** Whether attempt `tid` (on `executorId`) may commit its output of `partition` of `stageId`. */
  ask(executorId: string, tid: number, stageId: number, partition: number): boolean {
    let partitions = this.stages.get(stageId);
    const holder = partitions?.get(partition);
    if (holder) return holder.tid === tid && holder.executorId === executorId;
    if (!this.isRunning(tid, executorId)) return false;
    if (!partitions) this.stages.set(stageId, (partitions = new Map()));
    partitions.set(partition, { tid, executorId, succeeded: false });
    this.pending.set(tid, { stageId, partition });
    return true;
  }

  /** Final statuses from `executorId`: an authorized attempt that failed frees its partition. */
  statusUpdates(executorId: string, updates: readonly TaskStatus[]): void {
    for (const u of updates) {
      const at = this.pending.get(u.tid);
      if (!at) continue;
      const holder = this.stages.get(at.stageId)?.get(at.partition);
      if (!holder || holder.executorId !== executorId) continue;
      this.pending.delete(u.tid);
      if (u.succeeded) holder.succeeded = true;
      else if (u.error?.name !== COMMIT_DENIED) this.stages.get(at.stageId)!.delete(at.partition);
    }
  }

  /** The executor is gone: partitions its attempts held and had not committed are free again. */
  executorLost(executorId: string): void {
    for (const [tid, at] of [...this.pending]) {
      const partitions = this.stages.get(at.stageId);
      if (partitions?.get(at.partition)?.executorId !== executorId) continue;
      partitions.delete(at.partition);
      this.pending.delete(tid);
    }
  }

  /** The stage ended: its state goes. */
  stageEnded(stageId: number): void {
    const partitions = this.stages.get(stageId);
    if (!partitions) return;
    for (const h of partitions.values()) this.pending.delete(h.tid);
    this.stages.delete(stageId);
  }

  /** The attempt authorized for a partition, if any (for tests and status). */
  holder(stageId: number, partition: number): { tid: number; executorId: string; succeeded: boolean } | undefined {
    const h = this.stages.get(stageId)?.get(partition);
    return h && { ...h };
  }
}
