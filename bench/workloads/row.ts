import { ratioOf, summarize, type Row } from '../lib/results.js';
import type { BenchContext } from './context.js';
import type { SideResult } from './measure.js';

/** What a comparison row needs beyond the two sides' results. */
export interface RowSpec {
  name: string;
  peer: string;
  goal?: { field: string; min: number };
  spindleVia?: string;
  /** Workload-specific fields. */
  extra?: Record<string, unknown>;
}

/**
 * A row from two sides' samples: medians, min/max, the speedup (peer / Spindle), the notes of a side
 * that stopped early. `seconds` picks the timed figure of a sample (its wall time by default).
 */
export function comparisonRow<S extends { seconds: number }, P extends { seconds: number }>(
  ctx: BenchContext,
  spec: RowSpec,
  result: { spindle: SideResult<S>; peer: SideResult<P> },
  seconds: { spindle?: (s: S) => number; peer?: (p: P) => number } = {},
): Row {
  const spindleS = result.spindle.samples.map(seconds.spindle ?? ((s) => s.seconds));
  const peerS = result.peer.samples.map(seconds.peer ?? ((p) => p.seconds));
  const spindle = summarize('spindle', spindleS);
  const peer = summarize('peer', peerS);
  const row: Row = {
    name: spec.name,
    spindle_s: spindle.spindle_s as number | null,
    peer: spec.peer,
    peer_s: peer.peer_s as number | null,
    speedup: null,
    ...spindle,
    ...peer,
    quick: ctx.options.quick,
    measured_at: new Date().toISOString(),
  };
  row.speedup = ratioOf(row.peer_s, row.spindle_s);
  if (spec.goal) row.goal = spec.goal;
  if (spec.spindleVia && result.spindle.samples.length > 0) row.spindle_via = spec.spindleVia;
  if (result.spindle.note) row.spindle_note = result.spindle.note;
  if (result.peer.note) row.peer_note = result.peer.note;
  return Object.assign(row, spec.extra ?? {});
}
