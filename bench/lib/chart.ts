/**
 * The speedup chart: one horizontal bar per workload on a log scale (so 0.5× and 2× are the same
 * distance from 1×), the 1× line, each row's goal as a tick, and the value written at the bar's end.
 * Plain SVG text, no dependencies.
 */
import { headline, type Row } from './results.js';

const ROW_H = 34;
const LABEL_W = 150;
const PLOT_W = 520;
const RIGHT_W = 200;
const TOP = 46;
const BOTTOM = 40;
/** The axis runs over these powers of two. */
const MIN_LOG2 = -2;
const MAX_LOG2_FLOOR = 4;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders `rows` as an SVG document. */
export function speedupChart(rows: readonly Row[], title: string): string {
  const values = rows.map((r) => headline(r).value).filter((v): v is number => v != null && v > 0);
  const goals = rows.map((r) => (r.goal?.field === 'speedup' ? r.goal.min : 0));
  const maxLog2 = Math.max(MAX_LOG2_FLOOR, ...[...values, ...goals].filter((v) => v > 0).map((v) => Math.ceil(Math.log2(v))));
  const x = (v: number): number => {
    const l = Math.min(Math.max(Math.log2(v), MIN_LOG2), maxLog2);
    return LABEL_W + ((l - MIN_LOG2) / (maxLog2 - MIN_LOG2)) * PLOT_W;
  };
  const width = LABEL_W + PLOT_W + RIGHT_W;
  const height = TOP + rows.length * ROW_H + BOTTOM;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${width / 2}" y="36" text-anchor="middle" fill="#555">peer time / Spindle time (log scale; right of 1× is Spindle faster). Ticks: goals.</text>`,
  ];
  const plotBottom = TOP + rows.length * ROW_H;
  for (let p = MIN_LOG2; p <= maxLog2; p++) {
    const v = 2 ** p;
    const xv = x(v);
    out.push(
      `<line x1="${xv}" y1="${TOP}" x2="${xv}" y2="${plotBottom}" stroke="${p === 0 ? '#333' : '#ddd'}" stroke-width="${p === 0 ? 1.5 : 1}"/>`,
    );
    out.push(`<text x="${xv}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${v >= 1 ? v : `1/${1 / v}`}×</text>`);
  }
  rows.forEach((row, i) => {
    const y = TOP + i * ROW_H;
    const mid = y + ROW_H / 2;
    const { value, label } = headline(row);
    out.push(`<text x="${LABEL_W - 8}" y="${mid + 4}" text-anchor="end">${esc(row.name)}</text>`);
    if (value == null || value <= 0) {
      const why = row.spindle_note ? `Spindle ${row.spindle_note}` : row.peer_note ? `peer: ${row.peer_note}` : 'no result';
      // The end of a reason is its most specific part ("... reduceByKey is not a function").
      const short = why.length > 75 ? `${why.slice(0, why.indexOf(':') + 1)} ...${why.slice(-(70 - why.indexOf(':')))}` : why;
      out.push(`<text x="${x(1) + 6}" y="${mid + 4}" fill="#888" font-style="italic">${esc(short)}</text>`);
      return;
    }
    const goal = row.goal?.field === 'speedup' ? row.goal.min : undefined;
    // A goal on another field (tasks_per_s) decides the colour by that field.
    const goalValue = row.goal ? row[row.goal.field] : undefined;
    const met = row.goal && typeof goalValue === 'number' ? goalValue >= row.goal.min : value >= 1;
    const [x0, x1] = [x(1), x(value)].sort((a, b) => a - b) as [number, number];
    out.push(`<rect x="${x0}" y="${y + 7}" width="${Math.max(x1 - x0, 1)}" height="${ROW_H - 14}" fill="${met ? '#3a8a4f' : '#d08a2c'}"/>`);
    if (goal !== undefined) {
      const xg = x(goal);
      out.push(`<line x1="${xg}" y1="${y + 3}" x2="${xg}" y2="${y + ROW_H - 3}" stroke="#b22" stroke-width="2"/>`);
    }
    const other =
      row.goal && row.goal.field !== 'speedup' && typeof goalValue === 'number'
        ? ` (${row.goal.field} ${Math.round(goalValue).toLocaleString('en-US')})`
        : '';
    const text = `${value.toFixed(2)}×${label === 'speedup' ? '' : ` ${label}`}${other}`;
    // Right of the bar, the 1× line and the goal tick, whichever is furthest right.
    out.push(`<text x="${Math.max(x(value), x(1), goal !== undefined ? x(goal) : 0) + 6}" y="${mid + 4}">${esc(text)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
