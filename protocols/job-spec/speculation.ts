import { invalidSpec } from '../app-spec/index.js';

/**
 * Speculative execution: the job section's `speculation` settings, named after Spark's
 * `spark.speculation.*` keys. Once `quantile` of a stage's tasks succeeded, a task running longer
 * than max(`multiplier` × their median time, `minRuntimeMs`) gets one copy on another executor; the
 * first attempt to succeed wins. Absent from a spec: off (as in Spark).
 */
export interface Speculation {
  /** How many times the median successful task time a task must run before it is copied (spark.speculation.multiplier). */
  multiplier: number;
  /** Share of a stage's tasks that must have succeeded before any is copied, in (0, 1] (spark.speculation.quantile). */
  quantile: number;
  /** No task is copied before it ran this long, in ms (spark.speculation.minTaskRuntime). */
  minRuntimeMs: number;
  /** How often running tasks are checked, in ms (spark.speculation.interval). */
  intervalMs: number;
}

/**
 * The defaults: Spark's before 4.0 (multiplier 1.5, quantile 0.75; Spark 4 raised them to 3 and 0.9,
 * SPARK-47720), minTaskRuntime and interval 100 ms.
 */
export const DEFAULT_SPECULATION: Readonly<Speculation> = Object.freeze({
  multiplier: 1.5,
  quantile: 0.75,
  minRuntimeMs: 100,
  intervalMs: 100,
});

/** The defaults with `overrides` applied, checked; throws ConfigError naming the bad field. */
export function speculation(overrides: Partial<Speculation> = {}): Speculation {
  return checkSpeculation({ ...DEFAULT_SPECULATION, ...overrides });
}

/** Checks a spec's `job.speculation`; throws ConfigError naming the bad field. */
export function checkSpeculation(section: unknown): Speculation {
  if (!section || typeof section !== 'object') invalidSpec('job.speculation', 'must be an object');
  const s = section as Partial<Speculation>;
  const finite = (f: keyof Speculation): number => {
    const v = s[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) invalidSpec(`job.speculation.${f}`, `must be a number, got ${String(v)}`);
    return v;
  };
  if (finite('multiplier') < 1) invalidSpec('job.speculation.multiplier', `must be at least 1, got ${s.multiplier}`);
  const q = finite('quantile');
  if (q <= 0 || q > 1) invalidSpec('job.speculation.quantile', `must be above 0 and at most 1, got ${q}`);
  if (finite('minRuntimeMs') < 0) invalidSpec('job.speculation.minRuntimeMs', `must be 0 or more, got ${s.minRuntimeMs}`);
  if (finite('intervalMs') < 1) invalidSpec('job.speculation.intervalMs', `must be at least 1, got ${s.intervalMs}`);
  return s as Speculation;
}
