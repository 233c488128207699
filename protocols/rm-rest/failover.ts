/**
 * Sends REST calls to whichever ResourceManager is active. A "sweep" tries each configured RM once,
 * starting with the one that answered last; a standby answer, a refused connection or a timeout moves
 * on to the next RM at once. When a whole sweep fails with retriable errors, the shared retry policy
 * waits and sweeps again. Every other error (the RM answered, with an exception) is final at once.
 *
 * Re-sending is safe for every call this client makes: GETs are reads, a repeated new-application
 * only wastes an id, the RM ignores a second submission of the same application id, and a repeated
 * kill asks for the same thing.
 */
import { ConnectionError, SpindleError, StandbyError, TimeoutError } from '../errors/index.js';
import { retry } from '../retry/index.js';
import type { ResolvedRmRestOptions } from './options.js';
import { interpretResponse, isStandbyAnswer, type CallContext } from './response.js';
import type { HttpMethod, HttpResponse } from './transport.js';

/** One REST call, independent of which RM serves it. */
export interface RestCall {
  method: HttpMethod;
  /** Path below the RM address, e.g. "/ws/v1/cluster/apps". */
  path: string;
  query?: Record<string, string | undefined>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Ask for XML and hand back the body text of a 2xx answer as `json` (errors still come as JSON). */
  xml?: boolean;
  /** e.g. "kill application_1_0001"; starts every error message. */
  what: string;
  operation: string;
  appId?: string;
  /** Statuses that count as success; default any 2xx. */
  expectStatus?: number[];
  /**
   * Extra standby check on a successful answer (GET /ws/v1/cluster/info is answered by a standby RM
   * itself, with haState STANDBY, instead of being redirected).
   */
  isStandbyBody?: (json: unknown) => boolean;
}

/** The answer of a successful call. */
export interface RestResult {
  status: number;
  json: unknown;
  headers: Record<string, string | undefined>;
}

const CONFIG_HINT = 'check HADOOP_CONF_DIR (yarn.resourcemanager.webapp.address) or pass --rm';

/** Talks to the RM set; remembers which one is active. One per client, no shared state. */
export class RmEndpoints {
  private active = 0;

  constructor(private readonly options: ResolvedRmRestOptions) {}

  /** The address currently believed active. */
  get current(): string {
    return this.options.rmUrls[this.active]!;
  }

  /** Run `call` against the active RM, failing over and retrying as described above. */
  async call(call: RestCall): Promise<RestResult> {
    const o = this.options;
    return retry(() => this.sweep(call), o.retry, { sleep: o.sleep, now: o.now, random: o.random });
  }

  private async sweep(call: RestCall): Promise<RestResult> {
    const urls = this.options.rmUrls;
    const failures: { url: string; err: SpindleError }[] = [];
    for (let i = 0; i < urls.length; i++) {
      const index = (this.active + i) % urls.length;
      try {
        const result = await this.once(urls[index]!, call);
        this.active = index;
        return result;
      } catch (err) {
        if (!isFailoverError(err)) throw err;
        failures.push({ url: urls[index]!, err });
      }
    }
    throw sweepError(call, failures);
  }

  private async once(base: string, call: RestCall): Promise<RestResult> {
    const o = this.options;
    const url = new URL(base + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    if (o.user !== undefined) url.searchParams.set('user.name', o.user);
    const headers: Record<string, string> = { accept: call.xml ? 'application/xml' : 'application/json' };
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    let res: HttpResponse;
    try {
      res = await o.transport({ method: call.method, url: url.toString(), headers, body, timeoutMs: o.requestTimeoutMs });
    } catch (err) {
      throw asTransportError(err, call, base);
    }
    const ctx: CallContext = { what: call.what, operation: call.operation, server: base, appId: call.appId };
    const text = call.xml && res.status >= 200 && res.status < 300 && !isStandbyAnswer(res);
    const json = text ? res.body : interpretResponse(res, ctx);
    if (call.expectStatus && !call.expectStatus.includes(res.status)) {
      throw new SpindleError(`${call.what}: unexpected HTTP ${res.status} from ${base} (expected ${call.expectStatus.join(' or ')})`, {
        operation: call.operation,
        server: base,
        status: res.status,
        appId: call.appId,
      });
    }
    if (call.isStandbyBody?.(json)) {
      throw new StandbyError(`${call.what}: ResourceManager at ${base} is standby`, { operation: call.operation, server: base });
    }
    return { status: res.status, json, headers: res.headers };
  }
}

function isFailoverError(err: unknown): err is SpindleError {
  return err instanceof ConnectionError || err instanceof StandbyError || err instanceof TimeoutError;
}

/** Errors from a custom transport that are not ours are treated as connection failures. */
function asTransportError(err: unknown, call: RestCall, base: string): SpindleError {
  if (err instanceof SpindleError) return err;
  return new ConnectionError(`${call.what}: cannot reach ${base} (${err instanceof Error ? err.message : String(err)})`, {
    operation: call.operation,
    server: base,
    cause: err,
  });
}

/**
 * One error for a failed sweep: the class all RMs agreed on (or ConnectionError when they differ),
 * with every address and its reason in the message.
 */
function sweepError(call: RestCall, failures: { url: string; err: SpindleError }[]): SpindleError {
  const reasons = failures.map(({ url, err }) => `${url}: ${reasonOf(err)}`).join('; ');
  const opts = { operation: call.operation, appId: call.appId, server: failures.map((f) => f.url).join(','), cause: failures.at(-1)?.err };
  if (failures.every((f) => f.err instanceof StandbyError)) {
    return new StandbyError(`${call.what}: no active ResourceManager (${reasons})`, opts);
  }
  if (failures.every((f) => f.err instanceof TimeoutError)) {
    return new TimeoutError(`${call.what}: no ResourceManager answered in time (${reasons})`, opts);
  }
  const which = failures.length === 1 ? 'the ResourceManager' : 'any ResourceManager';
  return new ConnectionError(`${call.what}: cannot reach ${which} (${reasons}); ${CONFIG_HINT}`, opts);
}

function reasonOf(err: SpindleError): string {
  if (err instanceof StandbyError) return 'standby';
  if (err instanceof TimeoutError) return 'timed out';
  const m = /\(([^()]*)\)$/.exec(err.message);
  return m ? m[1]! : err.message;
}
