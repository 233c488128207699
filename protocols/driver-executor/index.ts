/**
 * The driver-executor protocol: Avro-encoded frames with versioned schemas, a mutual
 * challenge-response over the per-application secret, a message channel over any socket, and the
 * stage plan the driver sends executors (typed ops and actions, one codec to the wire records).
 */
export {
  APP_SECRET_ALIAS,
  APP_SECRET_BYTES,
  NONCE_BYTES,
  driverProof,
  executorProof,
  newAppSecret,
  newNonce,
  proofMatches,
} from './auth.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  HANDSHAKE_MAX_FRAME_BYTES,
  PREAMBLE_LENGTH,
  decodeFrameBody,
  decodePreamble,
  encodeMessage,
  encodePreamble,
} from './codec.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  MAX_PENDING_HANDSHAKES,
  MessageChannel,
  acceptExecutor,
  connectToDriver,
  type ExecutorIdentity,
  type Welcome,
} from './connection.js';
export { COMMIT_DENIED } from './messages.js';
export type {
  AccumulatorUpdate,
  ActionSpec,
  CachedBlock,
  FnRef,
  Message,
  MessageOf,
  MessageType,
  PlanNode,
  StagePlan,
  TaskErrorInfo,
  TaskErrorKind,
  TaskLaunch,
  TaskMetricsWire,
  ExecutorMetricsWire,
  TaskStatus,
} from './messages.js';
export {
  ENV_MARKER,
  STORAGE_LEVELS,
  type ActionKind,
  type CoalesceParams,
  type EnvMarker,
  type FileSplit,
  type SplitWindows,
  type FoldParams,
  type MapPartitionsParams,
  type MapStatus,
  type PartitionerSpec,
  type PlanAction,
  type PlanOp,
  type PlanOpName,
  type RangeSlice,
  type RecordOp,
  type ReducePartial,
  type SampleParams,
  type SaveFormat,
  type SaveParams,
  type SaveResult,
  type ShuffleCombine,
  type ShuffleParams,
  type ShuffleReadInput,
  type SourceOp,
  type StorageLevel,
  type TakeParams,
  type TaskInputs,
  type TypedAction,
  type TypedPlanNode,
} from './plan.js';
export { ACTION_KINDS, PLAN_OPS, PlanDecodeError, decodeAction, decodePlanNode, encodeAction, encodePlanNode } from './plan-codec.js';
export { DEFAULT_NETWORK_TIMEOUT_MS, EXECUTOR_HEARTBEAT_MS, MIN_NETWORK_TIMEOUT_MS } from './heartbeat.js';
export { PROTOCOL_VERSION } from './schemas.js';
export { copyValue, decodeValue, encodeValue } from './values.js';
export {
  canonicalKey,
  canonicalKeyValue,
  compareKeys,
  hashCanonical,
  hashKey,
  hashPartition,
  rangeBounds,
  rangePartition,
} from './key-encoding.js';
export {
  GCM_TAG_BYTES,
  RECORD_PLAINTEXT_BYTES,
  RecordOpener,
  RecordSealer,
  Transcript,
  deriveChannelKeys,
  type ChannelKeys,
} from './record-layer.js';
