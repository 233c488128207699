/**
 * The WebHDFS client's options: one typed object, defaults as named constants, validated once by
 * {@link resolveWebHdfsOptions}. The delegation token is kept non-enumerable so that logging or
 * JSON-serialising the resolved options never shows it.
 */
import { ConfigError } from '../errors/index.js';
import type { HttpNegotiator } from '../http/index.js';
import { resolveRetryOptions, type RetryHooks, type RetryOptions } from '../retry/index.js';

/** Time allowed to open a TCP connection to a NameNode or DataNode. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Time allowed for a metadata call, and for a data call's response headers once the body is sent. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Longest silence tolerated from a DataNode while we wait for it (mid-read, or a stalled upload). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Sockets per host (NameNode or DataNode) kept by the keep-alive agent. */
export const DEFAULT_MAX_SOCKETS_PER_HOST = 32;
/**
 * Retry for a job's own processes (driver and executors): patient enough (200 ms doubling to 8 s,
 * 10 attempts, about 37 s of waiting) to ride out a DataNode restart, as HDFS's own client waits for
 * a block (3 acquire failures over a growing 3 s window). With the default 5 attempts (~3 s) every
 * task reading during a DataNode restart fails at once, which excludes every executor (seen in the
 * chaos suite, test/chaos).
 */
export const JOB_PROCESS_RETRY: Readonly<Partial<RetryOptions>> = Object.freeze({ maxAttempts: 10, maxDelayMs: 8_000 });

/** What a caller passes to `new WebHdfsClient(...)`. */
export interface WebHdfsOptions {
  /**
   * NameNode web base URLs, e.g. `['http://127.0.0.1:9870']` (https for dfs.http.policy HTTPS_ONLY,
   * trusting Node's default CAs). With several (HA), a standby answer or a refused connection moves
   * on to the next one.
   */
  nameNodes: string[];
  /** User for simple authentication, sent as `user.name`. Ignored when a delegation token is given. */
  user?: string;
  /**
   * HDFS delegation token (URL-safe string form), sent as `delegation`. Never logged. A function is
   * asked before every NameNode call: a long-running application swaps in fresh tokens.
   */
  delegationToken?: string | (() => string | undefined);
  /**
   * SPNEGO for a Kerberized NameNode: its Negotiate challenges are answered and its cookie kept.
   * Used for NameNode calls only: the DataNode legs carry the `delegation` the NameNode put into their
   * URL. `user` is then not sent (the ticket says who we are); it still names the user in messages.
   */
  negotiator?: HttpNegotiator;
  /** Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs?: number;
  /** Default {@link DEFAULT_MAX_SOCKETS_PER_HOST}. */
  maxSocketsPerHost?: number;
  /** Retry and backoff for NameNode calls; defaults in protocols/retry. */
  retry?: Partial<RetryOptions>;
  /** Injected clock, sleep and randomness for retries (tests). */
  retryHooks?: Pick<RetryHooks, 'sleep' | 'now' | 'random'>;
}

/** Options after validation; every field present. */
export interface ResolvedWebHdfsOptions {
  readonly nameNodes: readonly URL[];
  readonly user: string | undefined;
  /** The token for the next call, if any. Non-enumerable. */
  readonly delegationToken: () => string | undefined;
  readonly negotiator: HttpNegotiator | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxSocketsPerHost: number;
  readonly retry: RetryOptions;
  readonly retryHooks: Pick<RetryHooks, 'sleep' | 'now' | 'random'>;
}

/** Validate `options` once; throws ConfigError naming the offending field. */
export function resolveWebHdfsOptions(options: WebHdfsOptions): ResolvedWebHdfsOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError('webhdfs options must be an object');
  const { nameNodes } = options;
  if (!Array.isArray(nameNodes) || nameNodes.length === 0) {
    throw new ConfigError('nameNodes must be a non-empty array of NameNode HTTP URLs (e.g. http://127.0.0.1:9870)');
  }
  const urls = nameNodes.map((raw, i) => parseNameNodeUrl(raw, `nameNodes[${i}]`));
  const user = optionalString(options.user, 'user');
  const given = options.delegationToken;
  const token = typeof given === 'function' ? given : constant(optionalString(given, 'delegationToken'));
  const resolved = {
    nameNodes: Object.freeze(urls),
    user,
    negotiator: options.negotiator,
    connectTimeoutMs: positive(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    requestTimeoutMs: positive(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
    idleTimeoutMs: positive(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs'),
    maxSocketsPerHost: positiveInt(options.maxSocketsPerHost, DEFAULT_MAX_SOCKETS_PER_HOST, 'maxSocketsPerHost'),
    retry: resolveRetryOptions(options.retry, 'retry'),
    retryHooks: { ...options.retryHooks },
  } as ResolvedWebHdfsOptions;
  Object.defineProperty(resolved, 'delegationToken', { value: token, enumerable: false });
  return Object.freeze(resolved);
}

function parseNameNodeUrl(raw: unknown, field: string): URL {
  if (typeof raw !== 'string') throw new ConfigError(`${field} must be a string URL (got ${typeof raw})`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${field} is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${field} must use http: or https: (got ${url.protocol} in ${raw})`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${field} must be a plain base URL without query, fragment or credentials: ${url.origin}`);
  }
  // A base path is kept: a gateway may mount WebHDFS below a prefix.
  return url;
}

function constant(value: string | undefined): () => string | undefined {
  return () => value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${field} must be a non-empty string`);
  return value;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${field} must be a number > 0 (got ${value})`);
  return value;
}

function positiveInt(value: number | undefined, fallback: number, field: string): number {
  const n = positive(value, fallback, field);
  if (!Number.isInteger(n)) throw new ConfigError(`${field} must be an integer (got ${n})`);
  return n;
}
