import { ConfigError, SpindleError, StandbyError, ConnectionError, errorMessage } from '../protocols/errors/index.js';
import type { Qop } from '../protocols/hadoop-rpc/index.js';
import { isAttemptNotFound, isInvalidToken, isNotRegistered } from '../protocols/yarn/index.js';
import type {
  AllocateRequest,
  AllocateResult,
  FinalStatus,
  NmToken,
  NodeId,
  RegisterRequest,
  RegisterResult,
  ResourceAsk,
  Token,
} from '../protocols/yarn/index.js';

/**
 * The AM's conversation with the ResourceManager's scheduler port (ApplicationMasterProtocol), with
 * the state the protocol makes the AM keep:
 *  - response ids: 0 after (re-)registering, then echo what the RM last answered;
 *  - the AMRMToken, replaced when the RM rolls its master key (new connections use the new one);
 *  - one NMToken per NodeManager, replaced as new ones arrive;
 *  - RM restart / failover: ApplicationMasterNotRegisteredException means register again and resend
 *    every outstanding ask (asks are absolute, so a full table is safe); a connection failure or a
 *    StandbyException moves to the next scheduler address (RM HA);
 *  - ApplicationAttemptNotFoundException (or InvalidToken for the attempt) means this attempt is over:
 *    shut down without retrying.
 */

/** What the AM needs from an RPC connection to the scheduler. */
export interface SchedulerConnection {
  register(r: RegisterRequest): Promise<RegisterResult>;
  allocate(r: AllocateRequest): Promise<AllocateResult>;
  finish(r: { finalStatus: FinalStatus; diagnostics: string; trackingUrl?: string }): Promise<{ unregistered: boolean }>;
  close(): Promise<void>;
  /** The SASL quality of protection negotiated ('auth', 'auth-int', 'auth-conf'), once connected. */
  readonly qop?: string | undefined;
}

/**
 * Opens a connection to one scheduler address with the given AMRMToken. `reconnects`, when given,
 * replaces the connection's own retries of a refused connection (0 with RM HA: the next RM is tried).
 */
export type SchedulerConnector = (
  address: { host: string; port: number },
  token: Token,
  allowedQops?: Qop[],
  reconnects?: number,
) => SchedulerConnection;

export const DEFAULT_FINISH_RETRY_MS = 100;
export const DEFAULT_FINISH_TIMEOUT_MS = 60_000;
/** Wait before unregistering again when no RM answered (each try already waits out reconnects). */
export const FINISH_FAILOVER_RETRY_MS = 500;
/**
 * With RM HA, how long a call keeps going round the RMs while none answers as active: after the active
 * RM dies, its ZooKeeper session must expire before the standby is elected, which then recovers the
 * applications (about 10 s on the single-host cluster).
 */
export const DEFAULT_FAILOVER_TIMEOUT_MS = 60_000;
/** Waits between rounds over the RMs: doubling from the first to the second. */
export const FAILOVER_ROUND_WAIT_MS = [200, 2000] as const;

export interface RmClientOptions {
  /** host:port of the scheduler (yarn.resourcemanager.scheduler.address), one per RM with HA. */
  schedulerAddresses: string[];
  /** The AMRMToken from the container's credentials. */
  amrmToken: Token;
  allowedQops?: Qop[];
  connect: SchedulerConnector;
  /** Called after a re-registration: returns the full ask table to resend. */
  resyncAsks: () => ResourceAsk[];
  /** Sleeps between finish attempts and failover rounds; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds for the failover deadline; injectable for tests. Default Date.now. */
  now?: () => number;
  finishTimeoutMs?: number;
  /** With several scheduler addresses: DEFAULT_FAILOVER_TIMEOUT_MS. */
  failoverTimeoutMs?: number;
  log?: (message: string) => void;
}

/** The RM no longer knows this attempt; the AM must exit without retrying. */
export class AttemptGoneError extends SpindleError {
  override readonly name: string = 'AttemptGoneError';
}

