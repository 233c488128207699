import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { TaskMetricsWire } from '../protocols/driver-executor/index.js';

/**
 * Per-task metrics: counters the task's code adds to as it reads and writes, and the thread's own
 * resource use (CPU, GC, heap) sampled around the task.
 *
 * Attribution when tasks overlap: an executor runs `cores` tasks at a time, each on its own thread
 * (one core: the main thread; more: one worker thread per core, each given one task at a time by
 * the least-busy choice in workers.ts). CPU, GC and heap are therefore read per thread, never per
 * process, and what a thread did while the task ran is the task's:
 *  - CPU: the thread's own CPU time (process.threadCpuUsage where Node has it, else Linux's
 *    /proc/thread-self/schedstat, in nanoseconds). Not counted: V8's helper threads (concurrent
 *    marking, parallel scavenging), libuv's thread pool (file I/O) and, for worker threads, the main
 *    thread relaying their chunks. On a one-core executor the main thread also runs the driver
 *    connection and the block server, whose (small) CPU time lands in the running task. Where
 *    neither per-thread source exists (not Linux, old Node), process.cpuUsage() is used: the whole
 *    process's CPU, so tasks running side by side each count the others' time too.
 *  - GC: the pauses of this thread's isolate ('gc' performance entries; each worker thread has its
 *    own heap and its own entries). Entries reach the observer two event-loop turns after the pause
 *    (observed on Node 20), so a task's end waits two turns before reading the total; a collection
 *    that runs during those turns (another task's, on a one-core executor's main thread, say) may
 *    still land in either.
 *  - Peak heap: the largest used heap of the thread's isolate seen at the task's start, at each batch
 *    it handed on, and at its end. The isolate's heap holds more than the task (cached partitions,
 *    broadcasts, garbage not yet collected): this is the heap the task ran in, sampled, not the
 *    task's own allocation.
 */

/** What the task's own code counts while it runs (bytes are serialized or on-disk sizes). */
export interface TaskCounters {
  /** Bytes read from input files (text, JSON lines, Avro). */
  bytesRead: number;
  /**
   * Records the task's sources handed on: lines/records of input files, elements of parallelize and
   * range, records of a cached partition read back, and of a shuffle read the records after the
   * reduce-side merge (one per key for reduceByKey).
   */
  recordsRead: number;
  /** Bytes of map output segments fetched (local or remote), as the map tasks wrote them. */
  shuffleBytesRead: number;
  /** Time the reduce side waited with nothing fetched to work on, in ms. */
  shuffleFetchWaitMs: number;
  /** Bytes written to map output data files. */
  shuffleBytesWritten: number;
  /** Bytes written to local disk because memory was past the task's budget (spilled runs, segments kept on disk, large groups). */
  spillBytes: number;
}

export function newTaskCounters(): TaskCounters {
  return { bytesRead: 0, recordsRead: 0, shuffleBytesRead: 0, shuffleFetchWaitMs: 0, shuffleBytesWritten: 0, spillBytes: 0 };
}

/** This thread's CPU time in µs, and whether the figure is the thread's own (not the process's). */
export function threadCpuMicros(): { micros: number; perThread: boolean } {
  const p = process as { threadCpuUsage?: () => { user: number; system: number } };
  if (typeof p.threadCpuUsage === 'function') {
    const u = p.threadCpuUsage();
    return { micros: u.user + u.system, perThread: true };
  }
  const ns = schedstatNanos();
  if (ns !== undefined) return { micros: ns / 1000, perThread: true };
  const u = process.cpuUsage();
  return { micros: u.user + u.system, perThread: false };
}

let schedstatMissing = false;
/** First field of /proc/thread-self/schedstat: time this thread ran on a CPU, in ns (Linux). */
function schedstatNanos(): number | undefined {
  if (schedstatMissing) return undefined;
  try {
    const n = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(n)) return n;
  } catch {
    // Not Linux, or a kernel without schedstat.
  }
  schedstatMissing = true;
  return undefined;
}

/** A task's view of its thread while it runs: `sample` now and then (cheap), `finish` once. */
export interface TaskUsage {
  /** Notes the heap in use (about a microsecond). */
  sample(): void;
  /** The task's figures; waits two event-loop turns first, for the last GC entries. */
  finish(): Promise<UsageFigures>;
}

export interface UsageFigures {
  cpuMs: number;
  gcMs: number;
  peakHeapBytes: number;
  cpuPerThread: boolean;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The resource use of one thread's tasks. One per thread (a TaskRunner has one): it keeps a
 * running total of the isolate's GC pauses, from which each task takes the difference.
 */
export class ThreadUsage {
  private gcMs = 0;
  private readonly observer: PerformanceObserver | undefined;

  constructor() {
    try {
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.gcMs += e.duration;
      });
      this.observer.observe({ entryTypes: ['gc'] });
    } catch {
      // A runtime without 'gc' entries: GC time stays 0.
      this.observer = undefined;
    }
  }

  start(): TaskUsage {
    const cpu0 = threadCpuMicros();
    const gc0 = this.gcMs;
    let peak = getHeapStatistics().used_heap_size;
    return {
      sample: () => {
        const used = getHeapStatistics().used_heap_size;
        if (used > peak) peak = used;
      },
      finish: async () => {
        const cpu1 = threadCpuMicros();
        await turn();
        await turn();
        const used = getHeapStatistics().used_heap_size;
        if (used > peak) peak = used;
        return {
          cpuMs: Math.max(0, (cpu1.micros - cpu0.micros) / 1000),
          gcMs: this.gcMs - gc0,
          peakHeapBytes: peak,
          cpuPerThread: cpu0.perThread && cpu1.perThread,
        };
      },
    };
  }

  close(): void {
    this.observer?.disconnect();
  }
}

/** The metrics a task reports (protocol 5's TaskStatus.metrics); times in µs on the wire. */
export function taskMetricsWire(c: TaskCounters, u: UsageFigures): TaskMetricsWire {
  const us = (ms: number): number => Math.round(ms * 1000);
  return {
    recordsRead: c.recordsRead,
    shuffleBytesRead: c.shuffleBytesRead,
    shuffleFetchWaitUs: us(c.shuffleFetchWaitMs),
    shuffleBytesWritten: c.shuffleBytesWritten,
    spillBytes: c.spillBytes,
    peakHeapBytes: u.peakHeapBytes,
    cpuUs: us(u.cpuMs),
    gcUs: us(u.gcMs),
    cpuPerThread: u.cpuPerThread,
  };
}
