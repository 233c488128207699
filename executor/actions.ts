import type { ReducePartial, TaskLaunch } from '../protocols/driver-executor/index.js';
import { copyValue, encodeValue } from '../protocols/driver-executor/index.js';
import type { BatchStream, PreparedStage } from './compute.js';
import { asClosureError } from './functions.js';
import { plainRecord } from './group-values.js';
import { writeShuffle, type ShuffleEnv } from './shuffle-writer.js';
import type { ExecutorFs } from './sources.js';
import { discardAttempt, writePartition } from './writers.js';

/**
 * What a task does with its computed partition: the action's per-partition half. The driver
 * combines the partial results (sums counts, folds partials, concatenates collected chunks).
 */

/** Collected records are streamed back in chunks of about this many bytes. */
export const RESULT_CHUNK_BYTES = 256 * 1024;
/** A single chunk never exceeds this (a bigger batch is split). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

export interface ChunkSink {
  /** Sends one chunk (a v8-serialized array of records); resolves when the channel can take more. */
  chunk(data: Buffer): Promise<void>;
  /**
   * Asks the driver whether this attempt may commit its output (the output commit coordinator);
   * without it, every attempt may.
   */
  askCommit?(): Promise<boolean>;
}

export interface ActionOutcome {
  result: Buffer | null;
  records: number;
  bytesWritten: number;
}

export async function runAction(
  stage: PreparedStage,
  stream: BatchStream,
  task: TaskLaunch,
  fs: ExecutorFs,
  sink: ChunkSink,
  shuffle?: ShuffleEnv,
): Promise<ActionOutcome> {
  const action = stage.action;
  const fn = action.fns[0]!;
  const userCall = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw asClosureError(err, action.kind) ?? err;
    }
  };
  let records = 0;
  switch (action.kind) {
    case 'count':
      for await (const b of stream) records += b.length;
      return { result: encodeValue(records, 'a count'), records, bytesWritten: 0 };
    case 'collect':
    case 'take': {
      const limit = action.kind === 'take' ? action.params.n : Infinity;
      const chunker = new Chunker(sink);
      if (limit > 0) {
        for await (const b of stream) {
          const room = limit - records;
          const part = b.length > room ? b.slice(0, room) : b;
          records += part.length;
          await chunker.add(part);
          if (records >= limit) break;
        }
      }
      await chunker.flush();
      return { result: null, records, bytesWritten: 0 };
    }
    case 'reduce': {
      let acc: unknown;
      let empty = true;
      for await (const b of stream) {
        records += b.length;
        userCall(() => {
          let i = 0;
          if (empty && b.length > 0) {
            acc = b[0];
            empty = false;
            i = 1;
          }
          for (; i < b.length; i++) acc = fn(acc, b[i]);
        });
      }
      const partial: ReducePartial = empty ? { empty: true } : { empty: false, value: acc };
      return { result: encodeValue(partial, 'the result of reduce'), records, bytesWritten: 0 };
    }
    case 'fold':
    case 'aggregate': {
      // Every partition starts from its own copy of the zero value (the function may mutate it).
      let acc = copyValue(action.params.zero);
      for await (const b of stream) {
        records += b.length;
        userCall(() => {
          for (let i = 0; i < b.length; i++) acc = fn(acc, b[i]);
        });
      }
      return { result: encodeValue(acc, `the result of ${action.kind}`), records, bytesWritten: 0 };
    }
    case 'foreach':
      for await (const b of stream) {
        for (let i = 0; i < b.length; i++) {
          const r = userCall(() => fn(b[i]));
          if (r && typeof (r as Promise<unknown>).then === 'function') {
            try {
              await r;
            } catch (err) {
              throw asClosureError(err, action.kind) ?? err;
            }
          }
        }
        records += b.length;
      }
      return { result: null, records, bytesWritten: 0 };
    case 'save': {
      const saved = await writePartition(fs, stream, action.params, task);
      if (sink.askCommit && !(await sink.askCommit())) await discardAttempt(fs, saved.path, task);
      return { result: encodeValue(saved, 'a saved file'), records: saved.records, bytesWritten: saved.bytes };
    }
    case 'shuffle-write': {
      if (!shuffle) throw new Error('this executor has no shuffle directory, so it cannot write shuffle output');
      const written = await writeShuffle(stream, action.params, action.fns, task.tid, task.partition, shuffle);
      const { records: n, bytes, spills: _spills, ...status } = written;
      return { result: encodeValue(status, 'a map status'), records: n, bytesWritten: bytes };
    }
    default: {
      // Every kind decodeAction accepts is handled above.
      const unhandled: never = action;
      throw new Error(`internal: no case for the action ${(unhandled as PreparedStage['action']).kind}`);
    }
  }
}

/** Groups collected records into chunks of about RESULT_CHUNK_BYTES. */
class Chunker {
  private pending: unknown[] = [];
  /** Records per chunk, adjusted to the observed record size. */
  private target = 1024;

  constructor(private readonly sink: ChunkSink) {}

  async add(batch: unknown[]): Promise<void> {
    for (const r of batch) this.pending.push(plainRecord(r));
    if (this.pending.length >= this.target) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    await this.send(records);
  }

  private async send(records: unknown[]): Promise<void> {
    const bytes = encodeValue(records, 'a collected record');
    if (bytes.length > MAX_CHUNK_BYTES && records.length > 1) {
      const half = records.length >> 1;
      await this.send(records.slice(0, half));
      await this.send(records.slice(half));
      return;
    }
    const perRecord = bytes.length / records.length;
    this.target = Math.max(1, Math.min(65536, Math.floor(RESULT_CHUNK_BYTES / Math.max(perRecord, 1))));
    await this.sink.chunk(bytes);
  }
}
