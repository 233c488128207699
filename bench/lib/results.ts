/**
 * The benchmark's results: one row per workload, kept in bench/results/latest.json (a JSON list of
 * rows), rendered as a Markdown table. A run with --only replaces its own rows and keeps the others,
 * so the file always holds the latest measurement of every workload (each row says when).
 */
import { existsSync, readFileSync } from 'node:fs';
import { median } from './stats.js';

/** One workload's result. Times are seconds; `speedup` is peer time / Spindle time. */
export interface Row {
  name: string;
  /** Median over the runs; null when Spindle could not run it (see spindle_note). */
  spindle_s: number | null;
  /** The peer, with its version and how it ran. */
  peer: string;
  peer_s: number | null;
  speedup: number | null;
  /** What the workload should reach, e.g. { field: 'speedup', min: 5 }. */
  goal?: { field: string; min: number };
  spindle_min_s?: number;
  spindle_max_s?: number;
  peer_min_s?: number;
  peer_max_s?: number;
  spindle_runs_s?: number[];
  peer_runs_s?: number[];
  /** How Spindle was driven: "cli" (`spindle ...`) or "library" (bench/spindle/shim.ts). */
  spindle_via?: string;
  /** Why spindle_s is null, e.g. "not available yet: ...". */
  spindle_note?: string;
  peer_note?: string;
  quick: boolean;
  /** ISO time of the measurement. */
  measured_at: string;
  /**
   * Every peer of the row, each with its own time, ratio and goal (rows with Spark peers: PySpark
   * first, then Spark on the JVM). `peer`, `peer_s`, `speedup` and the other peer_* fields above
   * repeat the first entry, for scripts written before there were several.
   */
  peers?: PeerResult[];
  /** Workload-specific fields (tasks_per_s, ratio, sizes, phases, ...). */
  [field: string]: unknown;
}

/** One peer's result in a row (docs/performance.md, "The results file"). */
export interface PeerResult {
  /** Stable identifier: "pyspark", "spark-jvm". */
  id: string;
  /** The peer, with its version and how it ran. */
  peer: string;
  /** Median seconds over the runs (for noop-tasks: the tasks' time in the driver); null when it did not run. */
  s: number | null;
  min_s?: number;
  max_s?: number;
  runs_s?: number[];
  /** peer time / Spindle time: above 1, Spindle is faster. Null when either side is missing. */
  ratio: number | null;
  /** The ratio this row should reach against this peer (issue #21), if any. */
  goal_min?: number;
  /** ratio >= goal_min; null when there is a goal but no ratio. */
  pass?: boolean | null;
  /** Why this peer stopped early, if it did. */
  note?: string;
  /** Median peak RSS of the peer's AM container (AM/driver), MB. */
  am_mb?: number;
  app_ids?: string[];
  /** Peer-specific figures (e.g. tasks_per_s). */
  [field: string]: unknown;
}

/** A peer's entry from its samples' seconds and Spindle's median. */
export function peerResult(
  id: string,
  peer: string,
  seconds: readonly number[],
  spindleS: number | null,
  extra: { goalMin?: number; note?: string } & Record<string, unknown> = {},
): PeerResult {
  const { goalMin, note, ...rest } = extra;
  const s = seconds.length ? round(median(seconds)) : null;
  const out: PeerResult = { id, peer, s, ratio: ratioOf(s, spindleS) };
  if (seconds.length)
    Object.assign(out, { min_s: round(Math.min(...seconds)), max_s: round(Math.max(...seconds)), runs_s: seconds.map((x) => round(x)) });
  if (goalMin !== undefined) {
    out.goal_min = goalMin;
    out.pass = out.ratio == null ? null : out.ratio >= goalMin;
  }
  if (note) out.note = note;
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out;
}

/** "Spark JVM 4.3.0: 0.83× (goal ≥ 1×) FAIL" for each peer with a goal. */
export function goalVerdicts(row: Row): string[] {
  return (row.peers ?? [])
    .filter((p) => p.goal_min !== undefined)
    .map((p) => {
      const verdict = p.pass == null ? 'NOT MEASURED' : p.pass ? 'PASS' : 'FAIL';
      return `${p.peer.split(' (')[0]}: ${p.ratio == null ? '—' : `${p.ratio.toFixed(2)}×`} (goal ≥ ${p.goal_min}×) ${verdict}`;
    });
}

/** Median, min and max of a side's samples under the row's field names, or nulls when empty. */
export function summarize(side: 'spindle' | 'peer', seconds: readonly number[]): Record<string, number | number[] | null> {
  if (seconds.length === 0) return { [`${side}_s`]: null };
  return {
    [`${side}_s`]: round(median(seconds)),
    [`${side}_min_s`]: round(Math.min(...seconds)),
    [`${side}_max_s`]: round(Math.max(...seconds)),
    [`${side}_runs_s`]: seconds.map((s) => round(s)),
  };
}

/** peer / spindle, or null when either is missing. */
export function ratioOf(peer: number | null | undefined, spindle: number | null | undefined): number | null {
  if (peer == null || spindle == null || spindle <= 0) return null;
  return round(peer / spindle, 2);
}

