/**
 * YARN wire protocols for the ApplicationMaster: our own .proto subset, Spindle's record types,
 * id helpers, exit-status words, pure codecs and thin typed clients over an injected RpcCaller.
 * Nothing here keeps state between calls; response ids, token rolls and re-registration belong
 * to the AM's rm-client.
 */
export type * from './types.js';
export {
  APPLICATION_CLIENT_PROTOCOL,
  APPLICATION_MASTER_PROTOCOL,
  ApplicationClientRpc,
  ApplicationMasterClient,
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagerClient,
  type CallOptions,
  type RpcCaller,
  type RpcProtocol,
} from './clients.js';
export * from './codecs.js';
export {
  attemptIdFromContainerId,
  containerIdFromNumber,
  containerNumber,
  formatApplicationId,
  formatAppAttemptId,
  makeContainerId,
  MAX_CONTAINER_EPOCH,
  MAX_CONTAINER_SEQUENCE,
  parseApplicationId,
  parseAppAttemptId,
  parseContainerId,
  sameApplicationId,
} from './ids.js';
export { classifyExit, type ExitClassification, type ExitKind } from './exit-status.js';
export { ContainerExitStatus, EXIT_STATUS_UNKNOWN } from '../yarn-model/index.js';
export { DIAGNOSTICS_DEFAULT, encodeUrlPath, NO_ALLOCATION_REQUEST_ID } from './convert.js';
export {
  AM_NOT_REGISTERED_EXCEPTION,
  ATTEMPT_NOT_FOUND_EXCEPTION,
  INVALID_TOKEN_EXCEPTION,
  isAttemptNotFound,
  isInvalidToken,
  isNotRegistered,
} from './rm-exceptions.js';
export { bashWord, containerCommandWord } from './container-command.js';
