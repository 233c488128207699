/**
 * Captured closure values: the contract between the bundler, which rewrites a job's lambdas, and
 * the driver, which ships them. A lambda given to a Dataset method that uses locals of an enclosing
 * function (`(w) => w.length >= minLen`) is wrapped at bundle time as
 *
 *   __spindleCapture((w) => w.length >= minLen, () => [minLen], ["minLen"], "job.ts:7")
 *
 * which returns the same function with a Captured record under CAPTURED_KEY. The driver reads it
 * when the transformation is defined and ships those values as if they had been given as `{ minLen }`.
 *
 * esbuild may rename a local in the bundle (`minLen3`, when another module of the job has a
 * top-level `minLen`), and the shipped source then says `minLen3`; the thunk's own source, printed
 * by esbuild beside it, says the same, so bundleNames reads the names the executor needs from it.
 */

/** The registered symbol (`Symbol.for`) under which a wrapped function carries its Captured record. */
export const CAPTURED_KEY = 'spindle.captured';
/** The name of the wrapper the bundler appends to each rewritten file. */
export const CAPTURE_HELPER_NAME = '__spindleCapture';

/** What a wrapped function carries. */
export interface Captured {
  /** Reads the captured variables, in `names` order (a thunk: a variable not yet initialized fails only when shipped). */
  values: () => unknown[];
  /** The variables' names as the user wrote them. */
  names: string[];
  /** Where the lambda starts in the user's source, `file:line`. */
  at: string;
}

/**
 * The wrapper, appended to the end of each rewritten file (a hoisted declaration, so no line of the
 * user's file moves). A function that cannot take a property (frozen) is returned as it is.
 */
export const CAPTURE_HELPER =
  `function ${CAPTURE_HELPER_NAME}(fn, values, names, at) {` +
  ` if (typeof fn === 'function') try { Object.defineProperty(fn, Symbol.for('${CAPTURED_KEY}'), { value: { values, names, at }, configurable: true }); } catch {}` +
  ' return fn; }';

/** The Captured record of `fn`, if the bundler wrapped it. */
export function capturedOf(fn: object): Captured | undefined {
  const c = (fn as unknown as Record<symbol, unknown>)[Symbol.for(CAPTURED_KEY)] as Captured | undefined;
  return c && typeof c.values === 'function' && Array.isArray(c.names) && typeof c.at === 'string' ? c : undefined;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/**
 * The captured variables' names in the bundle: read from the thunk's source, `() => [minLen3, stop]`
 * as esbuild prints the array of identifiers the bundler wrote; `names` when it reads otherwise.
 */
export function bundleNames(c: Captured): string[] {
  const source = Function.prototype.toString.call(c.values);
  const list = source.slice(source.indexOf('[') + 1, source.lastIndexOf(']')).split(',');
  const names = list.map((n) => n.trim());
  return names.length === c.names.length && names.every((n) => IDENTIFIER.test(n)) ? names : c.names;
}
