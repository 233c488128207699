/**
 * The messages of the driver-executor protocol as TypeScript sees them. Field for field these
 * match schemas.ts; the codec converts between the two in one place.
 *
 *   executor                                driver
 *      | -- preamble "SPDE" u16 version -->   |
 *      | -- hello (nonce_e) --------------->  |
 *      |  <-- challenge (nonce_d, proof_d) -- |   proof_d = HMAC(secret, "driver" nonce_e nonce_d)
 *      | -- proof (proof_e) --------------->  |   proof_e = HMAC(secret, "executor" nonce_d nonce_e id)
 *      |  <-- welcome | reject -------------- |
 *      |  <-- broadcast, stage, launch, cancel, forgetStage, tokens, dropBlocks, shutdown
 *      | -- chunk, status ----------------->  |
 *      | -- commitAsk (tid, stage, part) -->  |   a save task's file is written: may it be committed?
 *      |  <-- commitAnswer (tid, allowed) --- |   yes for the first asker per (stage, partition)
 *
 * Between executors (the same handshake, the block server in the driver's role):
 *
 *   fetching executor                      serving executor
 *      | -- fetch (reqId, files, reduceId) -> |
 *      |  <-- blocks (reqId, index, data) ... |   pieces of each file's segment, in order
 *      |  <-- blocks (..., last | error) ---- |
 */

/** How a function travels: its source text (with closure values), or the name of a built-in. */
export interface FnRef {
  source: string;
  builtin: string | null;
  env: Buffer | null;
}

/** One dataset of a stage's pipeline. */
export interface PlanNode {
  id: number;
  op: string;
  parents: number[];
  numPartitions: number;
  fns: FnRef[];
  params: Buffer | null;
  /** Storage level of a persisted dataset (see StorageLevel in plan.ts); null or absent when not persisted. */
  persist?: string | null;
}

/** What a task does with its partition once computed. */
export interface ActionSpec {
  kind: string;
  fns: FnRef[];
  params: Buffer | null;
}

/** Everything an executor needs to run any task of a stage; sent once per executor and stage. */
export interface StagePlan {
  stageId: number;
  description: string;
  nodes: PlanNode[];
  root: number;
  action: ActionSpec;
}

export interface TaskLaunch {
  tid: number;
  stageId: number;
  partition: number;
  attempt: number;
  inputs: Buffer;
}

export type TaskErrorKind = 'USER' | 'CLOSURE' | 'SYSTEM';

export interface TaskErrorInfo {
  kind: TaskErrorKind;
  name: string;
  message: string;
  stack: string;
}

/** What one successful task added to one accumulator: its partial value, v8-serialized. */
export interface AccumulatorUpdate {
  id: number;
  value: Buffer;
}

export interface TaskStatus {
  tid: number;
  succeeded: boolean;
  result: Buffer | null;
  error: TaskErrorInfo | null;
  records: number;
  bytesRead: number;
  bytesWritten: number;
  durationUs: number;
  /** Partitions of persisted datasets this task computed in full and its executor now keeps (absent: none). */
  blocks?: CachedBlock[];
  /** Accumulator updates of a successful task (protocol 4); absent or empty for none. */
  accumulators?: AccumulatorUpdate[];
  /** What the task measured (protocol 5); absent or null when it measured nothing. */
  metrics?: TaskMetricsWire | null;
}

/**
 * A task's metrics as the executor sends them (protocol 5). Times in µs. The fields `records`,
 * `bytesRead` and `bytesWritten` of TaskStatus stay what they were: records out of the action,
 * input file bytes, and bytes the action wrote (an output file's, or the map output's).
 */
export interface TaskMetricsWire {
  recordsRead: number;
  shuffleBytesRead: number;
  shuffleFetchWaitUs: number;
  shuffleBytesWritten: number;
  spillBytes: number;
  /** Largest used heap of the task's thread seen while it ran. */
  peakHeapBytes: number;
  cpuUs: number;
  gcUs: number;
  /** False when cpuUs is the whole process's CPU time (no per-thread source on that executor). */
  cpuPerThread: boolean;
}

/** An executor's process as its heartbeat reports it (protocol 6; schemas.ts says what each figure is). */
export interface ExecutorMetricsWire {
  heapUsedBytes: number;
  heapLimitBytes: number;
  rssBytes: number;
  shuffleBytesServed: number;
  shuffleBlocksServed: number;
}

/** One cached partition an executor keeps: partition `partition` of dataset (plan node) `nodeId`. */
export interface CachedBlock {
  nodeId: number;
  partition: number;
  /** Serialized size in bytes. */
  bytes: number;
}

/**
 * The error name of a task whose output the driver refused to commit (another attempt of the
 * partition holds the right): the attempt discarded its file, and the driver counts no failure.
 */
export const COMMIT_DENIED = 'CommitDeniedError';

export type Message =
  | { type: 'hello'; executorId: string; host: string; containerId: string; cores: number; pid: number; nonce: Buffer }
  | { type: 'challenge'; nonce: Buffer; proof: Buffer }
  | { type: 'proof'; proof: Buffer }
  | { type: 'welcome'; appId: string; nameNodes: string[]; hdfsUser: string }
  | { type: 'reject'; reason: string }
  | { type: 'broadcast'; id: number; data: Buffer }
  | { type: 'stage'; plan: StagePlan }
  | { type: 'forgetStage'; stageId: number }
  | { type: 'launch'; tasks: TaskLaunch[] }
  | { type: 'cancel'; tids: number[] }
  | { type: 'chunk'; tid: number; data: Buffer }
  /** Task statuses; a heartbeat has no updates and carries the executor's figures (protocol 6). */
  | { type: 'status'; updates: TaskStatus[]; executor?: ExecutorMetricsWire | null }
  | { type: 'commitAsk'; tid: number; stageId: number; partition: number; attempt: number }
  | { type: 'commitAnswer'; tid: number; allowed: boolean }
  | { type: 'shutdown'; reason: string }
  /** A fresh HDFS delegation token (URL string form). Secret: never logged. */
  | { type: 'tokens'; hdfs: string }
  /** Drop every cached partition of dataset `nodeId` (unpersist). */
  | { type: 'dropBlocks'; nodeId: number }
  | { type: 'fetch'; reqId: number; files: string[]; reduceId: number }
  | { type: 'blocks'; reqId: number; index: number; data: Buffer; last: boolean; error: string | null };

export type MessageType = Message['type'];
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
