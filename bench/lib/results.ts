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
  /** Workload-specific fields (tasks_per_s, ratio, sizes, phases, ...). */
  [field: string]: unknown;
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
    '| Workload | Spindle median (min–max) | Peer | Peer median (min–max) | Peer / Spindle | Goal | Notes |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const h = headline(r);
    const value = h.value == null ? '—' : `${h.value.toFixed(2)}×${h.label === 'speedup' ? '' : ` (${h.label})`}`;
    const spindle =
      r.name === 'am-memory' ? (r.spindle_mb != null ? `${r.spindle_mb} MB` : '—') : seconds(r.spindle_s, r.spindle_min_s, r.spindle_max_s);
    const peer = r.name === 'am-memory' ? (r.peer_mb != null ? `${r.peer_mb} MB` : '—') : seconds(r.peer_s, r.peer_min_s, r.peer_max_s);
    lines.push(`| ${r.name}${r.quick ? ' (quick)' : ''} | ${spindle} | ${r.peer} | ${peer} | ${value} | ${goalText(r)} | ${notes(r)} |`);
  }
  return lines.join('\n');
}
