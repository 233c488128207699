/**
 * The one canonical encoding of shuffle keys, used for hashing (which reducer a key goes to) and
 * for equality (which records a reducer groups together), so the two can never disagree: two keys
 * are equal exactly when their canonical strings are equal.
 *
 * Keys are strings, numbers, booleans, null/undefined, bigints, Dates, and arrays and plain objects
 * of those. Every form is self-delimiting and tagged by type, so `1` and `"1"` differ and arrays
 * cannot be confused by concatenation:
 *
 *   "a"        -> sa            (inside arrays and objects: s"a", a JSON string)
 *   1.5, -0    -> n1.5, n0      (-0 is 0; NaN is nNaN and equals itself)
 *   true       -> t             false -> f      null -> z     undefined -> u
 *   10n        -> b10           Date  -> d<ms>
 *   [1, "a"]   -> [n1,s"a"]     (the top-level forms start with distinct characters)
 *   {b:1,a:2}  -> {"a":n2,"b":n1}   (keys sorted)
 */

/**
 * The canonical string of a key; TypeError for a key type with no stable encoding (Map, Set,
 * class instances, ...). A string key on its own needs no quoting (nothing follows it), which
 * saves a JSON.stringify per record for the commonest key: "a" -> sa; inside arrays and objects
 * strings are quoted.
 */
export function canonicalKey(key: unknown): string {
  if (typeof key === 'string') return `s${key}`;
  return nestedKey(key);
}

function nestedKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return `s${JSON.stringify(key)}`;
    case 'number':
      return `n${key === 0 ? '0' : String(key)}`;
    case 'boolean':
      return key ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `b${key.toString()}`;
    case 'object': {
      if (key === null) return 'z';
      if (Array.isArray(key)) return `[${key.map(nestedKey).join(',')}]`;
      if (key instanceof Date) return `d${key.getTime()}`;
      const proto = Object.getPrototypeOf(key) as unknown;
      if (proto === Object.prototype || proto === null) {
        const obj = key as Record<string, unknown>;
        const names = Object.keys(obj).sort();
        return `{${names.map((n) => `${JSON.stringify(n)}:${nestedKey(obj[n])}`).join(',')}}`;
      }
      throw new TypeError(
        `a shuffle key must be a string, number, boolean, null, bigint, Date, or an array or plain object of those (got ${describeType(key)})`,
      );
    }
    default:
      throw new TypeError(
        `a shuffle key must be a string, number, boolean, null, bigint, Date, or an array or plain object of those (got a ${typeof key})`,
      );
  }
}

/**
 * The one spelling of all keys with the same canonical encoding: what a shuffle that merges equal
 * keys (grouping, combining, cogroup and joins) outputs. Plain objects are rebuilt with their
 * properties in sorted order and a plain prototype, -0 becomes 0, recursively through arrays and
 * objects; everything else is returned as it is (a string key at the cost of one typeof). Which
 * of several equal spellings a reducer meets first depends on which executor ran which map task,
 * so none of them is kept as it was.
 */
export function canonicalKeyValue(key: unknown): unknown {
  if (typeof key !== 'object') return key === 0 ? 0 : key;
  if (key === null || key instanceof Date) return key;
  if (Array.isArray(key)) return key.map(canonicalKeyValue);
  const obj = key as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const n of Object.keys(obj).sort()) out[n] = canonicalKeyValue(obj[n]);
  return out;
}

/**
 * A 32-bit hash of a canonical key string: FNV-1a over UTF-16 code units, then murmur3's final
 * mix so that consecutive numbers spread over reducers.
 */
export function hashCanonical(canonical: string): number {
  return fmix(fnv(0x811c9dc5, canonical));
}

/** FNV-1a state after the "s" that starts the canonical form of every string key. */
const STRING_STATE = Math.imul(0x811c9dc5 ^ 0x73, 0x01000193);

/**
 * hashCanonical(canonicalKey(key)), without building the canonical string for string keys (the
 * commonest keys; a new string per record would also defeat V8's cached string hashes in Maps).
 */
export function hashKey(key: unknown): number {
  return typeof key === 'string' ? fmix(fnv(STRING_STATE, key)) : hashCanonical(canonicalKey(key));
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The reducer of a key under hash partitioning into `numPartitions`. */
export function hashPartition(key: unknown, numPartitions: number): number {
  return hashKey(key) % numPartitions;
}

/** Rank of a key's type in the total order of keys. */
function typeRank(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null) return 1;
  switch (typeof v) {
    case 'boolean':
      return 2;
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    default:
      if (v instanceof Date) return 5;
      if (Array.isArray(v)) return 6;
      return 7;
  }
}

/**
 * A total order of keys, for sortByKey and range partitioning: by type first (undefined, null,
 * booleans, numbers, strings, Dates, arrays, objects), then by value; numbers numerically (NaN
 * last), strings by UTF-16 code units, arrays element by element, objects by canonical string.
 */
export function compareKeys(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 2:
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 3: {
      const na = Number.isNaN(a);
      const nb = Number.isNaN(b);
      if (na || nb) return na === nb ? 0 : na ? 1 : -1;
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    }
    case 4:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 5:
      return (a as Date).getTime() - (b as Date).getTime();
    case 6: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareKeys(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 7: {
      const x = canonicalKey(a);
      const y = canonicalKey(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return 0;
  }
}

/**
 * The reducer of a key under range partitioning: the number of `bounds` (sorted ascending) below
 * the key, so reducer i holds keys in (bounds[i-1], bounds[i]]. Descending order reverses the
 * reducers, so part files still read in order.
 */
export function rangePartition(key: unknown, bounds: readonly unknown[], ascending: boolean): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(bounds[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return ascending ? lo : bounds.length - lo;
}

/**
 * `n - 1` bounds that cut a sample of keys into `n` ranges of about equal size (fewer when the
 * sample has fewer distinct keys).
 */
export function rangeBounds(sample: readonly unknown[], n: number): unknown[] {
  const sorted = [...sample].sort(compareKeys);
  const bounds: unknown[] = [];
  if (sorted.length === 0 || n <= 1) return bounds;
  for (let i = 1; i < n; i++) {
    const candidate = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / n))];
    if (bounds.length === 0 || compareKeys(bounds[bounds.length - 1], candidate) < 0) bounds.push(candidate);
  }
  return bounds;
}

function describeType(v: object): string {
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object';
}
