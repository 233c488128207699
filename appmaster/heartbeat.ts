import { SpindleError, errorMessage } from '../protocols/errors/index.js';

/**
 * The heartbeat decides *when* the AM calls allocate, and nothing else: fast while asks are pending
 * (containers arrive on NodeManager heartbeats, so polling faster than ~100 ms gains nothing), slow when
 * idle (the RM only needs to hear from us well within its AM liveness expiry, 10 minutes by default).
 * A retriable failure is tolerated up to a limit of consecutive failures; anything else ends the loop.
 */

export const DEFAULT_FAST_INTERVAL_MS = 200;
export const DEFAULT_IDLE_INTERVAL_MS = 1000;
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 8;

export interface HeartbeatOptions {
  /** Interval while asks are outstanding or containers are starting. Default 200 ms. */
  fastIntervalMs?: number;
  /** Interval otherwise. Default 1000 ms. */
  idleIntervalMs?: number;
  /** Retriable failures in a row before giving up. Default 8. */
  maxConsecutiveFailures?: number;
}

/** Time source; tests pass a fake whose sleep resolves when they advance it. */
export interface HeartbeatClock {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: HeartbeatClock = {
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** What one tick asks for next. */
export type TickResult = 'fast' | 'idle' | 'stop';

export class HeartbeatFailedError extends SpindleError {
  override readonly name: string = 'HeartbeatFailedError';
}

export class Heartbeat {
  private readonly fastMs: number;
  private readonly idleMs: number;
  private readonly maxFailures: number;
  private wakeController = new AbortController();

  constructor(
    options: HeartbeatOptions = {},
    private readonly clock: HeartbeatClock = realClock,
  ) {
    this.fastMs = positive('fastIntervalMs', options.fastIntervalMs ?? DEFAULT_FAST_INTERVAL_MS);
    this.idleMs = positive('idleIntervalMs', options.idleIntervalMs ?? DEFAULT_IDLE_INTERVAL_MS);
    this.maxFailures = positive('maxConsecutiveFailures', options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES);
  }

  /** Ends the current wait early (new work arrived); the next tick runs at once. */
  wake(): void {
    this.wakeController.abort();
  }

  /**
   * Calls `tick` until it returns 'stop' or `signal` aborts. A tick that throws a retriable
   * SpindleError is retried after the idle interval; after maxConsecutiveFailures of them in a row
   * (or any other error) the loop ends by throwing.
   */
  async run(tick: () => Promise<TickResult>, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let next: TickResult;
      try {
        next = await tick();
        failures = 0;
      } catch (err) {
        const retriable = err instanceof SpindleError && err.retriable;
        failures += 1;
        if (!retriable) throw err;
        if (failures >= this.maxFailures) {
          throw new HeartbeatFailedError(`the ResourceManager did not answer ${failures} heartbeats in a row: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        next = 'idle';
      }
      if (next === 'stop' || signal.aborted) return;
      const woken = this.wakeController;
      if (woken.signal.aborted) {
        // wake() came during the tick: tick again at once.
        this.wakeController = new AbortController();
        continue;
      }
      const wait = new AbortController();
      const onAbort = (): void => wait.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      woken.signal.addEventListener('abort', onAbort, { once: true });
      await this.clock.sleep(next === 'fast' ? this.fastMs : this.idleMs, wait.signal);
      signal.removeEventListener('abort', onAbort);
      woken.signal.removeEventListener('abort', onAbort);
      if (woken.signal.aborted) this.wakeController = new AbortController();
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number (got ${value})`);
  return value;
}
