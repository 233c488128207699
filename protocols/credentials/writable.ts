import { ProtocolError, errorMessage } from '../errors/index.js';
import { createToken, type Token } from './token.js';
import { decodeVInt, decodeVLong, encodeVInt, encodeVLong } from './vint.js';

/**
 * Hadoop Writable encodings of tokens and credentials (Token.write, Credentials.write):
 *
 *   Text   = VInt byteLength | UTF-8 bytes
 *   Token  = VInt idLen | identifier | VInt pwLen | password | Text kind | Text service
 *   Credentials (HDTS format 0 body):
 *     VInt numTokens  { Text alias | Token }*
 *     VInt numSecrets { Text alias | VInt len | bytes }*
 */

/** Sequential reader over a byte array; every error names the field and the absolute offset. */
export class WritableReader {
  offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
    private readonly what: string,
  ) {
    this.offset = offset;
  }

  vint(field: string): number {
    try {
      const { value, size } = decodeVInt(this.bytes, this.offset);
      this.offset += size;
      return value;
    } catch (err) {
      throw new ProtocolError(`${this.what}: ${field}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** A VLong that must be a safe integer (dates, sizes). */
  vlong(field: string): number {
    const at = this.offset;
    let value: number | bigint;
    try {
      const decoded = decodeVLong(this.bytes, this.offset);
      this.offset += decoded.size;
      value = decoded.value;
    } catch (err) {
      throw new ProtocolError(`${this.what}: ${field}: ${errorMessage(err)}`, { cause: err });
    }
    if (typeof value !== 'number') throw new ProtocolError(`${this.what}: ${field} ${value} at offset ${at} is not a safe integer`);
    return value;
  }

  /** One byte. */
  byte(field: string): number {
    if (this.offset >= this.bytes.length) throw new ProtocolError(`${this.what}: truncated ${field} at offset ${this.offset}`);
    return this.bytes[this.offset++]!;
  }

  length(field: string): number {
    const at = this.offset;
    const n = this.vint(`${field} length`);
    if (n < 0) throw new ProtocolError(`${this.what}: negative ${field} length ${n} at offset ${at}`);
    return n;
  }

  /** A count of entries of at least `minEntryBytes` each; refused when they could not fit in the bytes left. */
  count(field: string, minEntryBytes: number): number {
    const at = this.offset;
    const n = this.length(field);
    if (n * minEntryBytes > this.remaining) {
      throw new ProtocolError(
        `${this.what}: ${field} ${n} at offset ${at} cannot fit in the ${this.remaining} bytes left (at least ${minEntryBytes} each)`,
      );
    }
    return n;
  }

  bytesOf(field: string): Buffer {
    const n = this.length(field);
    if (this.offset + n > this.bytes.length) {
      throw new ProtocolError(
        `${this.what}: truncated ${field}: needs ${n} bytes at offset ${this.offset}, ${this.bytes.length - this.offset} left`,
      );
    }
    const out = Buffer.from(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  /** Hadoop Text. Invalid UTF-8 is replaced (U+FFFD), as Java's decoding does. */
  text(field: string): string {
    return this.bytesOf(field).toString('utf8');
  }

  token(field: string): Token {
    const identifier = this.bytesOf(`${field}.identifier`);
    const password = this.bytesOf(`${field}.password`);
    const kind = this.text(`${field}.kind`);
    const service = this.text(`${field}.service`);
    return createToken({ identifier, password, kind, service });
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }
}

/** Appends Writable fields to a list of chunks. */
export class WritableWriter {
  private readonly chunks: Buffer[] = [];

  vint(v: number): this {
    this.chunks.push(encodeVInt(v));
    return this;
  }

  vlong(v: number): this {
    this.chunks.push(encodeVLong(v));
    return this;
  }

  bytesOf(b: Uint8Array): this {
    this.vint(b.length);
    this.chunks.push(Buffer.from(b));
    return this;
  }

  text(s: string): this {
    return this.bytesOf(Buffer.from(s, 'utf8'));
  }

  token(t: Token): this {
    return this.bytesOf(t.identifier).bytesOf(t.password).text(t.kind).text(t.service);
  }

  raw(b: Uint8Array): this {
    this.chunks.push(Buffer.from(b));
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * The fewest bytes one entry can take: a token entry is five VInt lengths (alias, identifier,
 * password, kind, service) of one byte each when all are empty; a secret entry two (alias, value).
 * A count is refused when that many entries could not fit in the bytes left, before any is read.
 */
export const MIN_TOKEN_ENTRY_BYTES = 5;
export const MIN_SECRET_ENTRY_BYTES = 2;

/** Reads a format 0 credentials body starting at `offset`. */
export function readWritableCredentials(bytes: Uint8Array, offset: number): { tokens: [string, Token][]; secrets: [string, Buffer][] } {
  const r = new WritableReader(bytes, offset, 'HDTS format 0');
  const tokens: [string, Token][] = [];
  const numTokens = r.count('token count', MIN_TOKEN_ENTRY_BYTES);
  for (let i = 0; i < numTokens; i++) {
    const alias = r.text(`token[${i}].alias`);
    tokens.push([alias, r.token(`token[${i}]`)]);
  }
  const secrets: [string, Buffer][] = [];
  const numSecrets = r.count('secret count', MIN_SECRET_ENTRY_BYTES);
  for (let i = 0; i < numSecrets; i++) {
    const alias = r.text(`secret[${i}].alias`);
    secrets.push([alias, r.bytesOf(`secret[${i}].value`)]);
  }
  return { tokens, secrets };
}

/** Writes a format 0 credentials body. */
export function writeWritableCredentials(tokens: Map<string, Token>, secrets: Map<string, Buffer>): Buffer {
  const w = new WritableWriter().vint(tokens.size);
  for (const [alias, token] of tokens) w.text(alias).token(token);
  w.vint(secrets.size);
  for (const [alias, secret] of secrets) w.text(alias).bytesOf(secret);
  return w.toBuffer();
}
