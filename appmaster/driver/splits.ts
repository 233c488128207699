import type { FileSplit } from '../../protocols/driver-executor/index.js';

/**
 * Input splits of files, computed as Hadoop's FileInputFormat does: a split is at most one block
 * (fewer, larger files still give at least `minPartitions` splits overall), and a file's last split
 * may be up to 10% larger rather than leave a tiny split behind. Each split prefers the hosts
 * holding the block where it starts. Pure; tested on its own.
 */

/** Hadoop's SPLIT_SLOP: the last split of a file may be this much larger than the split size. */
export const SPLIT_SLOP = 1.1;

export interface InputFile {
  path: string;
  length: number;
  blockSize: number;
  /** Block offsets, lengths and hosts (from getFileBlockLocations). */
  blocks: { offset: number; length: number; hosts: string[] }[];
}

export interface PlannedSplit {
  split: FileSplit;
  hosts: string[];
}

/** The split size for files of `totalBytes` in all, for at least `minPartitions` splits. */
export function splitSize(totalBytes: number, minPartitions: number, blockSize: number): number {
  const goal = Math.floor(totalBytes / Math.max(1, minPartitions));
  return Math.max(1, Math.min(goal, blockSize));
}

/** Splits of every file, in file order. Empty files give none. */
export function computeSplits(files: readonly InputFile[], minPartitions: number): PlannedSplit[] {
  const total = files.reduce((sum, f) => sum + f.length, 0);
  const out: PlannedSplit[] = [];
  for (const f of files) {
    if (f.length === 0) continue;
    const size = splitSize(total, minPartitions, f.blockSize > 0 ? f.blockSize : f.length);
    let start = 0;
    let remaining = f.length;
    while (remaining / size > SPLIT_SLOP) {
      out.push(planned(f, start, size));
      start += size;
      remaining -= size;
    }
    if (remaining > 0) out.push(planned(f, start, remaining));
  }
  return out;
}

function planned(f: InputFile, start: number, length: number): PlannedSplit {
  const block = f.blocks.find((b) => start >= b.offset && start < b.offset + b.length) ?? f.blocks[f.blocks.length - 1];
  return { split: { path: f.path, start, length, fileLength: f.length }, hosts: block ? [...block.hosts] : [] };
}
