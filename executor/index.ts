/**
 * The executor runtime: runs the tasks of a job's stages on its partitions. The entry point is
 * main.ts (bundled as spindle-executor.mjs). The plan it runs is protocols/driver-executor's; the
 * job bundle it loads is protocols/job-spec's.
 */
export { RESULT_CHUNK_BYTES, runAction, type ActionOutcome, type ChunkSink } from './actions.js';
export {
  AvroSplitScanner,
  SYNC_SIZE,
  blockDecompressor,
  decodeBlock,
  parseAvroHeader,
  type AvroBlock,
  type AvroHeader,
} from './avro-split.js';
export {
  BATCH_SIZE,
  computePartition,
  prepareStage,
  seededRandom,
  type Batch,
  type BatchStream,
  type PreparedNode,
  type PreparedStage,
} from './compute.js';
export { BlockStore, CACHE_HEAP_FRACTION, type BlockStoreStats } from './block-store.js';
export { Executor, type ExecutorOptions } from './executor.js';
export { ClosureError, ExecutorBroadcast, FunctionBuilder, asClosureError } from './functions.js';
export { SplitLineReader } from './line-reader.js';
export { BLOCK_PIECE_BYTES, BlockClient, BlockServer, FETCH_TIMEOUT_MS } from './block-server.js';
export { FetchFailedError, readShuffle } from './shuffle-reader.js';
export { partitionerFor, writeShuffle, type ShuffleEnv } from './shuffle-writer.js';
export { defaultShuffleMemory, TaskMemory } from './task-memory.js';
export { decodeFrames, encodeFrame, readMapOutput } from './shuffle-files.js';
export { SpilledValues, plainRecord } from './group-values.js';
export { TaskScratch } from './scratch.js';
export { ThreadUsage, newTaskCounters, threadCpuMicros, type TaskCounters, type TaskUsage, type UsageFigures } from './task-metrics.js';
export { TaskRunner, errorInfo, type TaskRunnerLike } from './runner.js';
export { SourceCache, type ExecutorFs } from './sources.js';
export { attemptFileName, textLine } from './writers.js';
