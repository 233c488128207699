/**
 * Forgiving readers for the RM's JSON. The same field comes back in different shapes depending on
 * the Hadoop version and its JSON provider (Jersey 1 in 3.4, Jersey 2 with Jettison or MOXy in 3.5,
 * see YARN-11874):
 *
 *   empty list       null | {} | "" | missing | { "app": null } | { "app": [] }
 *   one element      { "app": { ... } }          instead of { "app": [ { ... } ] }
 *   numbers, bools   123 | "123",  true | "true"
 *
 * These helpers accept every variant and never throw; `parse.ts` decides which fields matter.
 */

export type JsonObject = Record<string, unknown>;

/** `value` if it is a plain object, else undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/**
 * The elements of a wrapped list such as `{"apps":{"app":[...]}}`: pass the wrapper (`apps`) and the
 * element key (`app`). Also accepts the wrapper being the array itself.
 */
export function listOf(wrapper: unknown, elementKey: string): JsonObject[] {
  if (Array.isArray(wrapper)) return wrapper.flatMap(objectOrNothing);
  const inner = asObject(wrapper)?.[elementKey];
  if (Array.isArray(inner)) return inner.flatMap(objectOrNothing);
  const single = asObject(inner);
  return single ? [single] : [];
}

function objectOrNothing(v: unknown): JsonObject[] {
  const o = asObject(v);
  return o ? [o] : [];
}

/** A string field; numbers are stringified, anything else (null, {}, missing) gives undefined. */
export function optString(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A string field, `fallback` when absent. */
export function str(obj: JsonObject | undefined, key: string, fallback = ''): string {
  return optString(obj, key) ?? fallback;
}

/** A numeric field (number or numeric string), undefined when absent or not a number. */
export function optNumber(obj: JsonObject | undefined, key: string): number | undefined {
  const v = obj?.[key];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A numeric field, `fallback` when absent. */
export function num(obj: JsonObject | undefined, key: string, fallback = 0): number {
  return optNumber(obj, key) ?? fallback;
}

/** A boolean field (true/false or "true"/"false"), `fallback` when absent. */
export function bool(obj: JsonObject | undefined, key: string, fallback = false): boolean {
  const v = obj?.[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

/**
 * A list of strings that may arrive as a comma-separated string ("a,b"), an array, a wrapper
 * object (`{"tag":[...]}` or `{"tag":"a"}`), or nothing at all. Empty entries are dropped.
 */
export function stringList(value: unknown, elementKey?: string): string[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  if (Array.isArray(value)) return value.flatMap((v) => stringList(v, elementKey));
  const obj = asObject(value);
  if (obj && elementKey !== undefined && elementKey in obj) return stringList(obj[elementKey]);
  return [];
}
