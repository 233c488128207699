import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors/index.js';

/**
 * The job bundle, both halves: what the bundler appends to the user's module (client/job-bundle.ts)
 * and how the driver and every executor load the result. Kept together so the export name cannot
 * drift between the side that writes it and the sides that read it.
 */

/**
 * The job bundle's evaluator: a function the bundler appends to the job module (a direct `eval` in its
 * top-level scope), so executors rebuild shipped lambdas with the job's helpers and imports in scope.
 */
export const JOB_EVALUATOR_EXPORT = '__spindleEvaluate';
/** What the bundler appends to every job bundle (esbuild `footer`). */
export const JOB_BUNDLE_FOOTER = `export function ${JOB_EVALUATOR_EXPORT}(__spindle_source) { return eval(__spindle_source); }`;

/** Evaluates an expression in the job module's scope. */
export type Evaluate = (source: string) => unknown;

/** A loaded job bundle: its default export (the job's main, if any) and its evaluator. */
export interface JobModule {
  main: ((...args: unknown[]) => unknown) | undefined;
  evaluate: Evaluate;
}

/**
 * Imports the job bundle (running its top-level code, as on every executor). A bundle not made by
 * bundleJob has no evaluator and cannot run tasks.
 */
export async function loadJobModule(path: string): Promise<JobModule> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  const evaluate = mod[JOB_EVALUATOR_EXPORT];
  if (typeof evaluate !== 'function') {
    throw new ConfigError(`${path} has no ${JOB_EVALUATOR_EXPORT} export: job files must be bundled with spindle's bundleJob`);
  }
  const main = typeof mod.default === 'function' ? (mod.default as (...args: unknown[]) => unknown) : undefined;
  return { main, evaluate: evaluate as Evaluate };
}
