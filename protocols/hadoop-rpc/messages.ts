/**
 * Protobuf codecs for the Hadoop IPC messages this client uses, converted to and from our own
 * plain types. Generated protobuf objects never leave this file. Pure: no sockets, no state.
 *
 * Presence matters (proto2): the server rejects a request header without `rpcKind` and `rpcOp`
 * even though `rpcOp` is 0, and it compares the SaslAuth we echo with the one it advertised
 * field by field, so `protocol = ""` must stay present. protobufjs writes an optional proto2
 * field whenever it is an own property of the object, zero or empty included, and its decoder
 * leaves absent fields off the object — that is how presence is carried both ways here.
 */
import protobuf from 'protobufjs';
import { ProtocolError, errorMessage } from '../errors/index.js';
import { descriptor } from './proto/descriptor.generated.js';

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
const RpcRequestHeader = root.lookupType('hadoop.common.RpcRequestHeaderProto');
const RpcResponseHeader = root.lookupType('hadoop.common.RpcResponseHeaderProto');
const RpcSasl = root.lookupType('hadoop.common.RpcSaslProto');
const IpcConnectionContext = root.lookupType('hadoop.common.IpcConnectionContextProto');
const RequestHeader = root.lookupType('hadoop.common.RequestHeaderProto');

/** RpcKindProto.RPC_PROTOCOL_BUFFER: every packet this client sends uses the protobuf engine. */
const RPC_KIND_PROTOCOL_BUFFER = 2;
/** OperationProto.RPC_FINAL_PACKET: the only operation the server accepts from clients. */
const RPC_OP_FINAL_PACKET = 0;

/** Out-of-band call ids (Hadoop RpcConstants and AuthProtocol.SASL). */
export const CallIds = {
  /** The server's stand-in call for an authorization failure during connection setup. */
  AUTHORIZATION_FAILED: -1,
  CONNECTION_CONTEXT: -3,
  PING: -4,
  SASL: -33,
} as const;

/** retryCount for context, ping and SASL packets (Hadoop's INVALID_RETRY_COUNT). */
export const NO_RETRY_COUNT = -1;

/** The common header of every request packet (RpcRequestHeaderProto). */
export interface RpcRequestHeader {
  /** sint32 on the wire: negative for out-of-band packets. */
  callId: number;
  /** 16 bytes for calls, context and ping; empty for SASL. */
  clientId: Uint8Array;
  retryCount: number;
}

export type RpcStatus = 'SUCCESS' | 'ERROR' | 'FATAL';

/** The header of every response packet (RpcResponseHeaderProto). */
export interface RpcResponseHeader {
  /** Already cast to int32: the wire's uint32 4294967263 becomes -33. */
  callId: number;
  status: RpcStatus;
  /** Fully qualified Java exception class, on ERROR and FATAL. */
  exceptionClassName?: string;
  /** The exception text; usually a Java stack trace. */
  errorMsg?: string;
  /** RpcErrorCodeProto name, e.g. 'ERROR_NO_SUCH_METHOD' or 'FATAL_UNAUTHORIZED'. */
  errorDetail?: string;
  clientId?: Buffer;
  serverIpcVersionNum?: number;
}

export type SaslState = 'SUCCESS' | 'NEGOTIATE' | 'INITIATE' | 'CHALLENGE' | 'RESPONSE' | 'WRAP';

/** One authentication method a server offers (RpcSaslProto.SaslAuth). */
export interface SaslAuth {
  /** 'TOKEN', 'KERBEROS' or 'SIMPLE'. */
  method: string;
  /** SASL mechanism, e.g. 'DIGEST-MD5' or 'GSSAPI'. */
  mechanism: string;
  /** Present-but-empty ('') is distinct from absent (undefined) and is echoed as such. */
  protocol?: string;
  serverId?: string;
  /** The mechanism's first challenge, sent inline with NEGOTIATE. */
  challenge?: Buffer;
}

/** A SASL packet body (RpcSaslProto). */
export interface SaslMessage {
  state: SaslState;
  token?: Buffer;
  auths?: SaslAuth[];
}

