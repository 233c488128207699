import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../protocols/errors/index.js';
import { JOB_EVALUATOR_EXPORT, type Evaluate } from './functions.js';

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
