/**
 * Hadoop IPC ("hrpc" version 9) packet framing. Pure functions over bytes plus a streaming frame
 * decoder; no sockets.
 *
 * Connection preamble, once per TCP connection (client -> server, never answered):
 *
 *   +------+------+------+------+---------+---------------+-----------+
 *   | 'h'  | 'r'  | 'p'  | 'c'  | version | service class | auth      |
 *   | 0x68 | 0x72 | 0x70 | 0x63 | 0x09    | 0x00          | 0x00/0xDF |
 *   +------+------+------+------+---------+---------------+-----------+
 *                                          auth: 0x00 NONE (simple), 0xDF (-33) SASL
 *
 * Every packet after it, in both directions:
 *
 *   +---------------+--------+------------------+--------+------------------+--------+--------+
 *   | length N      | varint | message 1        | varint | message 2        | varint | msg 3  |
 *   | 4 bytes, BE   | len 1  |                  | len 2  |                  | len 3  |        |
 *   +---------------+--------+------------------+--------+------------------+--------+--------+
 *                   |<--------------------------------- N bytes ---------------------------->|
 *
 *   call request:  RpcRequestHeaderProto, RequestHeaderProto (method), request message
 *   SASL:          RpcRequestHeaderProto{callId -33, empty clientId}, RpcSaslProto
 *   context:       RpcRequestHeaderProto{callId -3}, IpcConnectionContextProto
 *   ping:          RpcRequestHeaderProto{callId -4}                  (no body, no answer)
 *   response:      RpcResponseHeaderProto, then the response message on SUCCESS only
 */
import { ProtocolError } from '../errors/index.js';
import {
  CallIds,
  NO_RETRY_COUNT,
  decodeResponseHeader,
  encodeConnectionContext,
  encodeMethodHeader,
  encodeRequestHeader,
  encodeSasl,
  type ConnectionContext,
  type MethodHeader,
  type RpcResponseHeader,
  type SaslMessage,
} from './messages.js';

/** Largest packet accepted by default: Hadoop's ipc.maximum.response.length default (128 MiB). */
export const DEFAULT_MAX_PACKET_LENGTH = 128 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/** The 7-byte connection preamble; `auth` picks the auth byte. */
export function encodePreamble(auth: 'none' | 'sasl'): Buffer {
  return Buffer.from([0x68, 0x72, 0x70, 0x63, 0x09, 0x00, auth === 'sasl' ? 0xdf : 0x00]);
}

/** A protobuf base-128 varint. */
export function encodeVarint(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`varint out of range: ${value}`);
  }
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A packet: 4-byte big-endian length, then each message varint-length-delimited. */
export function encodePacket(messages: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  for (const m of messages) parts.push(encodeVarint(m.length), Buffer.from(m.buffer, m.byteOffset, m.length));
  const packet = Buffer.concat(parts);
  packet.writeUInt32BE(packet.length - 4, 0);
  return packet;
}

/** A normal call: header with retryCount 0, the method header, the request message. */
export function encodeCallPacket(callId: number, clientId: Uint8Array, method: MethodHeader, request: Uint8Array): Buffer {
  return encodePacket([encodeRequestHeader({ callId, clientId, retryCount: 0 }), encodeMethodHeader(method), request]);
}

/** A SASL packet: call id -33 and an empty client id, as Hadoop's SASL client sends. */
export function encodeSaslPacket(message: SaslMessage): Buffer {
  const header = encodeRequestHeader({ callId: CallIds.SASL, clientId: EMPTY, retryCount: NO_RETRY_COUNT });
  return encodePacket([header, encodeSasl(message)]);
}

/** The connection context packet (call id -3). */
export function encodeContextPacket(clientId: Uint8Array, context: ConnectionContext): Buffer {
  const header = encodeRequestHeader({ callId: CallIds.CONNECTION_CONTEXT, clientId, retryCount: NO_RETRY_COUNT });
  return encodePacket([header, encodeConnectionContext(context)]);
}

/** A ping (call id -4): header only. The server reads it and sends nothing back. */
export function encodePingPacket(clientId: Uint8Array): Buffer {
  return encodePacket([encodeRequestHeader({ callId: CallIds.PING, clientId, retryCount: NO_RETRY_COUNT })]);
}

/**
 * Read a varint at `offset`; returns the value and the offset after it. Lengths inside a packet
 * fit in 32 bits; a longer or truncated varint is a ProtocolError.
 */
export function readVarint(buf: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const at = offset + i;
    if (at >= buf.length) throw new ProtocolError('truncated varint in RPC packet');
    const byte = buf[at]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
  }
  throw new ProtocolError('varint longer than 5 bytes in RPC packet');
}

/** Split a packet body (without its 4-byte length) into its delimited messages. */
export function splitDelimited(packet: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 0;
  while (offset < packet.length) {
    const { value, next } = readVarint(packet, offset);
    if (next + value > packet.length) {
      throw new ProtocolError(`RPC packet message of ${value} bytes overruns the packet (${packet.length - next} left)`);
    }
    messages.push(packet.subarray(next, next + value));
    offset = next + value;
  }
  return messages;
}

/** A decoded response packet. */
export interface ResponsePacket {
  header: RpcResponseHeader;
  /** The response message bytes (not delimited); present on SUCCESS, possibly empty. */
  body?: Buffer;
}

/** Decode a response packet (without its 4-byte length): header, then the optional body. */
export function decodeResponsePacket(packet: Buffer): ResponsePacket {
  const messages = splitDelimited(packet);
  if (messages.length === 0) throw new ProtocolError('empty RPC response packet');
  if (messages.length > 2) throw new ProtocolError(`RPC response packet holds ${messages.length} messages, expected 1 or 2`);
  const header = decodeResponseHeader(messages[0]!);
  return messages.length === 2 ? { header, body: messages[1]! } : { header };
}

/**
 * Streaming decoder for length-prefixed packets. Feed it chunks of any size; it returns each
 * complete packet's body (without the 4-byte length) once all its bytes have arrived.
 */
export class FrameDecoder {
  readonly #maxLength: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Body length of the packet being assembled, once its 4 length bytes have arrived. */
  #need: number | undefined;

  /** @param maxLength largest accepted packet body; default DEFAULT_MAX_PACKET_LENGTH. */
  constructor(maxLength: number = DEFAULT_MAX_PACKET_LENGTH) {
    this.#maxLength = maxLength;
  }

  /** Bytes held that do not yet form a whole packet. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Add a chunk; returns the packets it completed, in order. Throws ProtocolError on a bad length. */
  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#buffered += chunk.length;
    }
    const packets: Buffer[] = [];
    for (;;) {
      if (this.#need === undefined) {
        if (this.#buffered < 4) break;
        const length = this.#take(4).readInt32BE(0);
        if (length < 0 || length > this.#maxLength) {
          throw new ProtocolError(`RPC packet length ${length} outside 0..${this.#maxLength}`);
        }
        this.#need = length;
      }
      if (this.#buffered < this.#need) break;
      packets.push(this.#take(this.#need));
      this.#need = undefined;
    }
    return packets;
  }

  /** Remove and return the first n buffered bytes (copying only when they span chunks). */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return out;
  }
}
