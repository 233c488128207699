/** The job's result as one line of JSON (BigInt as a string, Map as an object, Set as an array). */
export function resultLine(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    return v;
  });
  return `${text ?? 'null'}\n`;
}
