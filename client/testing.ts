/**
 * `spindle/testing`: run jobs in local mode from tests.
 *
 *   import { runLocal } from 'spindle/testing';
 *   const counts = await runLocal('jobs/wordcount.ts', { args: ['fixtures/words.txt', outDir] });
 */
export { type JobMain, type RunLocalOptions, runLocal } from './local/index.js';
export type { Context } from '../appmaster/driver/index.js';
