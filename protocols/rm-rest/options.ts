/**
 * Options of the ResourceManager REST client, their defaults, and the one place they are checked.
 */
import { ConfigError } from '../errors/index.js';
import { realSleep, resolveRetryOptions, type RetryOptions } from '../retry/index.js';
import type { HttpTransport } from './transport.js';
import type { HttpNegotiator } from '../http/index.js';
import { nodeTransport } from './transport.js';

/** Per HTTP request, from sending to the last byte of the answer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long `kill()` waits for the application to reach a final state. */
export const DEFAULT_KILL_TIMEOUT_MS = 30_000;
/** Pause between state polls in `kill()` and `waitForState()`. */
export const DEFAULT_POLL_INTERVAL_MS = 250;
/**
 * Retry of a whole sweep over `rmUrls` (each sweep already tries every RM once). Short by default:
 * a refused connection usually means a wrong address, and the user should hear so within seconds.
 */
export const DEFAULT_RM_RETRY: Readonly<Partial<RetryOptions>> = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 5_000,
});

/** What a caller may pass to `new RmRestClient()`. */
export interface RmRestOptions {
  /**
   * Web addresses of the ResourceManagers, e.g. ["http://rm1:8088", "http://rm2:8088"]. With RM HA
   * the client sticks to the one that answered last and moves to the next when an RM is standby or
   * unreachable. Required, at least one.
   */
  rmUrls: string[];
  /**
   * Sent as `user.name` on every request (Hadoop's "simple" HTTP authentication). Hadoop 3.5.0's RM
   * honours it out of the box (its delegation-token auth filter accepts pseudo auth; confirmed on the
   * local cluster: applications run as this user). Without it, or on an RM whose web authentication
   * ignores it, the RM acts as `hadoop.http.staticuser.user` (default "dr.who"). On a Kerberized RM
   * leave it out and give a `negotiator`. Default: not sent.
   */
  user?: string;
  /** SPNEGO for a Kerberized RM (ignored when `transport` is given). Default: none. */
  negotiator?: HttpNegotiator;
  /** Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Default {@link DEFAULT_KILL_TIMEOUT_MS}; `kill(id, { timeoutMs })` overrides it per call. */
  killTimeoutMs?: number;
  /** Default {@link DEFAULT_POLL_INTERVAL_MS}. */
  pollIntervalMs?: number;
  /** Retry of failed sweeps over all RMs; defaults {@link DEFAULT_RM_RETRY} over the shared policy's. */
  retry?: Partial<RetryOptions>;
  /** HTTP implementation; default `nodeTransport(negotiator)`. Tests inject fakes. */
  transport?: HttpTransport;
  /** Wait this long (polling and retry backoff). Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds on a monotonic clock. Default: performance.now(). */
  now?: () => number;
  /** Uniform [0, 1) for retry jitter. Default Math.random. */
  random?: () => number;
}

/** Options after defaults and validation. */
export interface ResolvedRmRestOptions {
  rmUrls: string[];
  user: string | undefined;
  requestTimeoutMs: number;
  killTimeoutMs: number;
  pollIntervalMs: number;
  retry: RetryOptions;
  transport: HttpTransport;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
}

function positiveInt(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`rm-rest: ${field} must be a positive integer of milliseconds (got ${String(value)})`);
  }
  return v;
}

/** Normalises one RM address: http(s) only, no query, no trailing slash. */
function normaliseUrl(raw: unknown, index: number): string {
  const field = `rmUrls[${index}]`;
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ConfigError(`rm-rest: ${field} must be a non-empty URL string like http://rm-host:8088`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`rm-rest: ${field} is not a URL: ${JSON.stringify(raw)} (expected http://rm-host:8088)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`rm-rest: ${field} must use http or https (got ${url.protocol})`);
  }
  if (url.search || url.hash) throw new ConfigError(`rm-rest: ${field} must not carry a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Fill in defaults and check every field once; ConfigError names the offending field. */
export function resolveRmRestOptions(options: RmRestOptions): ResolvedRmRestOptions {
  if (!options || !Array.isArray(options.rmUrls) || options.rmUrls.length === 0) {
    throw new ConfigError('rm-rest: rmUrls must list at least one ResourceManager web address (e.g. http://rm-host:8088)');
  }
  const rmUrls = options.rmUrls.map(normaliseUrl);
  if (options.user !== undefined && (typeof options.user !== 'string' || !/^[^\s&=?#]+$/.test(options.user))) {
    throw new ConfigError(`rm-rest: user must be a non-empty user name without spaces (got ${JSON.stringify(options.user)})`);
  }
  return {
    rmUrls,
    user: options.user,
    requestTimeoutMs: positiveInt(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
    killTimeoutMs: positiveInt(options.killTimeoutMs, DEFAULT_KILL_TIMEOUT_MS, 'killTimeoutMs'),
    pollIntervalMs: positiveInt(options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs'),
    retry: resolveRetryOptions({ ...DEFAULT_RM_RETRY, ...stripUndefined(options.retry ?? {}) }, 'rm-rest: retry'),
    transport: options.transport ?? nodeTransport(options.negotiator),
    sleep: options.sleep ?? realSleep,
    now: options.now ?? (() => performance.now()),
    random: options.random ?? Math.random,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
