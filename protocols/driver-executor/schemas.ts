/**
 * The Avro schemas of the driver-executor protocol. A schema here never changes once
 * released: a change is a new version (a new `PROTOCOL_VERSION` and a new set of schemas beside
 * these), announced in the connection preamble so that a driver and an executor of different
 * versions refuse each other with a clear message instead of misreading bytes.
 *
 * User values (records, closure values, broadcast values, action parameters) have no schema: they
 * travel as `bytes` holding Node's structured-clone serialization (v8.serialize), which keeps Map,
 * Set, Date, BigInt, typed arrays and undefined. Driver and executors run the same Node binary.
 */

/**
 * Version 2: the same messages as version 1, carried in protected records after the handshake
 * (record-layer.ts). Version 3 adds `tokens`. Version 4 adds `commitAsk` and `commitAnswer` (the
 * output commit coordinator) and cached partitions: a plan node's storage level (`persist`), the
 * blocks a task stored (`TaskStatus.blocks`) and `dropBlocks`; the namespace follows the first
 * version whose records changed. It also adds accumulator updates at the end of TaskStatus.
 * Version 5 adds a task's metrics (`TaskStatus.metrics`, a TaskMetrics record or null) at the end
 * of TaskStatus: a v5 reader resolves v4 bytes with `metrics` null, and a v4 reader skips it (Avro
 * schema resolution; records keep their names, only the namespace, the version marker, moves, so
 * they are matched by unqualified name). Peers of another version still refuse each other at the
 * handshake: an executor and its driver come from the same Spindle build.
 * Version 6 adds the executor's own figures (`StatusUpdates.executor`, an ExecutorMetrics record or
 * null) at the end of StatusUpdates, in the same compatible way.
 */
export const PROTOCOL_VERSION = 6;
const NS = 'spindle.de.v6';

const FN_REF = {
  type: 'record',
  name: 'FnRef',
  namespace: NS,
  fields: [
    // Source text of the function as the driver's copy of the job module printed it.
    { name: 'source', type: 'string' },
    // A built-in such as "JSON.parse" (native functions have no source).
    { name: 'builtin', type: ['null', 'string'], default: null },
    // Closure values: v8-serialized { name: value } (broadcasts and functions replaced by markers).
    { name: 'env', type: ['null', 'bytes'], default: null },
  ],
} as const;

const PLAN_NODE = {
  type: 'record',
  name: 'PlanNode',
  namespace: NS,
  fields: [
    { name: 'id', type: 'int' },
    { name: 'op', type: 'string' },
    { name: 'parents', type: { type: 'array', items: 'int' } },
    { name: 'numPartitions', type: 'int' },
    { name: 'fns', type: { type: 'array', items: `${NS}.FnRef` } },
    // Op-specific parameters, v8-serialized (sample fraction and seed, coalesce groups, ...).
    { name: 'params', type: ['null', 'bytes'], default: null },
    // Storage level of a persisted dataset ("MEMORY_AND_DISK", "DISK_ONLY"): executors keep each
    // partition of it they compute in full, and read it back instead of computing it again.
    { name: 'persist', type: ['null', 'string'], default: null },
  ],
} as const;

const ACTION = {
  type: 'record',
  name: 'Action',
  namespace: NS,
  fields: [
    { name: 'kind', type: 'string' },
    { name: 'fns', type: { type: 'array', items: `${NS}.FnRef` } },
    { name: 'params', type: ['null', 'bytes'], default: null },
  ],
} as const;

const STAGE_PLAN = {
  type: 'record',
  name: 'StagePlan',
  namespace: NS,
  fields: [
    { name: 'stageId', type: 'int' },
    { name: 'description', type: 'string' },
    { name: 'nodes', type: { type: 'array', items: `${NS}.PlanNode` } },
    { name: 'root', type: 'int' },
    { name: 'action', type: `${NS}.Action` },
  ],
} as const;

const TASK = {
  type: 'record',
  name: 'Task',
  namespace: NS,
  fields: [
    // Unique per attempt; every later message about the attempt names only this.
    { name: 'tid', type: 'long' },
    { name: 'stageId', type: 'int' },
    { name: 'partition', type: 'int' },
    { name: 'attempt', type: 'int' },
    // v8-serialized input splits of the source partitions this task reads.
    { name: 'inputs', type: 'bytes' },
  ],
} as const;

const TASK_ERROR = {
  type: 'record',
  name: 'TaskError',
  namespace: NS,
  fields: [
    { name: 'kind', type: { type: 'enum', name: 'TaskErrorKind', symbols: ['USER', 'CLOSURE', 'SYSTEM'] } },
    { name: 'name', type: 'string' },
    { name: 'message', type: 'string' },
    { name: 'stack', type: 'string' },
  ],
} as const;

