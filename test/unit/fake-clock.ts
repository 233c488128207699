import type { SchedulerClock } from '../../appmaster/driver/scheduler.js';

/** A scheduler clock for tests: time moves only when `advance` is called, firing timers as they fall due. */
export class FakeClock implements SchedulerClock {
  t = 0;
  private timers: { at: number; fn: () => void }[] = [];

  /** `step`: advance moves time in steps of this many ms (default: in one step), firing what is due at each. */
  constructor(private readonly step?: number) {}

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }

  advance(ms: number, step = this.step ?? ms): void {
    const end = this.t + ms;
    do {
      this.t = Math.min(end, this.t + Math.max(1, step));
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const d of due) d.fn();
    } while (this.t < end);
  }
}
