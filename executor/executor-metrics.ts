import { getHeapStatistics } from 'node:v8';
import type { ExecutorMetricsWire } from '../protocols/driver-executor/index.js';

/**
 * The executor's own figures for its heartbeat (protocol 6). Each thread that runs tasks has its own
 * V8 heap: the main thread's is read here, worker threads report theirs (workers.ts) and the pool
 * sums them. RSS is the whole process's: what the NodeManager compares with the container's limit.
 */

/** One V8 heap: bytes in use, and the most it may grow to. */
export interface ThreadHeap {
  usedBytes: number;
  limitBytes: number;
}

export function threadHeap(): ThreadHeap {
  const h = getHeapStatistics();
  return { usedBytes: h.used_heap_size, limitBytes: h.heap_size_limit };
}

export interface MetricsSources {
  /** Heaps of the worker threads, as they last reported them (none: tasks run on the main thread). */
  workerHeaps?: () => ThreadHeap;
  /** What the block server sent other executors so far. */
  served: { bytes: number; blocks: number };
}

export function executorMetrics(sources: MetricsSources): ExecutorMetricsWire {
  const main = threadHeap();
  const workers = sources.workerHeaps?.() ?? { usedBytes: 0, limitBytes: 0 };
  return {
    heapUsedBytes: main.usedBytes + workers.usedBytes,
    heapLimitBytes: main.limitBytes + workers.limitBytes,
    rssBytes: process.memoryUsage.rss(),
    shuffleBytesServed: sources.served.bytes,
    shuffleBlocksServed: sources.served.blocks,
  };
}
