import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors/index.js';
import { blockSize, md5, sealingCiphers, sealingKeyInputLength, type DigestCipher, type SealingCiphers } from './ciphers.js';

/**
 * The DIGEST-MD5 security layer (RFC 2831 section 2.3 and 2.4), as the JDK implements it.
 *
 *   auth-int:   msg | MAC(10) | 0x00 0x01 | seq(4, big-endian)
 *   auth-conf:  CIPHER( msg | pad | MAC(10) ) | 0x00 0x01 | seq(4, big-endian)
 *
 *   MAC = HMAC-MD5(Ki, seq | msg)[0..10]   (padding is not covered by the MAC)
 *   pad = 1..8 bytes, each holding the pad length, so msg|pad|MAC fills whole 8-byte blocks
 *         (none for rc4, a stream cipher)
 *
 * Each direction keeps its own sequence number, starting at 0 and advancing by one per non-empty
 * message, and its own cipher state (the CBC chain and the RC4 keystream continue across messages).
 * An empty message wraps to an empty token and does not advance anything (JDK behaviour).
 */
export interface SaslSecurityLayer {
  readonly qop: 'auth-int' | 'auth-conf';
  /**
   * Largest message `wrap` should be given so the token fits the server's receive buffer
   * (Sasl.RAW_SEND_SIZE: maxbuf - 16 for auth-int, maxbuf - 26 for auth-conf). Hadoop's Java
   * client splits its output into chunks of at most this size; `wrap` does not enforce it.
   */
  readonly rawSendSize: number;
  /** Protects one outgoing (client -> server) message. */
  wrap(message: Uint8Array): Buffer;
  /**
   * Verifies and unprotects one incoming (server -> client) token. Throws AuthenticationError on a
   * bad MAC, padding, message type or sequence number; after that the layer refuses all further
   * use, because the peer's stream can no longer be trusted (and cipher state has moved on).
   */
  unwrap(token: Uint8Array): Buffer;
}

const MAC_LENGTH = 10;
const TRAILER_LENGTH = 6; // message type (2) + sequence number (4)
const MESSAGE_TYPE = 0x0001;

const CLIENT_SIGNING_MAGIC = 'Digest session key to client-to-server signing key magic constant';
const SERVER_SIGNING_MAGIC = 'Digest session key to server-to-client signing key magic constant';
const CLIENT_SEALING_MAGIC = 'Digest H(A1) to client-to-server sealing key magic constant';
const SERVER_SEALING_MAGIC = 'Digest H(A1) to server-to-client sealing key magic constant';

/** Inputs to build the client's security layer once authentication succeeded. */
export interface SecurityLayerParams {
  qop: 'auth-int' | 'auth-conf';
  /** H(A1): the 16-byte MD5 of A1, the session key. */
  sessionKey: Buffer;
  /** Negotiated cipher, for auth-conf. */
  cipher?: DigestCipher;
  /** The server's maxbuf (65536 when the challenge has none). */
  serverMaxBuf: number;
}

/** Builds the client side of the security layer (sends with the client-to-server keys). */
export function createClientSecurityLayer(params: SecurityLayerParams): SaslSecurityLayer {
  const send = md5(params.sessionKey, Buffer.from(CLIENT_SIGNING_MAGIC, 'latin1'));
  const receive = md5(params.sessionKey, Buffer.from(SERVER_SIGNING_MAGIC, 'latin1'));
  if (params.qop === 'auth-int') return new IntegrityLayer(send, receive, params.serverMaxBuf - 16);
  const cipher = params.cipher;
  if (cipher === undefined) throw new AuthenticationError('DIGEST-MD5: auth-conf negotiated without a cipher');
  const n = sealingKeyInputLength(cipher);
  const head = params.sessionKey.subarray(0, n);
  const kcc = md5(head, Buffer.from(CLIENT_SEALING_MAGIC, 'latin1'));
  const kcs = md5(head, Buffer.from(SERVER_SEALING_MAGIC, 'latin1'));
  return new PrivacyLayer(send, receive, params.serverMaxBuf - 26, cipher, sealingCiphers(cipher, kcc, kcs));
}

function mac(key: Buffer, seq: number, message: Uint8Array): Buffer {
  const seqBytes = Buffer.alloc(4);
  seqBytes.writeUInt32BE(seq);
  return createHmac('md5', key).update(seqBytes).update(message).digest().subarray(0, MAC_LENGTH);
}

function trailer(seq: number): Buffer {
  const t = Buffer.alloc(TRAILER_LENGTH);
  t.writeUInt16BE(MESSAGE_TYPE, 0);
  t.writeUInt32BE(seq, 2);
  return t;
}

