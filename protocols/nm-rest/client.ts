/**
 * A client for the NodeManagers' web services: a container's log files (listing, whole, first or
 * last n bytes, from a byte offset) and its report. One client talks to any number of NodeManagers;
 * each call names the node by its web address.
 */
import {
  ConfigError,
  LogUnavailableError,
  NotFoundError,
  ProtocolError,
  RemoteError,
  SpindleError,
  errorClassFor,
} from '../errors/index.js';
import type { HttpNegotiator } from '../http/index.js';
import { asObject, optString } from '../rm-rest/index.js';
import { parseLogEnvelope, parseLogListing, parseNmContainer } from './parse.js';
import { keepAliveTransport, type ClosableTransport, type NmHttpTransport } from './transport.js';
import type { ContainerLogListing, LogChunk, NmContainerReport } from './types.js';

/** Per request, from sending to the last byte. */
export const DEFAULT_NM_REQUEST_TIMEOUT_MS = 15_000;
/**
 * Largest answer read: a whole log file is held in memory. Generous, since logs of long containers
 * are large, but bounded so a runaway file cannot take the process down.
 */
export const NM_MAX_ANSWER_BYTES = 512 * 1024 * 1024;
/** How many times `readFrom` re-asks for a file that grew while it was read, before reading it whole. */
export const MAX_CATCH_UP_READS = 2;

export interface NmRestOptions {
  /** Sent as `user.name` (simple HTTP authentication). Default: not sent. */
  user?: string;
  /** Default {@link DEFAULT_NM_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Scheme for node addresses given as bare host:port. Default "http". */
  scheme?: 'http' | 'https';
  /** SPNEGO for Kerberized NodeManagers (leave `user` out then); ignored when `transport` is given. */
  negotiator?: HttpNegotiator;
  /** HTTP implementation; default a keep-alive transport closed by `close()`. */
  transport?: NmHttpTransport;
}

/**
 * The web address of a NodeManager as a base URL: "http://localhost:8042" stays, "localhost:8042"
 * gets the scheme.
 */
export function nodeBaseUrl(address: string, scheme: 'http' | 'https' = 'http'): string {
  const a = address.trim().replace(/\/+$/, '');
  if (a === '') throw new ConfigError('NodeManager web address is empty');
  return /^https?:\/\//.test(a) ? a : `${scheme}://${a}`;
}

export class NmRestClient {
  private readonly user: string | undefined;
  private readonly timeoutMs: number;
  private readonly scheme: 'http' | 'https';
  private readonly owned: ClosableTransport | undefined;
  private readonly send: NmHttpTransport;
  /** Whether the NodeManagers are Kerberized (we negotiate with them). */
  private readonly secure: boolean;

  constructor(options: NmRestOptions = {}) {
    const t = options.requestTimeoutMs ?? DEFAULT_NM_REQUEST_TIMEOUT_MS;
    if (!Number.isInteger(t) || t <= 0) throw new ConfigError(`nm-rest: requestTimeoutMs must be a positive integer (got ${t})`);
    this.timeoutMs = t;
    this.user = options.user;
    this.scheme = options.scheme ?? 'http';
    this.secure = options.negotiator !== undefined;
    if (options.transport) {
      this.send = options.transport;
    } else {
      this.owned = keepAliveTransport(options.negotiator);
      this.send = this.owned.send;
    }
  }

  /**
   * The container's log files on this node. A node that never ran the container answers with no
   * files (not an error), as does one whose copies were deleted.
   */
  async logFiles(node: string, containerId: string): Promise<ContainerLogListing> {
    const what = `list logs of ${containerId}`;
    const res = await this.get(node, `/ws/v1/node/containers/${enc(containerId)}/logs`, {}, what, containerId);
    return parseLogListing(json(res.body, what), containerId);
  }

  /**
   * One log file: whole, its first `size` bytes (size > 0) or its last -size bytes (size < 0).
   * NotFoundError when this node has no such file for the container.
   */
  async readLog(node: string, containerId: string, file: string, options: { size?: number } = {}): Promise<LogChunk> {
    const query: Record<string, string> = {};
    if (options.size !== undefined) {
      if (!Number.isInteger(options.size) || options.size === 0)
        throw new ConfigError(`nm-rest: size must be a non-zero integer (got ${options.size})`);
      query.size = String(options.size);
    }
    const what = `read ${file} of ${containerId}`;
    let res: Awaited<ReturnType<NmHttpTransport>>;
    try {
      res = await this.get(node, `/ws/v1/node/containerlogs/${enc(containerId)}/${enc(file)}`, query, what, containerId);
    } catch (err) {
      throw this.secure ? explainSecureLogFailure(err, what) : err;
    }
    return parseLogEnvelope(res.body, file, options.size);
  }

