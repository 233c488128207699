/**
 * Hadoop IPC ("hrpc" v9, protobuf RPC engine) client: the public door of protocols/hadoop-rpc.
 *
 * Callers encode their request messages and decode the responses themselves (protocols/yarn
 * holds the YARN messages); this package moves the bytes, authenticates, and maps server-side
 * Java exceptions to Spindle's error classes.
 */
export { RpcConnection, type CallOptions } from './connection.js';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PROTOCOL_VERSION,
  DEFAULT_RECONNECT,
  systemClock,
  type Clock,
  type RpcConnectionOptions,
  type RpcSocket,
  type SimpleAuth,
  type TokenAuth,
} from './options.js';
export {
  digestMd5Mechanism,
  type Qop,
  type SaslMechanism,
  type SaslMechanismFactory,
  type SaslMechanismOptions,
  type SaslSecurityLayer,
} from './sasl-negotiation.js';
export { DEFAULT_MAX_PACKET_LENGTH } from './framing.js';