const CACHED_BLOCK = {
  type: 'record',
  name: 'CachedBlock',
  namespace: NS,
  fields: [
    { name: 'nodeId', type: 'int' },
    { name: 'partition', type: 'int' },
    // Serialized size: what the block takes in memory, or on disk once spilled.
    { name: 'bytes', type: 'long' },
  ],
} as const;

const ACCUMULATOR_UPDATE = {
  type: 'record',
  name: 'AccumulatorUpdate',
  namespace: NS,
  fields: [
    { name: 'id', type: 'int' },
    { name: 'value', type: 'bytes' },
  ],
} as const;

/**
 * Protocol 5: what a task measured (executor/task-metrics.ts says how). Counts and bytes are exact;
 * times are µs. `cpuPerThread` is false when the CPU time is the whole process's (no per-thread
 * source on that executor), so tasks running side by side counted each other's time too.
 */
const TASK_METRICS = {
  type: 'record',
  name: 'TaskMetrics',
  namespace: NS,
  fields: [
    { name: 'recordsRead', type: 'long' },
    { name: 'shuffleBytesRead', type: 'long' },
    { name: 'shuffleFetchWaitUs', type: 'long' },
    { name: 'shuffleBytesWritten', type: 'long' },
    { name: 'spillBytes', type: 'long' },
    { name: 'peakHeapBytes', type: 'long' },
    { name: 'cpuUs', type: 'long' },
    { name: 'gcUs', type: 'long' },
    { name: 'cpuPerThread', type: 'boolean' },
  ],
} as const;

/**
 * Protocol 6: an executor's process as its heartbeat reports it. Heap figures are V8's (used now, and
 * the most the heap may grow to); `rssBytes` is the whole process's resident memory, which is what the
 * NodeManager compares with the container's limit. Shuffle figures count since the executor started
 * what its block server sent other executors: bytes of map output and map-output segments.
 */
const EXECUTOR_METRICS = {
  type: 'record',
  name: 'ExecutorMetrics',
  namespace: NS,
  fields: [
    { name: 'heapUsedBytes', type: 'long' },
    { name: 'heapLimitBytes', type: 'long' },
    { name: 'rssBytes', type: 'long' },
    { name: 'shuffleBytesServed', type: 'long' },
    { name: 'shuffleBlocksServed', type: 'long' },
  ],
} as const;

const TASK_STATUS = {
  type: 'record',
  name: 'TaskStatus',
  namespace: NS,
  fields: [
    { name: 'tid', type: 'long' },
    { name: 'succeeded', type: 'boolean' },
    // v8-serialized action result (a count, a partial fold, a written file, ...).
    { name: 'result', type: ['null', 'bytes'], default: null },
    { name: 'error', type: ['null', `${NS}.TaskError`], default: null },
    { name: 'records', type: 'long' },
    { name: 'bytesRead', type: 'long' },
    { name: 'bytesWritten', type: 'long' },
    { name: 'durationUs', type: 'long' },
    // Partitions of persisted datasets the task computed in full and the executor now keeps.
    { name: 'blocks', type: { type: 'array', items: CACHED_BLOCK }, default: [] },
    // Protocol 4: per accumulator the task added to, its partial value (v8-serialized). Only a
    // successful task reports them; the driver merges them when it accepts that success.
    { name: 'accumulators', type: { type: 'array', items: ACCUMULATOR_UPDATE }, default: [] },
    // Protocol 5: the task's metrics; null from an executor that measured none.
    { name: 'metrics', type: ['null', TASK_METRICS], default: null },
  ],
} as const;