  /**
   * The bytes of a log file from `offset` to its end. The NodeManager cannot read from an offset,
   * only the first or last n bytes, so this asks for the last `knownLength - offset` bytes (the
   * length from a recent listing) and checks with the length the answer reports that they start at
   * `offset`; a file that grew in between is asked again, and in the end read from its start.
   */
  async readFrom(node: string, containerId: string, file: string, offset: number, knownLength: number): Promise<LogChunk> {
    let want = knownLength - offset;
    for (let i = 0; i <= MAX_CATCH_UP_READS; i++) {
      if (want <= 0) return { fileLength: knownLength, start: offset, data: Buffer.alloc(0), containerRunning: true };
      const chunk = await this.readLog(node, containerId, file, { size: -want });
      if (chunk.start === offset) return chunk;
      if (chunk.start < offset) {
        // The file is shorter than the listing said (or we asked for more than it has).
        const skip = Math.min(offset - chunk.start, chunk.data.length);
        return { ...chunk, start: chunk.start + skip, data: chunk.data.subarray(skip) };
      }
      want = chunk.fileLength - offset;
    }
    const whole = await this.readLog(node, containerId, file);
    const skip = Math.min(offset, whole.data.length);
    return { ...whole, start: skip, data: whole.data.subarray(skip) };
  }

  /** The container as this node tracks it; NotFoundError once the node has forgotten it. */
  async container(node: string, containerId: string): Promise<NmContainerReport> {
    const what = `container ${containerId}`;
    const res = await this.get(node, `/ws/v1/node/containers/${enc(containerId)}`, {}, what, containerId);
    return parseNmContainer(json(res.body, what));
  }

  /** Releases the keep-alive sockets (only those of the default transport). */
  close(): void {
    this.owned?.close();
  }

  private async get(node: string, path: string, query: Record<string, string>, what: string, containerId: string) {
    const base = nodeBaseUrl(node, this.scheme);
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (this.user !== undefined) url.searchParams.set('user.name', this.user);
    let res: Awaited<ReturnType<NmHttpTransport>>;
    try {
      const headers = { accept: 'application/json, text/plain' };
      res = await this.send({ method: 'GET', url: url.toString(), headers, timeoutMs: this.timeoutMs, maxBytes: NM_MAX_ANSWER_BYTES });
    } catch (err) {
      if (err instanceof SpindleError) {
        throw new (err.constructor as typeof SpindleError)(`${what}: ${err.message}`, {
          server: base,
          containerId,
          cause: err,
          retriable: err.retriable,
        });
      }
      throw err;
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw httpError(res.status, res.body, what, base, containerId);
  }
}

/**
 * A secure NodeManager opens log files through SecureIOUtils, which needs Hadoop's native library;
 * without it (Hadoop from the Maven jars, some tarball installs) every file read fails with a bare
 * Jersey 500 "Request failed." (the NodeManager logs "Secure IO is not possible without native code
 * extensions"). Such a 500 is explained, as a LogUnavailableError; listings still work.
 */
function explainSecureLogFailure(err: unknown, what: string): unknown {
  if (!(err instanceof RemoteError) || err.status !== 500) return err;
  return new LogUnavailableError(
    `${what}: the NodeManager at ${err.server} answered 500; on a secure cluster that is what a NodeManager without ` +
      "Hadoop's native library (libhadoop, which SecureIOUtils needs to open log files) answers; " +
      "the files are in that node's yarn.nodemanager.log-dirs",
    {
      ...(err.server ? { server: err.server } : {}),
      ...(err.containerId ? { containerId: err.containerId } : {}),
      status: 500,
      cause: err,
    },
  );
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function json(body: Buffer, what: string): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError(`${what}: the NodeManager did not answer JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Error answers. A missing log file is a 404 with a text body "HTTP 404 Not Found"; an application
 * whose logs are gone is a 503 with a WebApplicationException saying the same, so both read as
 * NotFoundError.
 */
function httpError(status: number, body: Buffer, what: string, server: string, containerId: string): RemoteError {
  const text = body.toString('utf8');
  let className: string | undefined;
  let message = text.trim().slice(0, 300);
  try {
    const remote = asObject(asObject(JSON.parse(text))?.RemoteException);
    className = optString(remote, 'javaClassName') ?? optString(remote, 'exception');
    message = optString(remote, 'message') ?? message;
  } catch {
    // a text body
  }
  const opts = { server, containerId, status, ...(className ? { exceptionClassName: className } : {}) };
  if (status === 404 || /\b404\b/.test(message)) return new NotFoundError(`${what}: not found on the NodeManager at ${server}`, opts);
  const Cls = errorClassFor(className);
  return new Cls(`${what}: HTTP ${status} from the NodeManager at ${server}${message ? `: ${message}` : ''}`, opts);
}
