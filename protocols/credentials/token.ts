import { inspect } from 'node:util';

/**
 * A Hadoop security token (org.apache.hadoop.security.token.Token): opaque identifier bytes, the
 * password (an HMAC the server recomputes from the identifier), a kind naming the identifier
 * type, and a service naming what it is for (often empty or "host:port").
 * `password` is non-enumerable so it stays out of JSON, logs and spreads.
 */
export interface Token {
  identifier: Buffer;
  /** Secret. Non-enumerable on tokens made by {@link createToken} and by the parsers. */
  password: Buffer;
  kind: string;
  service: string;
}

/** Hadoop credentials: tokens and secret keys, each under an alias. */
export interface Credentials {
  tokens: Map<string, Token>;
  /** Secret values; the map hides them from util.inspect and JSON.stringify. */
  secrets: Map<string, Buffer>;
}

/** Token kinds Spindle deals with (the `KIND_NAME`/`KIND` constants of their identifier classes). */
export const TokenKinds = {
  AMRM: 'YARN_AM_RM_TOKEN',
  NM: 'NMToken',
  HDFS_DELEGATION: 'HDFS_DELEGATION_TOKEN',
  CONTAINER: 'ContainerToken',
} as const;

/** Builds a Token with a non-enumerable password. Buffers are used as given (not copied). */
export function createToken(fields: { identifier: Uint8Array; password: Uint8Array; kind: string; service: string }): Token {
  const token = {
    identifier: toBuffer(fields.identifier),
    kind: fields.kind,
    service: fields.service,
  } as Token;
  Object.defineProperty(token, 'password', { value: toBuffer(fields.password), enumerable: false, writable: true });
  return token;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A Map whose values util.inspect and JSON.stringify never show: only aliases and sizes. */
class SecretMap extends Map<string, Buffer> {
  [inspect.custom](): string {
    return `SecretMap(${this.size}) { ${[...this.keys()].map((k) => `${JSON.stringify(k)} => <${this.get(k)!.length} secret bytes>`).join(', ')} }`;
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries([...this.keys()].map((k) => [k, '<secret>']));
  }
}

/** Builds Credentials from entries; the secrets map redacts its values when printed. */
export function createCredentials(tokens: Iterable<[string, Token]> = [], secrets: Iterable<[string, Buffer]> = []): Credentials {
  return { tokens: new Map(tokens), secrets: new SecretMap(secrets) };
}

/** The first token of the given kind (in file order), or undefined. Service is ignored. */
export function selectToken(creds: Credentials, kind: string): Token | undefined {
  for (const token of creds.tokens.values()) if (token.kind === kind) return token;
  return undefined;
}

/**
 * A copy of the credentials without tokens of the given kinds, e.g. stripping the AMRMToken
 * before handing credentials to task containers. Secrets are kept.
 */
export function withoutKinds(creds: Credentials, kinds: string[]): Credentials {
  return createCredentials(
    [...creds.tokens].filter(([, token]) => !kinds.includes(token.kind)),
    creds.secrets,
  );
}
