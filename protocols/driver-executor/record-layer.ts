import { createCipheriv, createDecipheriv, createHash, hkdfSync, type Hash } from 'node:crypto';
import { ProtocolError } from '../errors/index.js';
import { ByteQueue } from './byte-queue.js';

/**
 * Protection of a driver-executor (or block-server) connection once the handshake has proved the
 * application secret both ways: every byte after the handshake travels in AES-256-GCM records.
 * Pure functions and state machines over bytes; no sockets.
 *
 *   record:  u32 BE length of what follows | ciphertext | 16-byte GCM tag
 *   nonce:   4-byte salt | u64 BE sequence number of the record in its direction, from 0
 *
 * Keys: HKDF-SHA256 with the application secret as input keying material, the executor's and the
 * driver's handshake nonces as salt, and a label plus the SHA-256 of the handshake transcript as
 * info; 72 bytes of output are split into a key and a nonce salt for each direction. Fresh nonces
 * make every connection's keys new, and the transcript binds them to this handshake: a relay that
 * altered any handshake message (the welcome's NameNodes, the hello's identity) leaves the two
 * ends with different keys, and the first record fails.
 *
 * The sequence number is never sent. A record replayed, dropped, reordered or spliced in from
 * another connection is decrypted under the wrong nonce or key and fails authentication, as does
 * any changed byte; a failure ends the connection. Frames of the protocol are carried inside as a
 * byte stream, so a record may hold many small frames (one per tick of writes) or part of a large one.
 */

export const GCM_TAG_BYTES = 16;
const KEY_BYTES = 32;
const SALT_BYTES = 4;
/**
 * Most plaintext in one record. Large enough that the fixed cost of a record (a cipher context,
 * ~5 us) is lost in the cost of its bytes; small enough that a receiver holds little unverified
 * data, and a large block streams as many records rather than waiting to be whole.
 */
export const RECORD_PLAINTEXT_BYTES = 256 * 1024;
const INFO_LABEL = 'spindle driver-executor channel v1';

/** One direction's key and nonce salt, and the next sequence number. */
class Direction {
  sequence = 0;
  constructor(
    readonly key: Buffer,
    readonly salt: Buffer,
  ) {}

  nextNonce(): Buffer {
    const nonce = Buffer.allocUnsafe(SALT_BYTES + 8);
    this.salt.copy(nonce, 0);
    // A u64 counter as two halves; 2^53 records (2^71 bytes) never come.
    nonce.writeUInt32BE(Math.floor(this.sequence / 0x1_0000_0000), SALT_BYTES);
    nonce.writeUInt32BE(this.sequence % 0x1_0000_0000, SALT_BYTES + 4);
    this.sequence++;
    return nonce;
  }
}

/** The running SHA-256 of a handshake's messages, in the order both ends see them. */
export class Transcript {
  private readonly hash: Hash = createHash('sha256');

  /** Adds one message (its frame body, or the preamble), length-prefixed so boundaries count. */
  add(bytes: Buffer): void {
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    this.hash.update(length).update(bytes);
  }

  digest(): Buffer {
    return this.hash.copy().digest();
  }
}

export interface ChannelKeys {
  /** Seals what this end sends. */
  sealer: RecordSealer;
  /** Opens what this end receives. */
  opener: RecordOpener;
}

/**
 * Derives both directions' keys. `role` is this end's side of the handshake: the driver role
 * (the accepting end: the driver's task server, a block server) or the executor role (the connecting end).
 */
export function deriveChannelKeys(
  secret: Buffer,
  executorNonce: Buffer,
  driverNonce: Buffer,
  transcriptHash: Buffer,
  role: 'driver' | 'executor',
): ChannelKeys {
  const info = Buffer.concat([Buffer.from(INFO_LABEL, 'latin1'), transcriptHash]);
  const salt = Buffer.concat([executorNonce, driverNonce]);
  const okm = Buffer.from(hkdfSync('sha256', secret, salt, info, 2 * (KEY_BYTES + SALT_BYTES)));
  const toExecutor = new Direction(okm.subarray(0, KEY_BYTES), okm.subarray(KEY_BYTES, KEY_BYTES + SALT_BYTES));
  const second = KEY_BYTES + SALT_BYTES;
  const toDriver = new Direction(okm.subarray(second, second + KEY_BYTES), okm.subarray(second + KEY_BYTES));
  return role === 'driver'
    ? { sealer: new RecordSealer(toExecutor), opener: new RecordOpener(toDriver) }
    : { sealer: new RecordSealer(toDriver), opener: new RecordOpener(toExecutor) };
}

