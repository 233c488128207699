/**
 * A task's shuffle memory, shared by the structures that hold records at the same time: the reduce
 * side's combiners, sorter or kept segments while their output flows on, and the buckets of the
 * next shuffle that output is written to. Each holder says what it holds now and gets back the most
 * it may hold: the budget less what the others hold, but never under a quarter of the budget, so a
 * holder that starts late still gets work done between spills. A task's estimated shuffle memory so
 * stays within 1.25 x the budget however many holders it chains (each had the whole budget before).
 */
export class TaskMemory {
  private readonly held = new Map<object, number>();
  private heldTotal = 0;
  private peakBytes = 0;

  constructor(readonly budgetBytes: number) {}

  /** The smallest limit a holder gets, however much the others hold. */
  get floorBytes(): number {
    return Math.floor(this.budgetBytes / 4);
  }

  /** Records that `holder` holds `bytes` (estimated) now; returns the most it may hold. */
  update(holder: object, bytes: number): number {
    const before = this.held.get(holder) ?? 0;
    this.held.set(holder, bytes);
    this.heldTotal += bytes - before;
    if (this.heldTotal > this.peakBytes) this.peakBytes = this.heldTotal;
    return Math.max(this.floorBytes, this.budgetBytes - (this.heldTotal - bytes));
  }

  /** `holder` holds nothing any more. */
  release(holder: object): void {
    const before = this.held.get(holder);
    if (before === undefined) return;
    this.held.delete(holder);
    this.heldTotal -= before;
  }

  /** What all holders hold now, and the most they held at once. */
  get usage(): { heldBytes: number; peakBytes: number } {
    return { heldBytes: this.heldTotal, peakBytes: this.peakBytes };
  }
}

/** The per-task shuffle budget by default: this share of a task thread's heap (heap / cores). */
export const SHUFFLE_HEAP_FRACTION = 0.25;

/** The default shuffle budget of one task in an executor whose heap is `heapLimitBytes` shared by `cores` task threads. */
export function defaultShuffleMemory(heapLimitBytes: number, cores: number): number {
  return Math.floor((heapLimitBytes * SHUFFLE_HEAP_FRACTION) / Math.max(1, cores));
}
