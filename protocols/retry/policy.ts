/**
 * One retry policy for every protocol client: exponential backoff with jitter, driven by the error's
 * `retriable` property (see protocols/errors). Time is injected (`sleep`, `now`, `random`) so tests
 * run on fake clocks and never wait.
 */
import { ConfigError, SpindleError } from '../errors/index.js';

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Total attempts including the first one; 1 disables retries. Default {@link DEFAULT_MAX_ATTEMPTS}. */
  maxAttempts: number;
  /** Delay before the second attempt. Default {@link DEFAULT_INITIAL_DELAY_MS}. */
  initialDelayMs: number;
  /** Upper bound for any single delay. Default {@link DEFAULT_MAX_DELAY_MS}. */
  maxDelayMs: number;
  /** Growth factor between consecutive delays. Default {@link DEFAULT_BACKOFF_MULTIPLIER}. */
  multiplier: number;
  /**
   * Relative jitter in [0, 1]: each delay is spread uniformly over `delay * (1 ± jitter)`, so clients
   * that failed together do not retry together. Default {@link DEFAULT_JITTER}.
   */
  jitter: number;
  /** Stop retrying once this much time has passed since the first attempt; 0 means no limit. Default 0. */
  maxElapsedMs: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_INITIAL_DELAY_MS = 200;
export const DEFAULT_MAX_DELAY_MS = 10_000;
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
export const DEFAULT_JITTER = 0.2;

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  initialDelayMs: DEFAULT_INITIAL_DELAY_MS,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  multiplier: DEFAULT_BACKOFF_MULTIPLIER,
  jitter: DEFAULT_JITTER,
  maxElapsedMs: 0,
});

/**
 * Fill in defaults and check every field once. `field` prefixes the offending field's name in the
 * ConfigError message (e.g. "retry.maxAttempts").
 */
export function resolveRetryOptions(partial: Partial<RetryOptions> = {}, field = 'retry'): RetryOptions {
  const o: RetryOptions = { ...DEFAULT_RETRY_OPTIONS, ...stripUndefined(partial) };
  const check = (name: keyof RetryOptions, ok: boolean, want: string): void => {
    if (!ok) throw new ConfigError(`${field}.${name} must be ${want} (got ${String(o[name])})`);
  };
  check('maxAttempts', Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1, 'an integer >= 1');
  check('initialDelayMs', isNonNegative(o.initialDelayMs), 'a number >= 0');
  check('maxDelayMs', isNonNegative(o.maxDelayMs) && o.maxDelayMs >= o.initialDelayMs, `a number >= initialDelayMs`);
  check('multiplier', Number.isFinite(o.multiplier) && o.multiplier >= 1, 'a number >= 1');
  check('jitter', Number.isFinite(o.jitter) && o.jitter >= 0 && o.jitter <= 1, 'a number in [0, 1]');
  check('maxElapsedMs', isNonNegative(o.maxElapsedMs), 'a number >= 0 (0 = no limit)');
  return o;
}

/**
 * The delay before attempt `attempt + 1`, after `attempt` (1-based) attempts have failed.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** (attempt - 1));
  const spread = 1 + options.jitter * (2 * random() - 1);
  return Math.round(Math.min(options.maxDelayMs, base * spread));
}

/** True if the error says that repeating the same call may succeed. */
export function isRetriable(err: unknown): boolean {
  return err instanceof SpindleError && err.retriable;
}

/** Injected time and decisions; everything optional. */
export interface RetryHooks {
  /** Wait this long. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds on a monotonic clock, for `maxElapsedMs`. Default: performance.now(). */
  now?: () => number;
  /** Uniform [0, 1), for jitter. Default Math.random. */
  random?: () => number;
  /** Whether to retry this error. Default {@link isRetriable}. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /**
   * Adjust the computed backoff for this error, e.g. 0 for the first failover to another server
   * (nothing suggests the other one is busy). Default: keep it.
   */
  adjustDelay?: (err: unknown, attempt: number, backoffMs: number) => number;
  /** Called before each wait, e.g. to log or to switch servers. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** The default sleep: a real timer. */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Run `fn` until it succeeds, an error is not retriable, attempts run out or the time budget is spent.
 * `fn` receives the 1-based attempt number. The last error is rethrown unchanged.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? realSleep;
  const now = hooks.now ?? (() => performance.now());
  const shouldRetry = hooks.shouldRetry ?? isRetriable;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.maxAttempts || !shouldRetry(err, attempt)) throw err;
      const backoff = backoffDelay(attempt, options, hooks.random);
      const delay = hooks.adjustDelay ? hooks.adjustDelay(err, attempt, backoff) : backoff;
      if (options.maxElapsedMs > 0 && now() - started + delay > options.maxElapsedMs) throw err;
      hooks.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

function isNonNegative(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
