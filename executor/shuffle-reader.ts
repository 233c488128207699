import { KeyMap, compareKeys } from '../protocols/driver-executor/index.js';
import { SpindleError } from '../protocols/errors/index.js';
import type { BatchStream } from './compute.js';
import { BATCH_SIZE } from './compute.js';
import type { ShuffleParams, ShuffleReadInput } from './plan.js';
import { ReduceSorter } from './reduce-sorter.js';
import { decodeFrames } from './shuffle-files.js';
import { combinerFns, type ShuffleEnv } from './shuffle-writer.js';

/**
 * The reduce side of a shuffle: fetch this reducer's segment of every map output (from the block
 * servers of the executors that wrote them, a few at a time, with a bound on bytes in flight),
 * then merge: combine equal keys, group values, or pass records through, sorting if asked.
 */

/** At most this many fetch requests in flight per reduce task. */
export const FETCH_CONCURRENCY = 4;
/** Requests are started while fewer than this many bytes are in flight (one is always allowed). */
export const MAX_BYTES_IN_FLIGHT = 48 * 1024 * 1024;
/** Attempts per block server before the task fails with a FetchFailedError. */
export const FETCH_ATTEMPTS = 3;
/** Delay before the second attempt; doubled for each further one. */
export const FETCH_RETRY_MS = 200;

/**
 * Map output could not be fetched: the driver recomputes the map outputs of `executorId`. The
 * marker in the message is how the driver learns which executor (errors cross as name + message).
 */
export class FetchFailedError extends SpindleError {
  override readonly name = 'FetchFailedError';
  constructor(
    readonly executorId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [map output lost on executor ${executorId}]`, options);
  }
}

type Fn = (...args: unknown[]) => unknown;

/** Every record segment of this reducer, handed to `onSegment` one at a time as they arrive. */
export async function fetchSegments(input: ShuffleReadInput, env: ShuffleEnv, onSegment: (segment: Buffer) => Promise<void> | void): Promise<void> {
  const queue = [...input.sources];
  let inFlight = 0;
  let bytesInFlight = 0;
  let processing: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const pump = (): void => {
      if (failed) return;
      if (queue.length === 0 && inFlight === 0) return resolve();
      while (queue.length > 0 && inFlight < FETCH_CONCURRENCY && (inFlight === 0 || bytesInFlight + queue[0]!.bytes <= MAX_BYTES_IN_FLIGHT)) {
        const src = queue.shift()!;
        inFlight++;
        bytesInFlight += src.bytes;
        fetchWithRetry(env, src, input.reduceId).then(
          (segments) => {
            inFlight--;
            bytesInFlight -= src.bytes;
            for (const s of segments) processing = processing.then(() => onSegment(s));
            processing.catch(() => {});
            pump();
          },
          (err: Error) => {
            failed = true;
            reject(err);
          },
        );
      }
    };
    pump();
  });
  await processing;
}

async function fetchWithRetry(env: ShuffleEnv, src: ShuffleReadInput['sources'][number], reduceId: number): Promise<Buffer[]> {
  let last: unknown;
  for (let attempt = 0; attempt < FETCH_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, FETCH_RETRY_MS * 2 ** (attempt - 1)));
    try {
      return await env.fetch(src.address, src.files, reduceId);
    } catch (err) {
      last = err;
    }
  }
  throw new FetchFailedError(
    src.executorId,
    `fetch shuffle blocks for reducer ${reduceId} from executor ${src.executorId} at ${src.address} failed ${FETCH_ATTEMPTS} times: ${(last as Error).message}`,
    { cause: last },
  );
}

/** The records of one reduce partition. */
export async function* readShuffle(input: ShuffleReadInput, params: ShuffleParams, fns: Fn[], env: ShuffleEnv): BatchStream {
  if (params.combine === 'aggregate') {
    // Bounded by the number of distinct keys: the map side combined already.
    const { mergeCombiners } = combinerFns(params, fns);
    const m = new KeyMap<[unknown, unknown]>();
    await fetchSegments(input, env, (s) => {
      for (const frame of decodeFrames(s)) {
        for (const kv of frame as [unknown, unknown][]) {
          const e = m.get(kv[0]);
          if (e) e[1] = mergeCombiners(e[1], kv[1]);
          else m.set(kv[0], [kv[0], kv[1]]);
        }
      }
    });
    let out: unknown[] = [...m.values()];
    m.clear();
    if (params.sort) {
      const sign = params.sort === 'asc' ? 1 : -1;
      out.sort((a, b) => sign * compareKeys((a as unknown[])[0], (b as unknown[])[0]));
    }
    for (let i = 0; i < out.length; i += BATCH_SIZE) yield out.slice(i, i + BATCH_SIZE);
    out = [];
    return;
  }
  if (params.combine === 'none' && !params.sort) {
    // Kept serialized (compact) and decoded a frame at a time.
    const segments: Buffer[] = [];
    await fetchSegments(input, env, (s) => void segments.push(s));
    for (const s of segments) for (const frame of decodeFrames(s)) yield frame;
    return;
  }
  const sorter = new ReduceSorter({ order: params.combine === 'group' ? 'group' : params.sort!, dir: env.dir, memoryBytes: env.memoryBytes });
  try {
    await fetchSegments(input, env, async (s) => {
      const records: [unknown, unknown][] = [];
      for (const frame of decodeFrames(s)) for (const r of frame as [unknown, unknown][]) records.push(r);
      await sorter.add(records, s.length);
    });
    yield* sorter.sorted();
  } finally {
    await sorter.cleanup();
  }
}
