/**
 * Text formatting for the CLI's output: sizes, durations, tables, application reports and the
 * startup timeline. Pure functions.
 */
import type { AppReport } from '../../protocols/rm-rest/index.js';

/** 1536 → "1.5 KiB"; bytes below 1 KiB stay exact. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** 1234 → "1.2s", 65000 → "1m05s", 3723000 → "1h02m03s", 350 → "350ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(sec)}s` : `${m}m${pad(sec)}s`;
}

/** Local time as "2026-11-24 14:02:43", or "-" for 0/undefined. */
export function formatTime(epochMs: number | undefined): string {
  if (!epochMs) return '-';
  const d = new Date(epochMs);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "FINISHED/SUCCEEDED", "RUNNING", "KILLED". */
export function stateText(report: Pick<AppReport, 'state' | 'finalStatus'>): string {
  return report.finalStatus && report.finalStatus !== 'UNDEFINED' && report.finalStatus !== report.state
    ? `${report.state}/${report.finalStatus}`
    : report.state;
}

/** The lines of `spindle status` for one application. */
export function formatAppReport(r: AppReport, extra: readonly [string, string][] = []): string {
  const elapsed = r.elapsedTime > 0 ? formatDuration(r.elapsedTime) : '-';
  const rows: [string, string][] = [
    ['Application', r.id],
    ['Name', r.name],
    ['User', r.user],
    ['Queue', r.queue],
    ['Type', r.applicationType],
    ['State', stateText(r)],
    ['Progress', `${Math.round(r.progress)}%`],
    ['Started', formatTime(r.startedTime)],
    ['Finished', formatTime(r.finishedTime)],
    ['Elapsed', elapsed],
    ['Tracking URL', r.trackingUrl ?? '-'],
    ['AM logs', r.amContainerLogs ?? '-'],
    ...(r.tags.length ? [['Tags', r.tags.join(',')] as [string, string]] : []),
    ...(r.runningContainers > 0
      ? [['Resources', `${r.runningContainers} containers, ${r.allocatedMb} MB, ${r.allocatedVcores} vcores`] as [string, string]]
      : []),
    ...extra,
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`);
  if (r.diagnostics.trim()) lines.push(`Diagnostics:\n${indent(r.diagnostics.trim(), '  ')}`);
  return lines.join('\n');
}

export function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

/** Moments of an application's start, all epoch milliseconds; absent when not observed. */
export interface StartupTimeline {
  submitted: number;
  accepted?: number;
  amLaunched?: number;
  amStarted?: number;
  amRegistered?: number;
  firstContainerRunning?: number;
  finished?: number;
}

const TIMELINE_LABELS: [keyof StartupTimeline, string][] = [
  ['submitted', 'submitted'],
  ['accepted', 'accepted'],
  ['amLaunched', 'AM container launched'],
  ['amStarted', 'AM started'],
  ['amRegistered', 'AM registered'],
  ['firstContainerRunning', 'first container running'],
  ['finished', 'finished'],
];

/**
 * The startup timeline, in ms since submission:
 *   startup (ms since submit): accepted +35, AM container launched +51, AM started +790, ...
 */
export function formatTimeline(t: StartupTimeline): string {
  const parts = TIMELINE_LABELS.filter(([k]) => k !== 'submitted' && t[k] !== undefined).map(
    ([k, label]) => `${label} +${Math.max(0, Math.round(t[k]! - t.submitted))}`,
  );
  return `timeline (ms since submit): ${parts.join(', ') || 'nothing observed'}`;
}
