import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageLevel } from '../protocols/driver-executor/index.js';

/**
 * The partitions of persisted datasets an executor keeps (Spark's MemoryStore and DiskStore in
 * one): blocks of serialized record batches, in memory up to a byte budget, the least recently
 * used moved to a file in the executor's local directory when a new block would go over it
 * (MEMORY_AND_DISK), or written there at once (DISK_ONLY, or a block larger than the budget).
 * A block is only ever stored whole; reading it back yields its batches in order.
 *
 * A block file is the block's chunks, each a u32 BE length and that many bytes:
 *
 *   +---------+-----------------+---------+-----------------+--
 *   | u32 len | chunk (v8 batch) | u32 len | chunk (v8 batch) | ...
 *   +---------+-----------------+---------+-----------------+--
 */

/** Share of the executor's heap its cached blocks may take in memory, when the job does not say (`--cache-memory`). */
export const CACHE_HEAP_FRACTION = 0.3;

interface Block {
  nodeId: number;
  partition: number;
  bytes: number;
  /** The chunks while the block is in memory (and while it is being written to disk); undefined once on disk. */
  chunks: Buffer[] | undefined;
  /** Being moved to disk: no longer counted against the budget. */
  leaving: boolean;
  /** The block's file once it is on disk. */
  file: string | undefined;
}

/** What the store holds, for tests and logs. */
export interface BlockStoreStats {
  memoryBytes: number;
  diskBytes: number;
  /** Blocks moved from memory to disk so far. */
  spilled: number;
}

export class BlockStore {
  /** Every block by key; memory blocks in least recently used first order (a Map keeps insertion order). */
  private readonly blocks = new Map<string, Block>();
  private memoryBytes = 0;
  private diskBytes = 0;
  private spilled = 0;
  private dirReady: Promise<unknown> | undefined;

  constructor(
    /** Where spilled and DISK_ONLY blocks go (created on first use; removed with the container's local dirs). */
    private readonly dir: string,
    /** Bytes of blocks kept in memory at most. */
    private readonly budgetBytes: number,
  ) {
    if (!Number.isFinite(budgetBytes) || budgetBytes < 0)
      throw new RangeError(`block store budget must be >= 0 bytes (got ${budgetBytes})`);
  }

  has(nodeId: number, partition: number): boolean {
    return this.blocks.has(key(nodeId, partition));
  }

  /**
   * Stores partition `partition` of dataset `nodeId` (its chunks: v8-serialized record batches).
   * An existing block of the same partition is kept (a partition's records are the same every time it is computed).
   */
  async put(nodeId: number, partition: number, chunks: Buffer[], level: StorageLevel): Promise<number> {
    const k = key(nodeId, partition);
    const existing = this.blocks.get(k);
    if (existing) return existing.bytes;
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    const block: Block = { nodeId, partition, bytes, chunks, file: undefined, leaving: false };
    if (level === 'DISK_ONLY' || bytes > this.budgetBytes) {
      block.leaving = true;
      this.blocks.set(k, block);
      await this.toDisk(block);
      return bytes;
    }
    this.blocks.set(k, block);
    this.memoryBytes += bytes;
    await this.evict(block);
    return bytes;
  }

  /** The batches of a stored block, or undefined when this executor does not hold it. Marks it recently used. */
  read(nodeId: number, partition: number): AsyncIterable<Buffer> | undefined {
    const k = key(nodeId, partition);
    const block = this.blocks.get(k);
    if (!block) return undefined;
    if (block.chunks) {
      this.blocks.delete(k);
      this.blocks.set(k, block);
      const chunks = block.chunks;
      return (async function* () {
        yield* chunks;
      })();
    }
    return readFrames(block.file!);
  }

  /** Drops every block of dataset `nodeId` (unpersist); resolves once their files are removed. */
  async drop(nodeId: number): Promise<void> {
    const files: string[] = [];
    for (const [k, b] of this.blocks) {
      if (b.nodeId !== nodeId) continue;
      this.blocks.delete(k);
      if (b.chunks && !b.leaving) this.memoryBytes -= b.bytes;
      if (b.file) {
        this.diskBytes -= b.bytes;
        files.push(b.file);
      }
      b.chunks = undefined;
    }
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }

  stats(): BlockStoreStats {
    return { memoryBytes: this.memoryBytes, diskBytes: this.diskBytes, spilled: this.spilled };
  }

  /** Memory blocks in least recently used order (for tests). */
  memoryBlocks(): [number, number][] {
    return [...this.blocks.values()].filter((b) => b.chunks && !b.leaving).map((b) => [b.nodeId, b.partition]);
  }

  /** Moves least recently used memory blocks to disk until memory is within the budget (`keep` last of all). */
  private async evict(keep: Block): Promise<void> {
    const victims: Block[] = [];
    const leave = (b: Block): void => {
      victims.push(b);
      this.memoryBytes -= b.bytes;
      // Readers keep using the chunks until the file is written.
      b.leaving = true;
    };
    for (const b of this.blocks.values()) {
      if (this.memoryBytes <= this.budgetBytes) break;
      if (b.chunks && !b.leaving && b !== keep) leave(b);
    }
    if (this.memoryBytes > this.budgetBytes && !keep.leaving) leave(keep);
    for (const b of victims) {
      this.spilled++;
      await this.toDisk(b);
    }
  }

  private async toDisk(block: Block): Promise<void> {
    const chunks = block.chunks!;
    this.dirReady ??= mkdir(this.dir, { recursive: true });
    await this.dirReady;
    const file = join(this.dir, `rdd_${block.nodeId}_${block.partition}`);
    const parts: Buffer[] = [];
    for (const c of chunks) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(c.length);
      parts.push(len, c);
    }
    try {
      await writeFile(file, parts);
    } catch (err) {
      // A block that cannot be written is not kept: the partition is computed again when needed.
      if (this.blocks.get(key(block.nodeId, block.partition)) === block) this.blocks.delete(key(block.nodeId, block.partition));
      await rm(file, { force: true }).catch(() => {});
      throw err;
    }
    // Dropped (unpersist) while it was being written: the file goes too.
    if (this.blocks.get(key(block.nodeId, block.partition)) !== block) {
      await rm(file, { force: true });
      return;
    }
    block.file = file;
    block.chunks = undefined;
    this.diskBytes += block.bytes;
  }
}

function key(nodeId: number, partition: number): string {
  return `${nodeId}:${partition}`;
}

/** The chunks of a block file, one at a time. */
async function* readFrames(file: string): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(head, 0, 4, pos);
      if (bytesRead === 0) return;
      if (bytesRead < 4) throw new Error(`cached block file ${file} is truncated at byte ${pos}`);
      const len = head.readUInt32BE(0);
      const body = Buffer.alloc(len);
      const got = len === 0 ? { bytesRead: 0 } : await fh.read(body, 0, len, pos + 4);
      if (got.bytesRead < len) throw new Error(`cached block file ${file} is truncated at byte ${pos + 4 + got.bytesRead}`);
      pos += 4 + len;
      yield body;
    }
  } finally {
    await fh.close();
  }
}