/** Rounds to `digits` decimals (3 by default: milliseconds for seconds). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The rows of an existing latest.json, or none. */
export function loadRows(path: string): Row[] {
  if (!existsSync(path)) return [];
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON list of rows`);
  return parsed as Row[];
}

/** `old` with the rows of `fresh` replacing those of the same name, ordered as `order` says. */
export function mergeRows(old: readonly Row[], fresh: readonly Row[], order: readonly string[]): Row[] {
  const byName = new Map(old.map((r) => [r.name, r]));
  for (const r of fresh) byName.set(r.name, r);
  const rank = (name: string): number => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  return [...byName.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function seconds(median: number | null, min?: number, max?: number): string {
  if (median == null) return '—';
  const range = min !== undefined && max !== undefined ? ` (${fmt(min)}–${fmt(max)})` : '';
  return `${fmt(median)} s${range}`;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The headline of a row for the table and the chart: its speedup, or `ratio` for memory rows. */
export function headline(row: Row): { value: number | null; label: string } {
  if (typeof row.ratio === 'number' || row.name === 'am-memory') {
    return { value: typeof row.ratio === 'number' ? row.ratio : null, label: 'memory ratio' };
  }
  return { value: row.speedup, label: 'speedup' };
}

function goalText(row: Row): string {
  if (!row.goal) return '';
  const { field, min } = row.goal;
  return field === 'speedup' ? `≥ ${min}×` : `${field} ≥ ${min.toLocaleString('en-US')}`;
}

function notes(row: Row): string {
  const parts: string[] = [];
  if (row.spindle_note) parts.push(`Spindle ${row.spindle_note}`);
  if (row.peer_note) parts.push(`peer: ${row.peer_note}`);
  if (typeof row.tasks_per_s === 'number') parts.push(`${Math.round(row.tasks_per_s).toLocaleString('en-US')} tasks/s`);
  if (typeof row.peer_tasks_per_s === 'number') parts.push(`peer ${Math.round(row.peer_tasks_per_s).toLocaleString('en-US')} tasks/s`);
  if (typeof row.spindle_am_mb === 'number' || typeof row.peer_am_mb === 'number') {
    parts.push(`AM RSS ${row.spindle_am_mb ?? '—'} / ${row.peer_am_mb ?? '—'} MB`);
  }
  if (typeof row.size_mib === 'number') parts.push(`${row.size_mib} MiB`);
  if (row.spindle_via === 'library') parts.push('Spindle via the client library');
  return parts.join('; ').replace(/\|/g, '\\|');
}

/** The rows as a Markdown table. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| Workload | Spindle median (min–max) | Peer | Peer median (min–max) | Peer / Spindle | Goal | Notes | Other peers | Goals per peer |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const h = headline(r);
    const value = h.value == null ? '—' : `${h.value.toFixed(2)}×${h.label === 'speedup' ? '' : ` (${h.label})`}`;
    const spindle =
      r.name === 'am-memory' ? (r.spindle_mb != null ? `${r.spindle_mb} MB` : '—') : seconds(r.spindle_s, r.spindle_min_s, r.spindle_max_s);
    const peer = r.name === 'am-memory' ? (r.peer_mb != null ? `${r.peer_mb} MB` : '—') : seconds(r.peer_s, r.peer_min_s, r.peer_max_s);
    const others = (r.peers ?? [])
      .slice(1)
      .map(
        (p) =>
          `${p.peer}: ${typeof p.mb === 'number' ? `${p.mb} MB` : seconds(p.s, p.min_s, p.max_s)}, ${p.ratio == null ? '—' : `${p.ratio.toFixed(2)}×`}${p.note ? ` (${p.note})` : ''}`,
      )
      .join('; ')
      .replace(/\|/g, '\\|');
    lines.push(
      `| ${r.name}${r.quick ? ' (quick)' : ''} | ${spindle} | ${r.peer} | ${peer} | ${value} | ${goalText(r)} | ${notes(r)} | ${others} | ${goalVerdicts(r).join('; ')} |`,
    );
  }
  return lines.join('\n');
}

/** Short names of the peers for the chart's labels. */
const PEER_SHORT: Readonly<Record<string, string>> = { pyspark: 'PySpark', 'spark-jvm': 'Spark JVM' };

/**
 * The rows as the chart draws them: a row with several peers becomes one bar per peer, labelled
 * with the peer ("sort (Spark JVM)"); the first keeps the row's own goal when it has one, the others
 * show their goal against that peer.
 */
export function chartRows(rows: readonly Row[]): Row[] {
  return rows.flatMap((row) => {
    if (!row.peers || row.peers.length < 2 || row.name === 'am-memory') return [row];
    return row.peers.map((p, i) => {
      const label = `${row.name} (${PEER_SHORT[p.id] ?? p.id})`;
      if (i === 0)
        return { ...row, name: label, ...(row.goal || p.goal_min === undefined ? {} : { goal: { field: 'speedup', min: p.goal_min } }) };
      const { goal: _own, ...rest } = row;
      const r: Row = { ...rest, name: label, peer: p.peer, peer_s: p.s, speedup: p.ratio };
      if (p.goal_min !== undefined) r.goal = { field: 'speedup', min: p.goal_min };
      if (p.note) r.peer_note = p.note;
      else delete r.peer_note;
      return r;
    });
  });
}