/** One schema per message; the frame's tag byte says which. */
export const MESSAGE_SCHEMAS = {
  hello: {
    type: 'record',
    name: 'Hello',
    namespace: NS,
    fields: [
      { name: 'executorId', type: 'string' },
      { name: 'host', type: 'string' },
      { name: 'containerId', type: 'string' },
      { name: 'cores', type: 'int' },
      { name: 'pid', type: 'int' },
      { name: 'nonce', type: 'bytes' },
    ],
  },
  challenge: {
    type: 'record',
    name: 'Challenge',
    namespace: NS,
    fields: [
      { name: 'nonce', type: 'bytes' },
      { name: 'proof', type: 'bytes' },
    ],
  },
  proof: { type: 'record', name: 'Proof', namespace: NS, fields: [{ name: 'proof', type: 'bytes' }] },
  welcome: {
    type: 'record',
    name: 'Welcome',
    namespace: NS,
    fields: [
      { name: 'appId', type: 'string' },
      { name: 'nameNodes', type: { type: 'array', items: 'string' } },
      { name: 'hdfsUser', type: 'string' },
    ],
  },
  reject: { type: 'record', name: 'Reject', namespace: NS, fields: [{ name: 'reason', type: 'string' }] },
  broadcast: {
    type: 'record',
    name: 'Broadcast',
    namespace: NS,
    fields: [
      { name: 'id', type: 'int' },
      { name: 'data', type: 'bytes' },
    ],
  },
  stage: { type: 'record', name: 'StageMessage', namespace: NS, fields: [{ name: 'plan', type: STAGE_PLAN }] },
  forgetStage: { type: 'record', name: 'ForgetStage', namespace: NS, fields: [{ name: 'stageId', type: 'int' }] },
  launch: { type: 'record', name: 'LaunchTasks', namespace: NS, fields: [{ name: 'tasks', type: { type: 'array', items: TASK } }] },
  cancel: { type: 'record', name: 'CancelTasks', namespace: NS, fields: [{ name: 'tids', type: { type: 'array', items: 'long' } }] },
  chunk: {
    type: 'record',
    name: 'ResultChunk',
    namespace: NS,
    fields: [
      { name: 'tid', type: 'long' },
      // v8-serialized array of records; at most a chunk's worth (see RESULT_CHUNK_BYTES).
      { name: 'data', type: 'bytes' },
    ],
  },
  status: {
    type: 'record',
    name: 'StatusUpdates',
    namespace: NS,
    fields: [
      { name: 'updates', type: { type: 'array', items: TASK_STATUS } },
      // Protocol 6: the executor's figures, sent with its heartbeats; null in other status messages.
      { name: 'executor', type: ['null', EXECUTOR_METRICS], default: null },
    ],
  },
  // A save task wrote its attempt file and asks whether it may be committed (protocol 4). The
  // driver answers every ask with a commitAnswer for the same tid.
  commitAsk: {
    type: 'record',
    name: 'CommitAsk',
    namespace: NS,
    fields: [
      { name: 'tid', type: 'long' },
      { name: 'stageId', type: 'int' },
      { name: 'partition', type: 'int' },
      { name: 'attempt', type: 'int' },
    ],
  },
  commitAnswer: {
    type: 'record',
    name: 'CommitAnswer',
    namespace: NS,
    fields: [
      { name: 'tid', type: 'long' },
      { name: 'allowed', type: 'boolean' },
    ],
  },
  shutdown: { type: 'record', name: 'Shutdown', namespace: NS, fields: [{ name: 'reason', type: 'string' }] },
  // Fresh credentials (protocol 3): the HDFS delegation token, URL string form, replacing the one the
  // executor holds. Secret: it travels only inside protected records.
  tokens: { type: 'record', name: 'Tokens', namespace: NS, fields: [{ name: 'hdfs', type: 'string' }] },
  // Driver to executor (protocol 4): forget every cached partition of a dataset (unpersist).
  dropBlocks: { type: 'record', name: 'DropBlocks', namespace: NS, fields: [{ name: 'nodeId', type: 'int' }] },
  // Executor to executor (block server): the segments of map output files for one reducer.
  fetch: {
    type: 'record',
    name: 'FetchBlocks',
    namespace: NS,
    fields: [
      { name: 'reqId', type: 'long' },
      // Map output files by name (shuffle_<shuffle>_<map>_<tid>), all read for `reduceId`.
      { name: 'files', type: { type: 'array', items: 'string' } },
      { name: 'reduceId', type: 'int' },
    ],
  },
  blocks: {
    type: 'record',
    name: 'Blocks',
    namespace: NS,
    fields: [
      { name: 'reqId', type: 'long' },
      // A piece of the segment of requested file number `index` (u32 BE frames of v8-serialized
      // record arrays, cut anywhere): a reply is pieces in file order, at most a few MiB each, so
      // no segment is too big for a frame; `last` ends the reply.
      { name: 'index', type: 'int' },
      { name: 'data', type: 'bytes' },
      { name: 'last', type: 'boolean' },
      { name: 'error', type: ['null', 'string'], default: null },
    ],
  },
} as const;

/** Named types the message schemas refer to, registered before them. */
export const SHARED_SCHEMAS = [FN_REF, PLAN_NODE, ACTION, TASK_ERROR] as const;

/** Tag byte of each message in a frame. Stable within a protocol version. */
export const MESSAGE_TAGS = {
  hello: 1,
  challenge: 2,
  proof: 3,
  welcome: 4,
  reject: 5,
  broadcast: 10,
  stage: 11,
  forgetStage: 12,
  launch: 13,
  cancel: 14,
  tokens: 15,
  dropBlocks: 16,
  chunk: 20,
  status: 21,
  commitAsk: 22,
  commitAnswer: 23,
  shutdown: 30,
  fetch: 40,
  blocks: 41,
} as const satisfies Record<keyof typeof MESSAGE_SCHEMAS, number>;
