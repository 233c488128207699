/**
 * Captured closure values: the contract between the bundler, which rewrites a job's lambdas, and
 * the driver, which ships them. A lambda given to a Dataset method that uses locals of an enclosing
 * function (`(w) => w.length >= minLen`) is wrapped at bundle time as
 *
 *   __spindleCapture((w) => w.length >= minLen, globalThis.__spindleCapturing && (() => [minLen]), "minLen", "job.ts:7")
 *
 * which returns the same function with a Captured record under CAPTURED_KEY. The driver reads it
 * when the transformation is defined and ships those values as if they had been given as `{ minLen }`.
 *
 * The same code runs on executors, where a helper function of the job may call an array's `filter`
 * with such a lambda once per record: there the global CAPTURING_GLOBAL is unset, so no thunk is
 * made and the wrapper only returns its function. That still costs ~0.1 us a call (V8 no longer
 * inlines the lambda into `filter`: 30 -> 130 ns for a 10-word array, measured here), where
 * recording the capture would cost ~0.35 us more.
 *
 * esbuild may rename a local in the bundle (`minLen3`, when another module of the job has a
 * top-level `minLen`), and the shipped source then says `minLen3`; the thunk's own source, printed
 * by esbuild beside it, says the same, so bundleNames reads the names the executor needs from it.
 */

/** The registered symbol (`Symbol.for`) under which a wrapped function carries its Captured record. */
export const CAPTURED_KEY = 'spindle.captured';
/** The name of the wrapper the bundler appends to each rewritten file. */
export const CAPTURE_HELPER_NAME = '__spindleCapture';
/** The property of `globalThis` that is true in a process that ships functions (the driver). */
export const CAPTURING_GLOBAL = '__spindleCapturing';

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
  ` if (values && typeof fn === 'function') try { Object.defineProperty(fn, Symbol.for('${CAPTURED_KEY}'), { value: { values, names, at }, configurable: true }); } catch {}` +
  ' return fn; }';

/** The Captured record of `fn`, if the bundler wrapped it (its names are stored comma-separated). */
export function capturedOf(fn: object): Captured | undefined {
  const c = (fn as unknown as Record<symbol, unknown>)[Symbol.for(CAPTURED_KEY)] as
    | { values: unknown; names: unknown; at: unknown }
    | undefined;
  if (!c || typeof c.values !== 'function' || typeof c.names !== 'string' || typeof c.at !== 'string') return undefined;
  return { values: c.values as () => unknown[], names: c.names.split(','), at: c.at };
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
