/** Quantiles for skew: min, 25th, median, 75th, max (nearest rank over the sorted values). */
export function fiveQuantiles(values: readonly number[]): number[] | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  return [s[0] as number, at(0.25), at(0.5), at(0.75), s[s.length - 1] as number];
}

/** Add `m`'s fields into `into`. */
export function addMetrics<T extends Record<string, number | undefined>>(into: T, m: T | undefined): void {
  if (!m) return;
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number') continue;
    // Peak heap is a maximum, not a sum.
    const rec = into as Record<string, number | undefined>;
    const sum = (rec[k] ?? 0) + v;
    // Times are ms with µs decimals: a sum of many such keeps 3 decimals, not float dust.
    rec[k] = k === 'peakHeapBytes' ? Math.max(rec[k] ?? 0, v) : Number.isInteger(sum) ? sum : Math.round(sum * 1000) / 1000;
  }
}
