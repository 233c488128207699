import avro from 'avsc';
import { ProtocolError, errorMessage } from '../errors/index.js';
import { checkAvroBounds } from './avro-bounds.js';
import { ByteQueue } from './byte-queue.js';
import type { Message, MessageType } from './messages.js';
import { MESSAGE_SCHEMAS, MESSAGE_TAGS, PROTOCOL_VERSION, SHARED_SCHEMAS } from './schemas.js';

/**
 * Framing of the driver-executor protocol. Pure functions over bytes; no sockets.
 *
 * The executor opens a connection with a preamble, then both sides exchange frames:
 *
 *   preamble:  "SPDE" (53 50 44 45) | u16 BE protocol version
 *   frame:     u32 BE length of what follows | u8 message tag | Avro body (schema per tag)
 *
 * Frames are bounded: a peer that announces more than `maxFrameBytes` is cut off rather than
 * buffered (before authentication the limit is tiny).
 */

export const PREAMBLE_MAGIC = Buffer.from('SPDE', 'latin1');
export const PREAMBLE_LENGTH = PREAMBLE_MAGIC.length + 2;
/** Largest frame accepted after authentication (a result chunk plus headroom). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Largest frame accepted while the peer is not yet authenticated. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4096;

const registry: Record<string, avro.Type> = {};
for (const schema of SHARED_SCHEMAS) avro.Type.forSchema(schema as unknown as avro.Schema, { registry });
const TYPES = new Map<number, { type: MessageType; avro: avro.Type }>();
const BY_NAME = new Map<MessageType, { tag: number; avro: avro.Type }>();
for (const [name, schema] of Object.entries(MESSAGE_SCHEMAS)) {
  const type = avro.Type.forSchema(schema as unknown as avro.Schema, { registry });
  const tag = MESSAGE_TAGS[name as MessageType];
  TYPES.set(tag, { type: name as MessageType, avro: type });
  BY_NAME.set(name as MessageType, { tag, avro: type });
}

/** The preamble an executor sends first. */
export function encodePreamble(version: number = PROTOCOL_VERSION): Buffer {
  const b = Buffer.alloc(PREAMBLE_LENGTH);
  PREAMBLE_MAGIC.copy(b, 0);
  b.writeUInt16BE(version, PREAMBLE_MAGIC.length);
  return b;
}

/** Reads a preamble; returns the peer's protocol version. Throws ProtocolError for anything else. */
export function decodePreamble(bytes: Buffer): number {
  if (bytes.length < PREAMBLE_LENGTH || !PREAMBLE_MAGIC.equals(bytes.subarray(0, PREAMBLE_MAGIC.length))) {
    throw new ProtocolError(
      `driver-executor preamble: expected "SPDE" and a version, got ${bytes.subarray(0, PREAMBLE_LENGTH).toString('hex')}`,
    );
  }
  return bytes.readUInt16BE(PREAMBLE_MAGIC.length);
}

/** Encodes one message as a complete frame. */
export function encodeMessage(message: Message): Buffer {
  const entry = BY_NAME.get(message.type);
  if (!entry) throw new ProtocolError(`driver-executor: no schema for message type ${String(message.type)}`);
  const { type: _type, ...body } = message;
  let encoded: Buffer;
  try {
    encoded = entry.avro.toBuffer(body);
  } catch (err) {
    throw new ProtocolError(`driver-executor: cannot encode ${message.type}: ${errorMessage(err)}`, { cause: err });
  }
  const frame = Buffer.allocUnsafe(5 + encoded.length);
  frame.writeUInt32BE(encoded.length + 1, 0);
  frame[4] = entry.tag;
  encoded.copy(frame, 5);
  return frame;
}

/** The message type a frame body's tag byte names, read without decoding anything else. */
function frameType(body: Buffer): MessageType {
  const tag = body[0];
  const entry = tag === undefined ? undefined : TYPES.get(tag);
  if (!entry) throw new ProtocolError(`driver-executor: unknown message tag ${String(tag)}`);
  return entry.type;
}

/**
 * Decodes the body of one frame (tag byte and Avro bytes). With `allowed`, a frame of any other
 * type is refused by its tag before its body is decoded: avsc allocates arrays of whatever length
 * the bytes announce, so an unauthenticated peer must not get a message with an array decoded.
 */
export function decodeFrameBody(body: Buffer, allowed?: ReadonlySet<MessageType>): Message {
  const type = frameType(body);
  if (allowed && !allowed.has(type)) {
    throw new ProtocolError(`driver-executor: a ${type} message where only ${[...allowed].join(' or ')} may come`);
  }
  const entry = TYPES.get(body[0]!)!;
  let value: Record<string, unknown>;
  // avsc allocates arrays of whatever count the bytes claim: check every count and length first.
  checkAvroBounds(entry.avro, body.subarray(1), `driver-executor: malformed ${entry.type} message`);
  try {
    value = entry.avro.fromBuffer(body.subarray(1)) as Record<string, unknown>;
  } catch (err) {
    throw new ProtocolError(`driver-executor: malformed ${entry.type} message: ${errorMessage(err)}`, { cause: err });
  }
  return { type: entry.type, ...value } as Message;
}

/**
 * Splits a byte stream into frames, whatever the chunk boundaries. Feed chunks with `push`; it
 * returns the messages completed so far.
 */
export class FrameDecoder {
  private readonly pending = new ByteQueue();

  constructor(public maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Message[] {
    this.pending.push(chunk);
    const out: Message[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.peekUInt32BE();
      if (length === 0 || length > this.maxFrameBytes) {
        throw new ProtocolError(`driver-executor: frame of ${length} bytes (limit ${this.maxFrameBytes})`);
      }
      if (this.pending.length < 4 + length) break;
      this.pending.take(4);
      out.push(decodeFrameBody(this.pending.take(length)));
    }
    return out;
  }

  /** Bytes received and not yet part of a complete frame. */
  get buffered(): number {
    return this.pending.length;
  }
}
