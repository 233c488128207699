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

/** The signature a job's entry point must have, as error messages show it. */
export const JOB_MAIN_SIGNATURE = 'export default async function main(ctx, args) { ... }';

/**
 * Why a job module with these exports cannot be a job, or undefined when it can. A module with no
 * exports is a plain program (it runs on import); one that exports something but no default export
 * almost always meant its `main` as the entry point (`export function main`), which would otherwise
 * run nothing and succeed. `defaultType` is `typeof` the default export, where known.
 */
export function entryPointProblem(exportNames: readonly string[], defaultType?: string): string | undefined {
  const named = exportNames.filter((n) => n !== 'default' && n !== JOB_EVALUATOR_EXPORT);
  const hasDefault = exportNames.includes('default');
  if (hasDefault && defaultType !== undefined && defaultType !== 'function') {
    return `its default export is not a function (typeof ${defaultType}); a job's entry point is\n  ${JOB_MAIN_SIGNATURE}`;
  }
  if (hasDefault || named.length === 0) return undefined;
  const shown = named.slice(0, 5).join(', ') + (named.length > 5 ? ', ...' : '');
  return (
    `it exports ${shown} but has no default export, so nothing would run; a job's entry point is its default export:\n` +
    `  ${JOB_MAIN_SIGNATURE}\n(a file without any export runs as a plain program)`
  );
}

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
  const problem = entryPointProblem(Object.keys(mod), 'default' in mod ? typeof mod.default : undefined);
  if (problem) throw new ConfigError(`job ${path}: ${problem}`);
  const main = typeof mod.default === 'function' ? (mod.default as (...args: unknown[]) => unknown) : undefined;
  return { main, evaluate: evaluate as Evaluate };
}