/** Sequence numbers, keys and the failure latch shared by both qops. */
abstract class DigestLayer implements SaslSecurityLayer {
  abstract readonly qop: 'auth-int' | 'auth-conf';
  readonly rawSendSize: number;
  #sendKey: Buffer;
  #receiveKey: Buffer;
  #sendSeq = 0;
  #receiveSeq = 0;
  #broken: string | undefined;

  constructor(sendKey: Buffer, receiveKey: Buffer, rawSendSize: number) {
    this.#sendKey = sendKey;
    this.#receiveKey = receiveKey;
    this.rawSendSize = rawSendSize;
  }

  wrap(message: Uint8Array): Buffer {
    this.#checkUsable('wrap');
    if (message.length === 0) return Buffer.alloc(0);
    const seq = this.#sendSeq;
    this.#sendSeq = (seq + 1) >>> 0;
    return Buffer.concat([this.seal(message, mac(this.#sendKey, seq, message)), trailer(seq)]);
  }

  unwrap(token: Uint8Array): Buffer {
    this.#checkUsable('unwrap');
    if (token.length === 0) return Buffer.alloc(0);
    try {
      if (token.length < TRAILER_LENGTH + MAC_LENGTH) this.fail(`token of ${token.length} bytes is too short`);
      const tail = Buffer.from(token.buffer, token.byteOffset + token.length - TRAILER_LENGTH, TRAILER_LENGTH);
      const type = tail.readUInt16BE(0);
      const seq = tail.readUInt32BE(2);
      const { message, mac: received } = this.unseal(token.subarray(0, token.length - TRAILER_LENGTH));
      if (!timingSafeEqual(received, mac(this.#receiveKey, seq, message))) this.fail(`MAC mismatch on message ${seq}`);
      if (seq !== this.#receiveSeq) {
        this.fail(`out of order message from server: sequence number ${seq}, expected ${this.#receiveSeq}`);
      }
      if (type !== MESSAGE_TYPE) this.fail(`invalid message type ${type}`);
      this.#receiveSeq = (seq + 1) >>> 0;
      return message;
    } catch (err) {
      this.#broken = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  /** Turns msg + MAC into the protected body (everything before the trailer). */
  protected abstract seal(message: Uint8Array, mac: Buffer): Buffer;
  /** Inverse of seal; throws via `fail` on malformed input. */
  protected abstract unseal(body: Uint8Array): { message: Buffer; mac: Buffer };

  protected fail(reason: string): never {
    throw new AuthenticationError(`DIGEST-MD5 ${this.qop} unwrap: ${reason}`);
  }

  #checkUsable(op: string): void {
    if (this.#broken !== undefined) {
      throw new AuthenticationError(`DIGEST-MD5 ${op}: security layer unusable after an earlier failure (${this.#broken})`);
    }
  }
}

class IntegrityLayer extends DigestLayer {
  readonly qop = 'auth-int' as const;

  protected seal(message: Uint8Array, mac: Buffer): Buffer {
    return Buffer.concat([message, mac]);
  }

  protected unseal(body: Uint8Array): { message: Buffer; mac: Buffer } {
    const split = body.length - MAC_LENGTH;
    return { message: Buffer.from(body.subarray(0, split)), mac: Buffer.from(body.subarray(split)) };
  }
}

class PrivacyLayer extends DigestLayer {
  readonly qop = 'auth-conf' as const;
  readonly #blockSize: number;
  readonly #ciphers: SealingCiphers;

  constructor(sendKey: Buffer, receiveKey: Buffer, rawSendSize: number, cipher: DigestCipher, ciphers: SealingCiphers) {
    super(sendKey, receiveKey, rawSendSize);
    this.#blockSize = blockSize(cipher);
    this.#ciphers = ciphers;
  }

  protected seal(message: Uint8Array, mac: Buffer): Buffer {
    const bs = this.#blockSize;
    const padLength = bs > 1 ? bs - ((message.length + MAC_LENGTH) % bs) : 0;
    return this.#ciphers.encrypt.update(Buffer.concat([message, Buffer.alloc(padLength, padLength), mac]));
  }

  protected unseal(body: Uint8Array): { message: Buffer; mac: Buffer } {
    const bs = this.#blockSize;
    if (body.length % bs !== 0) this.fail(`encrypted body of ${body.length} bytes is not a multiple of ${bs}`);
    if (bs > 1 && body.length < MAC_LENGTH + 1) this.fail(`encrypted body of ${body.length} bytes is too short`);
    const plain = this.#ciphers.decrypt.update(body);
    const macStart = plain.length - MAC_LENGTH;
    let end = macStart;
    if (bs > 1) {
      const pad = plain[macStart - 1]!;
      if (pad < 1 || pad > bs || pad > macStart || plain.subarray(macStart - pad, macStart).some((b) => b !== pad)) {
        this.fail('bad padding');
      }
      end = macStart - pad;
    }
    return { message: plain.subarray(0, end), mac: plain.subarray(macStart) };
  }
}
