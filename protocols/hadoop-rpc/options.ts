/**
 * RpcConnection options: the typed object, its named defaults, and the one validation pass.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../errors/index.js';
import { DEFAULT_MAX_PACKET_LENGTH } from './framing.js';
import { digestMd5Mechanism, type Qop, type SaslMechanismFactory } from './sasl-negotiation.js';

/** Protocol version sent in every call header; YARN and HDFS protocols are all version 1. */
export const DEFAULT_PROTOCOL_VERSION = 1;
/** TCP connect plus SASL plus context; Hadoop's ipc.client.connect.timeout is 20 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/** Per-call deadline; 0 disables it. */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;
/** Idle time before a ping (Hadoop's ipc.ping.interval); 0 disables pings. */
export const DEFAULT_PING_INTERVAL_MS = 60_000;
/** Connection attempts after the first, with exponential backoff between them. */
export const DEFAULT_RECONNECT = Object.freeze({ retries: 5, baseDelayMs: 200, maxDelayMs: 10_000 });

const QOPS: readonly Qop[] = ['auth', 'auth-int', 'auth-conf'];

/** Token credentials: the raw identifier and password bytes of a Hadoop token (e.g. an AMRMToken). */
export interface TokenAuth {
  kind: 'token';
  identifier: Buffer;
  password: Buffer;
}

/** SIMPLE auth: the server believes the user name we send. */
export interface SimpleAuth {
  kind: 'simple';
  user: string;
}

/** What RpcConnection needs from a socket; net.Socket satisfies it. */
export type RpcSocket = Duplex & { readonly connecting?: boolean; setNoDelay?(noDelay?: boolean): unknown };

/** Timers, injectable so tests can drive time. */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds, monotonic enough for idle tracking. */
  now(): number;
}

export interface RpcConnectionOptions {
  host: string;
  port: number;
  /** Protocol name, e.g. 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB'. */
  protocol: string;
  /** Sent with every call. Default DEFAULT_PROTOCOL_VERSION (1). */
  protocolVersion?: number;
  /** 'token' speaks SASL DIGEST-MD5 (needed by the RM scheduler port and NodeManagers even on
   * unsecured clusters); 'simple' sends the user name in the connection context. */
  auth: TokenAuth | SimpleAuth;
  /** Qualities of protection we accept from the server. Default: all three. */
  allowedQops?: Qop[];
  /** Default DEFAULT_CONNECT_TIMEOUT_MS (20 s). */
  connectTimeoutMs?: number;
  /** Default DEFAULT_CALL_TIMEOUT_MS (120 s); 0 = wait forever. */
  callTimeoutMs?: number;
  /** Default DEFAULT_PING_INTERVAL_MS (60 s); 0 = never ping. */
  pingIntervalMs?: number;
  /** Backoff for (re)connecting after a failure. Default DEFAULT_RECONNECT. */
  reconnect?: { retries: number; baseDelayMs: number; maxDelayMs: number };
  /** Largest response packet accepted. Default DEFAULT_MAX_PACKET_LENGTH (128 MiB). */
  maxPacketLength?: number;
  /** Opens the socket. Default: net.connect with TCP_NODELAY. */
  socketFactory?: (host: string, port: number) => RpcSocket;
  /** Default: the global timers and Date.now. */
  clock?: Clock;
  /** Creates the SASL mechanism for token auth. Default: DIGEST-MD5 from protocols/sasl. */
  saslMechanism?: SaslMechanismFactory;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  host: string;
  port: number;
  /** host:port, for messages. */
  server: string;
  protocol: string;
  protocolVersion: number;
  /** Non-enumerable: holds secrets. */
  auth: TokenAuth | SimpleAuth;
  allowedQops: Qop[] | undefined;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  reconnect: { retries: number; baseDelayMs: number; maxDelayMs: number };
  maxPacketLength: number;
  socketFactory: (host: string, port: number) => RpcSocket;
  clock: Clock;
  saslMechanism: SaslMechanismFactory;
}

export const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

function tcpSocket(host: string, port: number): RpcSocket {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  return socket;
}

function fail(field: string, problem: string): never {
  throw new ConfigError(`RPC connection option ${field} ${problem}`, { operation: 'RpcConnection' });
}

function integer(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(field, 'must be a non-empty string');
  return value;
}

function checkAuth(auth: unknown): TokenAuth | SimpleAuth {
  const a = auth as { kind?: unknown; identifier?: unknown; password?: unknown; user?: unknown } | undefined;
  if (a?.kind === 'token') {
    const { identifier, password } = a;
    if (!Buffer.isBuffer(identifier) || identifier.length === 0) fail('auth.identifier', 'must be a non-empty Buffer');
    if (!Buffer.isBuffer(password) || password.length === 0) fail('auth.password', 'must be a non-empty Buffer');
    return { kind: 'token', identifier, password };
  }
  if (a?.kind === 'simple') return { kind: 'simple', user: text('auth.user', a.user) };
  return fail('auth.kind', `must be 'token' or 'simple', got ${String(a?.kind)}`);
}

/** Validate once and fill in defaults; throws ConfigError naming the offending field. */
export function resolveOptions(o: RpcConnectionOptions): ResolvedOptions {
  const host = text('host', o.host);
  const port = integer('port', o.port, 1, 65535);
  let allowedQops: Qop[] | undefined;
  if (o.allowedQops !== undefined) {
    if (!Array.isArray(o.allowedQops) || o.allowedQops.length === 0) fail('allowedQops', 'must be a non-empty array');
    for (const q of o.allowedQops) if (!QOPS.includes(q)) fail('allowedQops', `has unknown qop ${String(q)}`);
    allowedQops = [...o.allowedQops];
  }
  const r = o.reconnect ?? DEFAULT_RECONNECT;
  const reconnect = {
    retries: integer('reconnect.retries', r.retries, 0),
    baseDelayMs: integer('reconnect.baseDelayMs', r.baseDelayMs, 0),
    maxDelayMs: integer('reconnect.maxDelayMs', r.maxDelayMs, 0),
  };
  if (reconnect.maxDelayMs < reconnect.baseDelayMs) fail('reconnect.maxDelayMs', 'must be at least reconnect.baseDelayMs');
  const resolved: Omit<ResolvedOptions, 'auth'> = {
    host,
    port,
    server: `${host}:${port}`,
    protocol: text('protocol', o.protocol),
    protocolVersion: integer('protocolVersion', o.protocolVersion ?? DEFAULT_PROTOCOL_VERSION, 0),
    allowedQops,
    connectTimeoutMs: integer('connectTimeoutMs', o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 1),
    callTimeoutMs: integer('callTimeoutMs', o.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, 0),
    pingIntervalMs: integer('pingIntervalMs', o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, 0),
    reconnect,
    maxPacketLength: integer('maxPacketLength', o.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH, 1, 0x7fffffff),
    socketFactory: o.socketFactory ?? tcpSocket,
    clock: o.clock ?? systemClock,
    saslMechanism: o.saslMechanism ?? digestMd5Mechanism,
  };
  Object.defineProperty(resolved, 'auth', { value: checkAuth(o.auth), enumerable: false });
  return resolved as ResolvedOptions;
}
