import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files one task keeps in the shuffle directory besides its map output: spill runs, fetched
 * segments too large for memory, groups too large for memory. All are removed when the task ends
 * (not when its record stream ends: records handed on may still read a spilled group).
 */
export class TaskScratch {
  private readonly files = new Set<string>();
  private seq = 0;

  constructor(
    private readonly dir: string,
    private readonly tag: string,
  ) {}

  /** A new file path in the shuffle directory (nothing is created yet). */
  file(kind: string): string {
    const path = join(this.dir, `${this.tag}.${kind}${this.seq++}`);
    this.files.add(path);
    return path;
  }

  /** Removes one file early. */
  async remove(path: string): Promise<void> {
    this.files.delete(path);
    await rm(path, { force: true });
  }

  /** Removes every file handed out. */
  async clear(): Promise<void> {
    const files = [...this.files];
    this.files.clear();
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }
}