export function parseAddress(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new ConfigError(`${what} must be host:port, got '${text}'`);
  }
  return { host: m[1]!, port: Number(m[2]) };
}

export function nodeKey(node: NodeId): string {
  return `${node.host}:${node.port}`;
}

export class RmClient {
  private readonly addresses: { host: string; port: number }[];
  private current = 0;
  private connection: SchedulerConnection | undefined;
  private token: Token;
  private responseId = 0;
  private registration: RegisterRequest | undefined;
  private readonly nmTokens = new Map<string, Token>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (message: string) => void;

  constructor(private readonly options: RmClientOptions) {
    if (options.schedulerAddresses.length === 0) {
      throw new ConfigError('no ResourceManager scheduler address: set yarn.resourcemanager.scheduler.address');
    }
    this.addresses = options.schedulerAddresses.map((a) => parseAddress(a, 'scheduler address'));
    this.token = options.amrmToken;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.log = options.log ?? (() => {});
  }

  /** The scheduler address in use, for messages. */
  get server(): string {
    const a = this.addresses[this.current]!;
    return `${a.host}:${a.port}`;
  }

  async register(request: RegisterRequest): Promise<RegisterResult> {
    this.registration = request;
    const result = await this.withFailover((c) => c.register(request));
    this.responseId = 0;
    for (const t of result.nmTokensFromPreviousAttempts) this.storeNmToken(t);
    return result;
  }

  /**
   * One heartbeat. The response id is managed here; callers pass asks that changed and releases.
   * After a resync the full ask table from `resyncAsks` replaces `asks`.
   */
  async allocate(request: Omit<AllocateRequest, 'responseId'>): Promise<AllocateResult> {
    let result: AllocateResult;
    try {
      result = await this.withFailover((c) => c.allocate({ ...request, responseId: this.responseId }));
    } catch (err) {
      if (!isNotRegistered(err)) throw err;
      this.log('the ResourceManager lost our registration (restart or failover); registering again');
      await this.reregister();
      const asks = this.options.resyncAsks();
      result = await this.withFailover((c) => c.allocate({ ...request, asks, responseId: this.responseId }));
    }
    this.responseId = result.responseId;
    for (const t of result.nmTokens) this.storeNmToken(t);
    if (result.amRmToken) {
      this.log('the ResourceManager rolled its master key; using the new AMRMToken');
      this.token = result.amRmToken;
      // The open connection stays authenticated; new connections (after failover) use the new token.
    }
    return result;
  }

  /**
   * Unregisters, repeating until the RM confirms the final state is stored. A job may end while no RM
   * is active (the active one died, the standby has not taken over yet: several seconds with RM HA):
   * refused connections and standby answers are repeated too, until the finish timeout, so that the
   * attempt does not end unregistered (which would make YARN run the application again).
   */
  async finish(finalStatus: FinalStatus, diagnostics: string, trackingUrl?: string): Promise<void> {
    const deadline = Date.now() + (this.options.finishTimeoutMs ?? DEFAULT_FINISH_TIMEOUT_MS);
    let register = false;
    for (;;) {
      let unregistered: boolean;
      try {
        if (register) await this.reregister();
        register = false;
        ({ unregistered } = await this.withFailover((c) =>
          c.finish({ finalStatus, diagnostics, ...(trackingUrl !== undefined ? { trackingUrl } : {}) }),
        ));
      } catch (err) {
        if (isNotRegistered(err)) {
          this.log('the ResourceManager lost our registration (restart or failover); registering again to unregister');
          register = true;
          continue;
        }
        const failover = err instanceof StandbyError || err instanceof ConnectionError;
        if (!failover || Date.now() > deadline) throw err;
        this.log(`unregistering: no ResourceManager answered (${errorMessage(err)}); trying again`);
        await this.sleep(FINISH_FAILOVER_RETRY_MS);
        continue;
      }
      if (unregistered) return;
      if (Date.now() > deadline) {
        throw new SpindleError(`the ResourceManager did not confirm unregistration within the finish timeout`, {
          server: this.server,
          method: 'finishApplicationMaster',
          retriable: true,
        });
      }
      await this.sleep(DEFAULT_FINISH_RETRY_MS);
    }
  }

