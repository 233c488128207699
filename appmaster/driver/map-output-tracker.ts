import type { MapStatus, ShuffleReadInput } from '../../protocols/driver-executor/index.js';

/**
 * Where the map outputs of each shuffle are: for every map partition, the executor that wrote it,
 * its block server and file, and the bytes for each reducer. Reduce tasks get their fetch list
 * from here; when an executor is lost (or a fetch from it fails), its outputs are forgotten and
 * the engine recomputes exactly those map partitions.
 */

/** A fetch request asks one block server for about this many bytes at most (one file may exceed it). */
export const FETCH_REQUEST_BYTES = 8 * 1024 * 1024;

export interface MapOutput extends MapStatus {
  executorId: string;
}

export class MapOutputTracker {
  private readonly shuffles = new Map<number, (MapOutput | undefined)[]>();

  /** Registers a shuffle with `numMaps` map partitions (keeps what is known if already there). */
  register(shuffleId: number, numMaps: number): void {
    if (!this.shuffles.has(shuffleId)) this.shuffles.set(shuffleId, new Array<MapOutput | undefined>(numMaps));
  }

  /** The first successful attempt of map partition `mapId` wrote `status` on `executorId`. */
  add(shuffleId: number, mapId: number, executorId: string, status: MapStatus): void {
    const outputs = this.shuffles.get(shuffleId);
    if (!outputs) throw new Error(`internal: map output for unregistered shuffle ${shuffleId}`);
    outputs[mapId] = { ...status, executorId };
  }

  /** Map partitions with no output (never computed, or lost). */
  missing(shuffleId: number): number[] {
    const outputs = this.shuffles.get(shuffleId) ?? [];
    const out: number[] = [];
    for (let i = 0; i < outputs.length; i++) if (!outputs[i]) out.push(i);
    return out;
  }

  /** Forgets every output held by `executorId`; returns how many were lost. */
  removeExecutor(executorId: string): number {
    let lost = 0;
    for (const outputs of this.shuffles.values()) {
      for (let i = 0; i < outputs.length; i++) {
        if (outputs[i]?.executorId === executorId) {
          outputs[i] = undefined;
          lost++;
        }
      }
    }
    return lost;
  }

  /** The shuffles `executorId` holds output of. */
  shufflesOn(executorId: string): number[] {
    const out: number[] = [];
    for (const [shuffleId, outputs] of this.shuffles) if (outputs.some((o) => o?.executorId === executorId)) out.push(shuffleId);
    return out;
  }

  /** Executors holding output of any shuffle. */
  executors(): Set<string> {
    return new Set(this.outputsPerExecutor().keys());
  }

  /** How many map outputs (of every shuffle) each executor holds. */
  outputsPerExecutor(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const outputs of this.shuffles.values())
      for (const o of outputs) if (o) counts.set(o.executorId, (counts.get(o.executorId) ?? 0) + 1);
    return counts;
  }

  /** What reducer `reduceId` of `shuffleId` fetches, grouped by executor; empty segments left out. */
  readInput(shuffleId: number, reduceId: number): ShuffleReadInput {
    const outputs = this.shuffles.get(shuffleId);
    if (!outputs) throw new Error(`internal: no map outputs for shuffle ${shuffleId}`);
    const open = new Map<string, ShuffleReadInput['sources'][number]>();
    const sources: ShuffleReadInput['sources'] = [];
    for (let m = 0; m < outputs.length; m++) {
      const o = outputs[m];
      if (!o) throw new Error(`internal: map output ${m} of shuffle ${shuffleId} is missing`);
      const bytes = o.sizes[reduceId] ?? 0;
      if (bytes === 0) continue;
      let src = open.get(o.executorId);
      if (!src || (src.files.length > 0 && src.bytes + bytes > FETCH_REQUEST_BYTES)) {
        src = { executorId: o.executorId, address: o.address, files: [], bytes: 0 };
        open.set(o.executorId, src);
        sources.push(src);
      }
      src.files.push(o.file);
      src.bytes += bytes;
    }
    return { reduceId, sources };
  }

  /** Forgets a shuffle. */
  unregister(shuffleId: number): void {
    this.shuffles.delete(shuffleId);
  }
}
