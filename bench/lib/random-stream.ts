/**
 * Deterministic pseudo-random bytes, fast and seekable: the AES-128-CTR keystream of a key derived
 * from a seed. Byte `i` of the stream is the same whether it is produced in one pass or fetched on its
 * own, so a test can upload gigabytes and later check any range without keeping the data.
 * (AES-NI makes this several GB/s, far faster than the cluster under test.)
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK = 16;
/** Chunk size of {@link randomStream}. */
export const RANDOM_CHUNK = 1024 * 1024;

function keyOf(seed: string): Buffer {
  return createHash('sha256').update(seed).digest().subarray(0, 16);
}

/** The CTR counter block for block number `block` (128-bit big-endian). */
function counter(block: number): Buffer {
  const iv = Buffer.alloc(BLOCK);
  iv.writeBigUInt64BE(BigInt(block), 8);
  return iv;
}

function cipherAt(seed: string, block: number): Cipher {
  return createCipheriv('aes-128-ctr', keyOf(seed), counter(block));
}

/** `length` bytes of the stream for `seed`, starting at `offset`. */
export function randomBytesAt(seed: string, offset: number, length: number): Buffer {
  const skip = offset % BLOCK;
  const cipher = cipherAt(seed, Math.floor(offset / BLOCK));
  return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
}

/** A Readable of the first `size` bytes of the stream for `seed`, in {@link RANDOM_CHUNK} chunks. */
export function randomStream(seed: string, size: number): Readable {
  const cipher = cipherAt(seed, 0);
  const zeros = Buffer.alloc(RANDOM_CHUNK);
  let produced = 0;
  return new Readable({
    highWaterMark: RANDOM_CHUNK,
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(RANDOM_CHUNK, size - produced);
      produced += n;
      this.push(cipher.update(n === RANDOM_CHUNK ? zeros : zeros.subarray(0, n)));
    },
  });
}
