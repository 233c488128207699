import { AuthenticationError } from '../errors/index.js';

/**
 * RFC 2831 directive lists, the text both DIGEST-MD5 challenges and responses are made of:
 *
 *   realm="default",nonce="4uB1...",qop="auth,auth-int",charset=utf-8,algorithm=md5-sess
 *   key = token, value = token | quoted-string ("..." with backslash escaping any byte),
 *   separated by commas with optional linear white space (SP, HT, CR, LF) around them.
 *
 * Values stay raw bytes here: the charset directive decides how they are decoded, and the nonce
 * is echoed back byte for byte.
 */

/** Directive name (lower case) -> every value seen, in order. */
export type Directives = Map<string, Buffer[]>;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const EQUALS = 0x3d;

function isLws(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
}

function skipLws(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isLws(bytes[i]!)) i++;
  return i;
}

/**
 * Parses a directive list. `what` names the message in errors ("DIGEST-MD5 challenge").
 * `repeatable` lists directives that may appear more than once (RFC 2831 allows only `realm`
 * in a challenge); any other known directive appearing twice is rejected, as the RFC asks.
 * Unknown directives are kept (they are ignored by the caller, as RFC 2831 `auth-param` says).
 */
export function parseDirectives(bytes: Uint8Array, what: string, known: readonly string[], repeatable: readonly string[] = []): Directives {
  const out: Directives = new Map();
  const fail = (reason: string, at: number): never => {
    throw new AuthenticationError(`${what}: ${reason} at offset ${at}`);
  };
  let i = skipLws(bytes, 0);
  while (i < bytes.length) {
    if (bytes[i] === COMMA) {
      i = skipLws(bytes, i + 1);
      continue;
    }
    const keyStart = i;
    while (i < bytes.length && bytes[i] !== EQUALS && bytes[i] !== COMMA && !isLws(bytes[i]!)) i++;
    const key = Buffer.from(bytes.subarray(keyStart, i)).toString('latin1').toLowerCase();
    i = skipLws(bytes, i);
    if (i >= bytes.length || bytes[i] !== EQUALS) fail(`'=' expected after directive '${key}'`, i);
    if (key.length === 0) fail('empty directive name', keyStart);
    i = skipLws(bytes, i + 1);
    if (i >= bytes.length) fail(`directive '${key}' has no value`, i);

    const value: number[] = [];
    if (bytes[i] === QUOTE) {
      const quoteStart = i;
      i++;
      for (;;) {
        if (i >= bytes.length) fail(`unterminated quoted value of '${key}'`, quoteStart);
        const b = bytes[i]!;
        if (b === QUOTE) break;
        if (b === BACKSLASH) {
          i++;
          if (i >= bytes.length) fail(`unterminated quoted value of '${key}'`, quoteStart);
        }
        value.push(bytes[i]!);
        i++;
      }
      i = skipLws(bytes, i + 1);
      if (i < bytes.length && bytes[i] !== COMMA) fail(`',' expected after quoted value of '${key}'`, i);
    } else {
      while (i < bytes.length && bytes[i] !== COMMA && !isLws(bytes[i]!)) value.push(bytes[i++]!);
      i = skipLws(bytes, i);
      if (i < bytes.length && bytes[i] !== COMMA) fail(`',' expected after value of '${key}'`, i);
    }

    const seen = out.get(key);
    if (seen === undefined) {
      out.set(key, [Buffer.from(value)]);
    } else if (repeatable.includes(key) || !known.includes(key)) {
      seen.push(Buffer.from(value));
    } else {
      fail(`duplicate '${key}' directive`, keyStart);
    }
  }
  return out;
}

/** The single value of a directive, or undefined when absent. */
export function single(directives: Directives, key: string): Buffer | undefined {
  return directives.get(key)?.[0];
}

/** Splits a token list such as `qop="auth-conf,auth"` or `cipher="3des,rc4"`. */
export function splitTokens(value: string): string[] {
  return value.split(/[\s,]+/).filter((t) => t.length > 0);
}

/**
 * Escapes a value for a quoted-string the way the JDK client does: a backslash before `"`, `\`,
 * DEL and control characters other than CR, HT and LF.
 */
export function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what gets escaped
  return value.replace(/["\\\x7f\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\${c}`);
}

/** Byte-level variant of {@link quote}, for values echoed back raw (the nonce). */
export function quoteBytes(value: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of value) {
    if (b === QUOTE || b === BACKSLASH || b === 0x7f || (b <= 0x1f && b !== 0x0d && b !== 0x09 && b !== 0x0a)) {
      out.push(BACKSLASH);
    }
    out.push(b);
  }
  return Buffer.from(out);
}
