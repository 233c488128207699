import { stamp, type EventBody, type LogEvent } from '../../protocols/event-log/index.js';
import type { EventLogTarget } from './event-recorder.js';

/**
 * The driver's events, forwarded to the AM over IPC for its live web UI (protocols/web-ui), beside
 * the event log: `teeTargets` hands each record to both. The forwarder stamps each event as the log
 * writer does and sends them in batches (`events` messages), at most every `maxDelayMs` or every
 * `maxEvents` events: one IPC message per task event would cost the driver more than the UI is worth.
 *
 * The AM sees every event, before the log writer's per-stage caps; StageCompleted comes with its
 * counts still zero (the writer fills them in), which the UI's model expects.
 */

export const FORWARD_MAX_EVENTS = 200;
export const FORWARD_MAX_DELAY_MS = 250;

export class EventForwarder implements EventLogTarget {
  private buffer: LogEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly send: (events: LogEvent[]) => void,
    private readonly o: { maxEvents?: number; maxDelayMs?: number; now?: () => number } = {},
  ) {}

  record(body: EventBody): void {
    if (this.closed) return;
    this.buffer.push(stamp(body, (this.o.now ?? Date.now)()));
    if (this.buffer.length >= (this.o.maxEvents ?? FORWARD_MAX_EVENTS)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.o.maxDelayMs ?? FORWARD_MAX_DELAY_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    // The AM may be gone (the driver outlives it for a moment): the UI loses these, nothing else does.
    try {
      this.send(batch);
    } catch {}
  }

  async close(last?: EventBody): Promise<boolean> {
    if (last) this.record(last);
    this.flush();
    this.closed = true;
    return true;
  }
}

/** One target that records into each of `targets`; closing closes all (the first's result is returned). */
export function teeTargets(first: EventLogTarget, ...rest: EventLogTarget[]): EventLogTarget {
  return {
    record: (body) => {
      first.record(body);
      for (const t of rest) t.record(body);
    },
    close: async (last) => {
      const [result] = await Promise.all([first.close(last), ...rest.map((t) => t.close(last))]);
      return result;
    },
  };
}