/** The connection context (IpcConnectionContextProto), sent once per connection. */
export interface ConnectionContext {
  /** Protocol name, e.g. 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB'. */
  protocol: string;
  /** Omitted for token auth: the token names the user, and any other name is refused. */
  effectiveUser?: string;
}

/** The per-call header of the protobuf RPC engine (RequestHeaderProto). */
export interface MethodHeader {
  methodName: string;
  protocolName: string;
  protocolVersion: number;
}

const STATUS: readonly RpcStatus[] = ['SUCCESS', 'ERROR', 'FATAL'];
const SASL_STATES: readonly SaslState[] = ['SUCCESS', 'NEGOTIATE', 'INITIATE', 'CHALLENGE', 'RESPONSE', 'WRAP'];
const ERROR_DETAIL: Record<number, string> = {
  1: 'ERROR_APPLICATION',
  2: 'ERROR_NO_SUCH_METHOD',
  3: 'ERROR_NO_SUCH_PROTOCOL',
  4: 'ERROR_RPC_SERVER',
  5: 'ERROR_SERIALIZING_RESPONSE',
  6: 'ERROR_RPC_VERSION_MISMATCH',
  10: 'FATAL_UNKNOWN',
  11: 'FATAL_UNSUPPORTED_SERIALIZATION',
  12: 'FATAL_INVALID_RPC_HEADER',
  13: 'FATAL_DESERIALIZING_REQUEST',
  14: 'FATAL_VERSION_MISMATCH',
  15: 'FATAL_UNAUTHORIZED',
};

type Decoded = Record<string, unknown>;

function has(m: Decoded, field: string): boolean {
  return Object.hasOwn(m, field);
}

