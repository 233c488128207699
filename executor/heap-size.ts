/**
 * What decoded records cost on the V8 heap, estimated from their structure: the shuffle's memory
 * budget counts records this way. Serialized size is a poor proxy: a pair of short strings takes
 * five to six times its v8-serialized size on the heap, a pair of 100-byte strings twice, so a
 * fixed factor either spills sorts early or lets joins overrun their budget.
 *
 * Sizes are for 64-bit V8 without pointer compression (Node's default build): 8-byte fields,
 * objects aligned to 8 bytes. Measured against heapUsed for [string, string], [string, number]
 * and [number, string] records (test/unit/heap-size.test.ts), within 15%.
 */

/** A JSArray (map, properties, elements, length) and its FixedArray store (map, length). */
const ARRAY_BYTES = 32 + 16;
/** A plain object's header (map, properties, elements) before its in-object fields. */
const OBJECT_BYTES = 24;
/** A string's header (map, hash, length). */
const STRING_BYTES = 16;
/** A boxed double, or an integer outside the small-integer range. */
const HEAP_NUMBER_BYTES = 16;
/** A Map or Set entry: key, value and chain link in the backing table, plus its bucket's share. */
export const MAP_ENTRY_BYTES = 32;
/** A [key, value] array itself, without what its two elements reference. */
export const PAIR_BYTES = 32 + 16 + 2 * 8;
/** Elements looked at per array or object; the rest are assumed to cost the same on average. */
const SCAN_ELEMENTS = 32;
/** Nesting looked into; deeper values count as one pointer. */
const MAX_DEPTH = 6;

const align = (n: number): number => (n + 7) & ~7;

/** Estimated heap bytes of `value` and everything it references (shared parts counted each time). */
export function heapSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return stringSize(value);
    case 'number':
      return (value | 0) === value ? 0 : HEAP_NUMBER_BYTES;
    case 'bigint':
      return align(16 + 8 * Math.ceil(value.toString(16).length / 16));
    case 'object':
      break;
    default:
      return 0; // booleans, undefined, symbols: constants or shared
  }
  if (value === null) return 0;
  if (depth >= MAX_DEPTH) return 8;
  if (Array.isArray(value)) return ARRAY_BYTES + 8 * value.length + scanned(value, value.length, depth);
  if (ArrayBuffer.isView(value)) return 96 + value.byteLength;
  if (value instanceof Map) {
    let inner = 0;
    let n = 0;
    for (const [k, v] of value) {
      if (n++ >= SCAN_ELEMENTS) break;
      inner += heapSize(k, depth + 1) + heapSize(v, depth + 1);
    }
    return 64 + value.size * MAP_ENTRY_BYTES + (n === 0 ? 0 : (inner / Math.min(n, SCAN_ELEMENTS)) * value.size);
  }
  if (value instanceof Set) {
    let inner = 0;
    let n = 0;
    for (const k of value) {
      if (n++ >= SCAN_ELEMENTS) break;
      inner += heapSize(k, depth + 1);
    }
    return 64 + value.size * MAP_ENTRY_BYTES + (n === 0 ? 0 : (inner / Math.min(n, SCAN_ELEMENTS)) * value.size);
  }
  if (value instanceof Date) return 48;
  const values = Object.values(value as object);
  return OBJECT_BYTES + 8 * values.length + scanned(values, values.length, depth);
}

/** The referenced parts of the first SCAN_ELEMENTS of `items`, scaled to all `n`. */
function scanned(items: readonly unknown[], n: number, depth: number): number {
  const k = Math.min(n, SCAN_ELEMENTS);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += heapSize(items[i], depth + 1);
  return k === n ? sum : (sum / k) * n;
}

function stringSize(s: string): number {
  // One byte per character unless a character needs two (checked on short strings only: long text is rarely all Latin-1 when any is not).
  const sample = s.length > 64 ? s.slice(0, 64) : s;
  let wide = false;
  for (let i = 0; i < sample.length; i++) {
    if (sample.charCodeAt(i) > 0xff) {
      wide = true;
      break;
    }
  }
  return align(STRING_BYTES + (wide ? 2 : 1) * s.length);
}

/**
 * Average heap bytes of the records of a batch (or of the part `size` measures), from up to `n` of
 * them spread across it: a sample keeps the estimate cheap, a few walks per batch of thousands.
 */
export function averageHeapSize<T>(records: readonly T[], n = 8, size: (record: T) => number = heapSize): number {
  if (records.length === 0) return 0;
  const step = Math.max(1, Math.floor(records.length / n));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < records.length && count < n; i += step, count++) sum += size(records[i]!);
  return sum / count;
}
