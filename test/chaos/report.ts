/** The chaos suite's summary: one row per fault. Pure, so unit-tested. */

export interface RunOutcome {
  fault: string;
  /** The output was exact and nothing was left behind. */
  exact: boolean;
  /** The fault was injected while the job ran (a job that ended first ran without it). */
  injected: boolean;
  /** Seconds from submission to the CLI's exit. */
  seconds: number;
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The table: fault, runs, exact, failures (runs not exact), injected (runs the fault reached while
 * the job ran), median time; faults in `order`, then a total row.
 */
export function summaryTable(outcomes: readonly RunOutcome[], order: readonly string[]): string {
  const header = ['fault', 'runs', 'exact', 'failures', 'injected', 'median time'];
  const row = (name: string, of: readonly RunOutcome[]): string[] => {
    const exact = of.filter((o) => o.exact).length;
    const m = median(of.map((o) => o.seconds));
    return [
      name,
      String(of.length),
      String(exact),
      String(of.length - exact),
      String(of.filter((o) => o.injected).length),
      Number.isNaN(m) ? '-' : `${m.toFixed(1)} s`,
    ];
  };
  const rows = order
    .filter((f) => outcomes.some((o) => o.fault === f))
    .map((f) =>
      row(
        f,
        outcomes.filter((o) => o.fault === f),
      ),
    );
  rows.push(row('all', outcomes));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
