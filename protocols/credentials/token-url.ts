import { ProtocolError } from '../errors/index.js';
import type { Token } from './token.js';
import { WritableReader, WritableWriter } from './writable.js';

/**
 * Hadoop's URL-string form of a token (Token.encodeToUrlString / decodeFromUrlString), used by
 * WebHDFS `delegation=` parameters and token-fetching tools: the Writable token bytes in
 * commons-codec URL-safe base64, which uses '-' and '_' and writes NO '=' padding.
 */
export function encodeTokenUrlString(token: Token): string {
  return new WritableWriter().token(token).toBuffer().toString('base64url');
}

/**
 * Decodes a token URL string. Like commons-codec, accepts both base64 alphabets with or without
 * padding; rejects other characters and trailing bytes after the token.
 */
export function decodeTokenUrlString(s: string): Token {
  const what = 'token URL string';
  const trimmed = s.trim();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1) {
    throw new ProtocolError(`${what}: not base64 (${trimmed.length} characters)`);
  }
  const bytes = Buffer.from(trimmed, 'base64');
  const reader = new WritableReader(bytes, 0, what);
  const token = reader.token('token');
  if (reader.remaining !== 0) {
    throw new ProtocolError(`${what}: ${reader.remaining} unexpected bytes after the token at offset ${reader.offset}`);
  }
  return token;
}
