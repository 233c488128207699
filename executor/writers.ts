import avro from 'avsc';
import { once } from 'node:events';
import { COMMIT_DENIED, type SaveParams, type SaveResult, type TaskLaunch } from '../protocols/driver-executor/index.js';
import { SpindleError } from '../protocols/errors/index.js';
import type { BatchStream } from './compute.js';
import { plainRecord } from './group-values.js';
import type { ExecutorFs } from './sources.js';

/**
 * Writing one partition of a save action into the task attempt's own file. Once it is written the
 * task asks the driver's commit coordinator whether it may be committed: the first attempt of a
 * partition to ask may, and the driver moves its file into place when it reports success (see
 * appmaster/driver/commit.ts); a refused attempt removes its file and ends as commit-denied, which
 * is no failure. Files of other attempts are never visible.
 */

/** The driver refused this attempt the right to commit: another attempt of the partition holds it. */
export class CommitDeniedError extends SpindleError {
  override readonly name = COMMIT_DENIED;
}

/** The attempt's file name: unique per attempt, so concurrent attempts never collide. */
export function attemptFileName(task: TaskLaunch, extension: string): string {
  return `part-${String(task.partition).padStart(5, '0')}-a${task.attempt}-t${task.tid}${extension}`;
}

/** One line of text output: strings as they are, anything else as JSON. */
export function textLine(record: unknown, json: boolean): string {
  if (!json && typeof record === 'string') return record;
  const s = JSON.stringify(record);
  return s === undefined ? 'null' : s;
}

export async function writePartition(fs: ExecutorFs, stream: BatchStream, params: SaveParams, task: TaskLaunch): Promise<SaveResult> {
  const path = `${params.attemptDir}/${attemptFileName(task, params.extension)}`;
  const counts = { records: 0, bytes: 0 };
  const body = params.format === 'avro' ? avroBody(stream, params, counts) : textBody(stream, params.format === 'json', counts);
  await fs.create(path, body, { overwrite: false });
  return { path, records: counts.records, bytes: counts.bytes };
}

/** Removes the refused attempt's file and ends the task as commit-denied. */
export async function discardAttempt(fs: ExecutorFs, path: string, task: TaskLaunch): Promise<never> {
  // A file that cannot be removed now stays hidden under _temporary, which the job commit removes.
  await fs.delete(path).catch(() => false);
  throw new CommitDeniedError(
    `partition ${task.partition}, attempt ${task.attempt + 1}: another attempt commits this partition; this attempt's file is discarded`,
  );
}

async function* textBody(stream: BatchStream, json: boolean, counts: { records: number; bytes: number }): AsyncGenerator<Buffer> {
  for await (const b of stream) {
    let text = '';
    for (const r of b) text += `${textLine(r, json)}\n`;
    const bytes = Buffer.from(text, 'utf8');
    counts.records += b.length;
    counts.bytes += bytes.length;
    yield bytes;
  }
}

async function* avroBody(stream: BatchStream, params: SaveParams, counts: { records: number; bytes: number }): AsyncGenerator<Buffer> {
  const type = avro.Type.forSchema(params.schema as avro.Schema);
  const encoder = new avro.streams.BlockEncoder(type, { codec: params.codec ?? 'null' });
  const out: Buffer[] = [];
  let failure: Error | undefined;
  encoder.on('data', (b: Buffer) => out.push(b));
  encoder.on('error', (err: Error) => (failure = err));
  const drain = function* (): Generator<Buffer> {
    while (out.length > 0) {
      const b = out.shift()!;
      counts.bytes += b.length;
      yield b;
    }
  };
  for await (const batch of stream) {
    for (let r of batch) {
      r = plainRecord(r);
      checkRecord(type, r);
      if (!encoder.write(r)) await once(encoder, 'drain');
    }
    counts.records += batch.length;
    if (failure) throw failure;
    yield* drain();
  }
  const ended = once(encoder, 'end');
  encoder.end();
  await ended;
  if (failure) throw failure;
  yield* drain();
}

/** A record that does not fit the schema fails with the field that does not fit. */
function checkRecord(type: avro.Type, record: unknown): void {
  const problems: string[] = [];
  const ok = type.isValid(record, {
    errorHook: (path: string[], value: unknown, t: avro.Type) => {
      if (problems.length < 3)
        problems.push(`${path.length ? path.join('.') : '(record)'}: ${JSON.stringify(value) ?? String(value)} is not ${t.typeName}`);
    },
  });
  if (!ok) throw new TypeError(`saveAsAvroFile: a record does not match the schema: ${problems.join('; ')}`);
}