  /** The SASL protection of the current connection, for logs. */
  get qop(): string | undefined {
    return this.connection?.qop;
  }

  /** The NMToken for a NodeManager, if the RM has sent one. */
  nmToken(node: NodeId): Token | undefined {
    return this.nmTokens.get(nodeKey(node));
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    await c?.close();
  }

  private storeNmToken(t: NmToken): void {
    this.nmTokens.set(nodeKey(t.nodeId), t.token);
  }

  private async reregister(): Promise<void> {
    if (!this.registration) throw new SpindleError('allocate called before register');
    await this.withFailover((c) => c.register(this.registration!));
    this.responseId = 0;
  }

  private conn(): SchedulerConnection {
    if (!this.connection) {
      // With RM HA a standby RM does not even listen on its scheduler port: a refused connection moves
      // on to the next RM at once (the rounds in withFailover wait) instead of retrying for seconds.
      const reconnects = this.addresses.length > 1 ? 0 : undefined;
      this.connection = this.options.connect(this.addresses[this.current]!, this.token, this.options.allowedQops, reconnects);
    }
    return this.connection;
  }

  /**
   * Runs a call; on a refused/broken connection or a standby RM, moves to the next scheduler address.
   * One RM: that is one try (the connection has retried connecting). Several: rounds over all of them,
   * with a growing wait between rounds, until one answers or the failover timeout has passed.
   */
  private async withFailover<T>(call: (c: SchedulerConnection) => Promise<T>): Promise<T> {
    if (this.addresses.length === 1) return this.round(call, true);
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.failoverTimeoutMs ?? DEFAULT_FAILOVER_TIMEOUT_MS);
    let wait: number = FAILOVER_ROUND_WAIT_MS[0];
    for (let rounds = 1; ; rounds++) {
      try {
        const result = await this.round(call, rounds === 1);
        if (rounds > 1) this.log(`ResourceManager scheduler ${this.server} answered after ${rounds} rounds over the ResourceManagers`);
        return result;
      } catch (err) {
        const failover = err instanceof StandbyError || err instanceof ConnectionError;
        if (!failover || now() >= deadline) throw err;
      }
      await this.sleep(wait);
      wait = Math.min(wait * 2, FAILOVER_ROUND_WAIT_MS[1]);
    }
  }

  /**
   * Tries each scheduler address once, from the current one. Attempt-ending errors become
   * AttemptGoneError. Moves are logged in the first round of a call only (later rounds repeat them).
   */
  private async round<T>(call: (c: SchedulerConnection) => Promise<T>, logMoves: boolean): Promise<T> {
    let lastError: unknown;
    for (let tried = 0; tried < this.addresses.length; tried++) {
      try {
        return await call(this.conn());
      } catch (err) {
        if (isAttemptNotFound(err) || isInvalidToken(err)) {
          throw new AttemptGoneError(`the ResourceManager no longer accepts this application attempt: ${errorMessage(err)}`, {
            cause: err,
            server: this.server,
          });
        }
        const failover = err instanceof StandbyError || err instanceof ConnectionError;
        if (!failover) throw err;
        lastError = err;
        const dropped = this.connection;
        this.connection = undefined;
        // The connection is being abandoned for another RM; how its close ends changes nothing.
        void dropped?.close().catch(() => {});
        if (this.addresses.length > 1) {
          this.current = (this.current + 1) % this.addresses.length;
          if (logMoves) this.log(`failing over to ResourceManager scheduler ${this.server}: ${errorMessage(err)}`);
        }
      }
    }
    throw lastError;
  }
}