/** Turns plaintext into records; the pieces it returns are written to the socket in order. */
export class RecordSealer {
  constructor(private readonly direction: Direction) {}

  /**
   * Seals `pieces` (of `length` bytes in all) as records of at most RECORD_PLAINTEXT_BYTES each,
   * an empty input as one empty record. Returns the bytes to write, in order.
   */
  seal(pieces: readonly Buffer[], length: number): Buffer[] {
    const out: Buffer[] = [];
    let piece = 0;
    let offset = 0;
    let remaining = length;
    do {
      const size = Math.min(remaining, RECORD_PLAINTEXT_BYTES);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(size + GCM_TAG_BYTES, 0);
      out.push(header);
      const slices: Buffer[] = [];
      let want = size;
      while (want > 0) {
        const p = pieces[piece]!;
        const take = Math.min(want, p.length - offset);
        slices.push(offset === 0 && take === p.length ? p : p.subarray(offset, offset + take));
        want -= take;
        offset += take;
        if (offset === p.length) {
          piece++;
          offset = 0;
        }
      }
      const cipher = createCipheriv('aes-256-gcm', this.direction.key, this.direction.nextNonce());
      // One call per record: a call costs about a microsecond, more than copying a small frame, and a
      // record of task messages holds dozens of them.
      out.push(cipher.update(slices.length === 1 ? slices[0]! : Buffer.concat(slices, size)));
      const last = cipher.final();
      if (last.length > 0) out.push(last);
      out.push(cipher.getAuthTag());
      remaining -= size;
    } while (remaining > 0);
    return out;
  }
}

/**
 * Takes received bytes in chunks of any size and returns the plaintext of each complete record,
 * only once its tag has been verified. Throws ProtocolError for an impossible record length and
 * for a record that fails authentication; the connection must then be dropped.
 */
export class RecordOpener {
  private readonly pending = new ByteQueue();

  constructor(private readonly direction: Direction) {}

  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    const out: Buffer[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.peekUInt32BE();
      if (length < GCM_TAG_BYTES || length > RECORD_PLAINTEXT_BYTES + GCM_TAG_BYTES) {
        throw new ProtocolError(
          `driver-executor: a protected record of ${length} bytes (at most ${RECORD_PLAINTEXT_BYTES + GCM_TAG_BYTES})`,
        );
      }
      if (this.pending.length < 4 + length) break;
      this.pending.take(4);
      const plain = this.open(this.pending.take(length));
      if (plain.length > 0) out.push(plain);
    }
    return out;
  }

  /** Opens one record's body (ciphertext and tag); returns its plaintext. */
  open(body: Buffer): Buffer {
    if (body.length < GCM_TAG_BYTES) throw new ProtocolError(`driver-executor: a protected record of ${body.length} bytes`);
    const decipher = createDecipheriv('aes-256-gcm', this.direction.key, this.direction.nextNonce());
    decipher.setAuthTag(body.subarray(body.length - GCM_TAG_BYTES));
    const plain = decipher.update(body.subarray(0, body.length - GCM_TAG_BYTES));
    try {
      const rest = decipher.final();
      return rest.length > 0 ? Buffer.concat([plain, rest]) : plain;
    } catch {
      // Nothing of the record is delivered: its bytes were changed, replayed, reordered or not sealed by the peer.
      throw new ProtocolError('driver-executor: a protected record failed authentication');
    }
  }

  /** Bytes received and not yet part of a complete record. */
  get buffered(): number {
    return this.pending.length;
  }
}
