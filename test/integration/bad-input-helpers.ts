/**
 * The bad-input catalogue's common checks (docs/errors.md): each case runs the real `spindle` CLI and
 * asserts its exit code, a message naming what was wrong and one naming the fix, no stack trace
 * (unless --verbose), and nothing left behind. Cases run concurrently in a `before` hook, a few at a
 * time, and each `it` checks its own result, so that the catalogue stays quick on a loaded machine.
 */
import { expect } from 'chai';
import { spindle, type CliOptions, type CliResult } from './cli-helpers.js';

export interface CatalogueCase {
  /** What the user did wrong, as docs/errors.md names it. */
  name: string;
  args: string[];
  options?: CliOptions;
  code: number;
  /** The message names what was wrong... */
  what: RegExp;
  /** ...and what to do about it. */
  fix: RegExp;
  /** The case submits no application (it is refused before, or by, the client). */
  submitsNothing?: boolean;
}

/** A frame of a JavaScript stack as printed ("    at fn (file:1:2)"), also inside a quoted stderr tail ("  |     at"). */
const FRAME = /^[ |]*\s+at \S/;
/** V8's out-of-memory report (its native frames and banner lines). */
const V8_REPORT = /^[ |]*(\s*\d+: 0x[0-9a-f]+|<--- (Last few GCs|JS stacktrace) --->|----- Native stack trace -----)/;

/**
 * Stack frames shown, other than frames in the user's own job file (`userFile`): the CLI shows at most
 * the first frame in the user's code (where to look), never Spindle's or Node's.
 */
export function foreignFrames(text: string, userFile?: string): string[] {
  return text.split('\n').filter((l) => (FRAME.test(l) && !(userFile && l.includes(userFile))) || V8_REPORT.test(l));
}

/** Runs cases `concurrency` at a time; results by case name. */
export async function runCases(cases: readonly CatalogueCase[], concurrency: number): Promise<Map<string, CliResult>> {
  const results = new Map<string, CliResult>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      results.set(c.name, await spindle(c.args, c.options));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** The catalogue's common assertions on one result. */
export function expectCase(c: CatalogueCase, r: CliResult | undefined, userFile?: string): void {
  expect(r, `${c.name}: not run`).to.not.equal(undefined);
  const out = `${c.name}\n--- stderr:\n${r!.stderr}`;
  expect(r!.code, out).to.equal(c.code);
  expect(r!.stderr, out).to.match(c.what);
  expect(r!.stderr, out).to.match(c.fix);
  expect(foreignFrames(r!.stderr, userFile), `${out}\n--- a stack trace without --verbose`).to.deep.equal([]);
  if (c.submitsNothing) expect(r!.appIds, `${out}\n--- nothing may be submitted`).to.deep.equal([]);
}
