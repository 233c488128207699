import { FRAME_RECORDS } from './shuffle-files.js';

/**
 * Merging sorted runs a frame at a time: each source yields arrays of records already in order;
 * the merge awaits only when a source's frame runs out, so the per-record cost is a comparison.
 */

/** The records of every source in one order (ties go to the earlier source), in batches. */
export async function* mergeSorted<T>(sources: AsyncIterable<T[]>[], compare: (a: T, b: T) => number): AsyncGenerator<T[]> {
  const cursors: Cursor<T>[] = [];
  for (const s of sources) {
    const c = new Cursor(s[Symbol.asyncIterator]());
    if (await c.load()) cursors.push(c);
  }
  let out: T[] = [];
  while (cursors.length > 0) {
    let best = 0;
    for (let i = 1; i < cursors.length; i++) if (compare(cursors[i]!.head, cursors[best]!.head) < 0) best = i;
    const c = cursors[best]!;
    out.push(c.head);
    if (++c.index >= c.frame.length && !(await c.load())) cursors.splice(best, 1);
    if (out.length >= FRAME_RECORDS) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

class Cursor<T> {
  frame: T[] = [];
  index = 0;

  constructor(private readonly frames: AsyncIterator<T[]>) {}

  get head(): T {
    return this.frame[this.index]!;
  }

  /** Moves to the next non-empty frame; false when there is none. */
  async load(): Promise<boolean> {
    for (;;) {
      const r = await this.frames.next();
      if (r.done) return false;
      if (r.value.length > 0) {
        this.frame = r.value;
        this.index = 0;
        return true;
      }
    }
  }
}

/**
 * [key, combiner] pairs from [canonical key, key, combiner] triples sorted by canonical key, equal
 * keys merged with `mergeCombiners`; in batches.
 */
export async function* combineSorted(
  triples: AsyncIterable<unknown[][]>,
  mergeCombiners: (a: unknown, b: unknown) => unknown,
): AsyncGenerator<[unknown, unknown][]> {
  let out: [unknown, unknown][] = [];
  let canonical: unknown;
  let current: [unknown, unknown] | undefined;
  for await (const batch of triples) {
    for (const t of batch) {
      if (current && t[0] === canonical) {
        current[1] = mergeCombiners(current[1], t[2]);
        continue;
      }
      if (current) out.push(current);
      canonical = t[0];
      current = [t[1], t[2]];
    }
    if (out.length >= FRAME_RECORDS) {
      yield out;
      out = [];
    }
  }
  if (current) out.push(current);
  if (out.length > 0) yield out;
}

/** Orders [canonical, ...] tuples by their canonical key. */
export function byCanonical(a: unknown[], b: unknown[]): number {
  const x = a[0] as string;
  const y = b[0] as string;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The frames of in-memory records, FRAME_RECORDS at a time. */
export async function* memoryFrames<T>(records: T[]): AsyncGenerator<T[]> {
  for (let i = 0; i < records.length; i += FRAME_RECORDS) yield records.slice(i, i + FRAME_RECORDS);
}