function decode(type: protobuf.Type, bytes: Uint8Array, what: string): Decoded {
  try {
    return type.decode(bytes) as unknown as Decoded;
  } catch (e) {
    throw new ProtocolError(`cannot decode ${what}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Encode an RpcRequestHeaderProto, with rpcKind and rpcOp always present. */
export function encodeRequestHeader(h: RpcRequestHeader): Uint8Array {
  return RpcRequestHeader.encode({
    rpcKind: RPC_KIND_PROTOCOL_BUFFER,
    rpcOp: RPC_OP_FINAL_PACKET,
    callId: h.callId,
    clientId: h.clientId,
    retryCount: h.retryCount,
  }).finish();
}

/** Decode an RpcResponseHeaderProto. */
export function decodeResponseHeader(bytes: Uint8Array): RpcResponseHeader {
  const m = decode(RpcResponseHeader, bytes, 'RpcResponseHeaderProto');
  const status = STATUS[m.status as number];
  if (status === undefined) throw new ProtocolError(`unknown RPC response status ${String(m.status)}`);
  const header: RpcResponseHeader = { callId: (m.callId as number) | 0, status };
  if (has(m, 'exceptionClassName')) header.exceptionClassName = m.exceptionClassName as string;
  if (has(m, 'errorMsg')) header.errorMsg = m.errorMsg as string;
  if (has(m, 'errorDetail')) {
    const code = m.errorDetail as number;
    header.errorDetail = ERROR_DETAIL[code] ?? `UNKNOWN_${code}`;
  }
  if (has(m, 'clientId')) header.clientId = Buffer.from(m.clientId as Uint8Array);
  if (has(m, 'serverIpcVersionNum')) header.serverIpcVersionNum = m.serverIpcVersionNum as number;
  return header;
}

/** Encode an RpcSaslProto; optional SaslAuth fields keep exactly the presence they have. */
export function encodeSasl(msg: SaslMessage): Uint8Array {
  const m: Decoded = { state: SASL_STATES.indexOf(msg.state) };
  if (msg.token !== undefined) m.token = msg.token;
  if (msg.auths !== undefined) {
    m.auths = msg.auths.map((a) => {
      const auth: Decoded = { method: a.method, mechanism: a.mechanism };
      if (a.protocol !== undefined) auth.protocol = a.protocol;
      if (a.serverId !== undefined) auth.serverId = a.serverId;
      if (a.challenge !== undefined) auth.challenge = a.challenge;
      return auth;
    });
  }
  return RpcSasl.encode(m).finish();
}

/** Decode an RpcSaslProto. */
export function decodeSasl(bytes: Uint8Array): SaslMessage {
  const m = decode(RpcSasl, bytes, 'RpcSaslProto');
  const state = SASL_STATES[m.state as number];
  if (state === undefined) throw new ProtocolError(`unknown SASL state ${String(m.state)}`);
  const msg: SaslMessage = { state };
  if (has(m, 'token')) msg.token = Buffer.from(m.token as Uint8Array);
  const auths = m.auths as Decoded[] | undefined;
  if (auths !== undefined && auths.length > 0) {
    msg.auths = auths.map((a) => {
      const auth: SaslAuth = { method: a.method as string, mechanism: a.mechanism as string };
      if (has(a, 'protocol')) auth.protocol = a.protocol as string;
      if (has(a, 'serverId')) auth.serverId = a.serverId as string;
      if (has(a, 'challenge')) auth.challenge = Buffer.from(a.challenge as Uint8Array);
      return auth;
    });
  }
  return msg;
}

/** Encode an IpcConnectionContextProto; userInfo is always present, empty for token auth. */
export function encodeConnectionContext(ctx: ConnectionContext): Uint8Array {
  const userInfo: Decoded = {};
  if (ctx.effectiveUser !== undefined) userInfo.effectiveUser = ctx.effectiveUser;
  return IpcConnectionContext.encode({ userInfo, protocol: ctx.protocol }).finish();
}

/** Decode an IpcConnectionContextProto (used by test servers). */
export function decodeConnectionContext(bytes: Uint8Array): ConnectionContext {
  const m = decode(IpcConnectionContext, bytes, 'IpcConnectionContextProto');
  const ctx: ConnectionContext = { protocol: (m.protocol as string | undefined) ?? '' };
  const userInfo = m.userInfo as Decoded | undefined;
  if (userInfo !== undefined && has(userInfo, 'effectiveUser')) ctx.effectiveUser = userInfo.effectiveUser as string;
  return ctx;
}

/** Encode a RequestHeaderProto naming the method and protocol of one call. */
export function encodeMethodHeader(h: MethodHeader): Uint8Array {
  return RequestHeader.encode({
    methodName: h.methodName,
    declaringClassProtocolName: h.protocolName,
    clientProtocolVersion: h.protocolVersion,
  }).finish();
}

/** Decode a RequestHeaderProto (used by test servers). */
export function decodeMethodHeader(bytes: Uint8Array): MethodHeader {
  const m = decode(RequestHeader, bytes, 'RequestHeaderProto');
  return {
    methodName: m.methodName as string,
    protocolName: m.declaringClassProtocolName as string,
    protocolVersion: Number(m.clientProtocolVersion),
  };
}

/** Decode an RpcRequestHeaderProto (used by test servers). */
export function decodeRequestHeader(bytes: Uint8Array): RpcRequestHeader & { rpcKind?: number; rpcOp?: number } {
  const m = decode(RpcRequestHeader, bytes, 'RpcRequestHeaderProto');
  const h: RpcRequestHeader & { rpcKind?: number; rpcOp?: number } = {
    callId: m.callId as number,
    clientId: Buffer.from(m.clientId as Uint8Array),
    retryCount: m.retryCount as number,
  };
  if (has(m, 'rpcKind')) h.rpcKind = m.rpcKind as number;
  if (has(m, 'rpcOp')) h.rpcOp = m.rpcOp as number;
  return h;
}

/** Encode an RpcResponseHeaderProto (used by test servers); callId is cast to uint32 as Hadoop does. */
export function encodeResponseHeader(h: RpcResponseHeader): Uint8Array {
  const m: Decoded = { callId: h.callId >>> 0, status: STATUS.indexOf(h.status), serverIpcVersionNum: 9 };
  if (h.exceptionClassName !== undefined) m.exceptionClassName = h.exceptionClassName;
  if (h.errorMsg !== undefined) m.errorMsg = h.errorMsg;
  if (h.errorDetail !== undefined) {
    const code = Object.entries(ERROR_DETAIL).find(([, name]) => name === h.errorDetail)?.[0];
    if (code !== undefined) m.errorDetail = Number(code);
  }
  if (h.clientId !== undefined) m.clientId = h.clientId;
  return RpcResponseHeader.encode(m).finish();
}
