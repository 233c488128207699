import { ProtocolError } from '../errors/index.js';

/**
 * Hadoop's variable-length integers (WritableUtils.writeVLong / readVLong), used for counts and
 * lengths in Writable formats. NOT a protobuf varint:
 *
 *   -112 <= v <= 127     one byte: v itself
 *   otherwise            one length byte, then the magnitude in n = 1..8 big-endian bytes:
 *                          v >= 0:  length byte = -112 - n   (0x8F..0x88)
 *                          v <  0:  length byte = -120 - n   (0x87..0x80), bytes hold ~v (= -v - 1)
 *
 *   200 -> 8F C8      300 -> 8E 01 2C      -113 -> 87 70      -2^63 -> 80 7F FF FF FF FF FF FF FF
 */

const MIN_LONG = -(1n << 63n);
const MAX_LONG = (1n << 63n) - 1n;

/** Encodes a signed 64-bit value. Numbers must be safe integers; bigints must fit in 64 bits. */
export function encodeVLong(v: number | bigint): Buffer {
  let value: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`encodeVLong: ${v} is not a safe integer`);
    value = BigInt(v);
  } else {
    value = v;
  }
  if (value < MIN_LONG || value > MAX_LONG) throw new RangeError(`encodeVLong: ${value} does not fit in 64 bits`);
  if (value >= -112n && value <= 127n) return Buffer.from([Number(value) & 0xff]);

  const negative = value < 0n;
  let magnitude = negative ? ~value : value;
  const bytes: number[] = [];
  while (magnitude !== 0n) {
    bytes.unshift(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  const first = (negative ? -120 : -112) - bytes.length;
  return Buffer.from([first & 0xff, ...bytes]);
}

/** Encodes a 32-bit value (WritableUtils.writeVInt: the same bytes as writeVLong). */
export function encodeVInt(v: number): Buffer {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`encodeVInt: ${v} is not a 32-bit integer`);
  return encodeVLong(v);
}

/** Total encoded size (length byte included) announced by a first byte (WritableUtils.decodeVIntSize). */
export function vintSize(firstByte: number): number {
  const b = (firstByte << 24) >> 24; // as a signed byte
  if (b >= -112) return 1;
  return b < -120 ? -119 - b : -111 - b;
}

/**
 * Decodes the VLong at `offset`. `value` is a number when it is a safe integer, a bigint otherwise;
 * `size` is the number of bytes consumed. Throws ProtocolError when the input is truncated.
 */
export function decodeVLong(buf: Uint8Array, offset: number): { value: bigint | number; size: number } {
  if (offset >= buf.length) throw new ProtocolError(`truncated VLong at offset ${offset}: no bytes left`);
  const first = buf[offset]!;
  const size = vintSize(first);
  if (size === 1) return { value: (first << 24) >> 24, size };
  if (offset + size > buf.length) {
    throw new ProtocolError(`truncated VLong at offset ${offset}: needs ${size} bytes, ${buf.length - offset} left`);
  }
  let magnitude = 0n;
  for (let i = 1; i < size; i++) magnitude = (magnitude << 8n) | BigInt(buf[offset + i]!);
  const negative = (first << 24) >> 24 < -120;
  const big = negative ? ~magnitude : magnitude;
  const value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  return { value, size };
}

/** Decodes a VInt (WritableUtils.readVInt): a VLong that must fit in 32 bits. */
export function decodeVInt(buf: Uint8Array, offset: number): { value: number; size: number } {
  const { value, size } = decodeVLong(buf, offset);
  if (typeof value !== 'number' || value < -0x80000000 || value > 0x7fffffff) {
    throw new ProtocolError(`VInt at offset ${offset}: ${value} does not fit in 32 bits`);
  }
  return { value, size };
}
