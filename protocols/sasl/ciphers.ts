import { createCipheriv, createDecipheriv, createHash, type Cipher, type Decipher } from 'node:crypto';

/**
 * The DIGEST-MD5 `auth-conf` ciphers (RFC 2831 section 2.4), in the JDK client's order of
 * preference: the strongest first, and within a strength the first listed.
 */
export const DIGEST_CIPHERS = ['3des', 'rc4', 'des', 'rc4-56', 'rc4-40'] as const;
export type DigestCipher = (typeof DIGEST_CIPHERS)[number];

/** Which OpenSSL cipher implements each DIGEST-MD5 cipher. All rc4 variants use a 16-byte key. */
const OPENSSL_NAME: Record<DigestCipher, string> = {
  '3des': 'des-ede-cbc', // two-key 3DES EDE: K1 K2 K1
  rc4: 'rc4',
  des: 'des-cbc',
  'rc4-56': 'rc4',
  'rc4-40': 'rc4',
};

/**
 * How many bytes of H(A1) go into the sealing key derivation: RFC 2831 `n`
 * (16 for 3des, des and rc4; 7 for rc4-56; 5 for rc4-40).
 */
export function sealingKeyInputLength(cipher: DigestCipher): number {
  return cipher === 'rc4-40' ? 5 : cipher === 'rc4-56' ? 7 : 16;
}

/** Block size of the cipher (8 for the DES family, 1 for the RC4 stream cipher). */
export function blockSize(cipher: DigestCipher): number {
  return cipher === '3des' || cipher === 'des' ? 8 : 1;
}

const support = new Map<DigestCipher, boolean>();

/**
 * Whether this Node/OpenSSL build can run the cipher. Node 20's OpenSSL 3 has des-ede-cbc, but
 * rc4 and des-cbc live in OpenSSL's legacy provider (available with --openssl-legacy-provider).
 */
export function isCipherSupported(cipher: DigestCipher): boolean {
  let ok = support.get(cipher);
  if (ok === undefined) {
    try {
      const probe = sealingCiphers(cipher, Buffer.alloc(16), Buffer.alloc(16));
      probe.encrypt.update(Buffer.alloc(8));
      ok = true;
    } catch {
      ok = false;
    }
    support.set(cipher, ok);
  }
  return ok;
}

/** The ciphers this runtime supports, in preference order. */
export function supportedCiphers(): DigestCipher[] {
  return DIGEST_CIPHERS.filter(isCipherSupported);
}

/** One cipher object per direction; CBC state (the IV) and the RC4 keystream carry across messages. */
export interface SealingCiphers {
  encrypt: Cipher;
  decrypt: Decipher;
}

/**
 * Builds the two cipher objects from the sealing keys Kc (16 bytes each, see RFC 2831 2.4):
 * - des:  key = parity-expanded Kc[0..7],  IV = Kc[8..16]
 * - 3des: K1 = expanded Kc[0..7], K2 = expanded Kc[7..14], EDE with K1 K2 K1, IV = Kc[8..16]
 * - rc4*: key = Kc (all 16 bytes; `n` only shortened the input of the derivation)
 */
export function sealingCiphers(cipher: DigestCipher, sendKey: Buffer, receiveKey: Buffer): SealingCiphers {
  const name = OPENSSL_NAME[cipher];
  const make = <T extends Cipher | Decipher>(kc: Buffer, factory: (key: Buffer, iv: Buffer | null) => T): T => {
    let c: T;
    if (cipher === '3des') {
      c = factory(Buffer.concat([expandDesKey(kc.subarray(0, 7)), expandDesKey(kc.subarray(7, 14))]), kc.subarray(8, 16));
    } else if (cipher === 'des') {
      c = factory(expandDesKey(kc.subarray(0, 7)), kc.subarray(8, 16));
    } else {
      c = factory(kc, null);
    }
    c.setAutoPadding(false);
    return c;
  };
  return {
    encrypt: make(sendKey, (key, iv) => createCipheriv(name, key, iv)),
    decrypt: make(receiveKey, (key, iv) => createDecipheriv(name, key, iv)),
  };
}

/**
 * Spreads 56 key bits over 8 bytes, 7 bits each in the high bits, and sets odd parity in the low
 * bit (the JDK's `addDesParity`; OpenSSL ignores parity, but the spreading decides the key).
 */
export function expandDesKey(seven: Uint8Array): Buffer {
  let bits = 0n;
  for (const b of seven) bits = (bits << 8n) | BigInt(b);
  const out = Buffer.alloc(8);
  for (let i = 7; i >= 0; i--) {
    let byte = Number(bits & 0x7fn) << 1;
    bits >>= 7n;
    if (popcount(byte) % 2 === 0) byte |= 1;
    out[i] = byte;
  }
  return out;
}

function popcount(v: number): number {
  let n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

/** MD5 of the concatenated parts. */
export function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}
