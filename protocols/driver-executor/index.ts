/**
 * The driver-executor protocol: Avro-encoded frames with versioned schemas, a mutual
 * challenge-response over the per-application secret, and a message channel over any socket.
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
  MessageChannel,
  acceptExecutor,
  connectToDriver,
  type ExecutorIdentity,
  type Welcome,
} from './connection.js';
export type {
  ActionSpec,
  FnRef,
  Message,
  MessageOf,
  MessageType,
  PlanNode,
  StagePlan,
  TaskErrorInfo,
  TaskErrorKind,
  TaskLaunch,
  TaskStatus,
} from './messages.js';
export { PROTOCOL_VERSION } from './schemas.js';
export { decodeValue, encodeValue } from './values.js';
export { canonicalKey, canonicalKeyValue, compareKeys, hashCanonical, hashKey, hashPartition, rangeBounds, rangePartition } from './key-encoding.js';
