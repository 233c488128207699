import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, ConfigError } from '../errors/index.js';
import { DIGEST_CIPHERS, isCipherSupported, md5, type DigestCipher } from './ciphers.js';
import { parseDirectives, quote, quoteBytes, single, splitTokens, type Directives } from './directives.js';
import { createClientSecurityLayer, type SaslSecurityLayer } from './security-layer.js';

/** RFC 2831 quality of protection: authentication only, + integrity, + privacy. */
export type Qop = 'auth' | 'auth-int' | 'auth-conf';

/** Strongest first: the order in which the client picks among what the server offers. */
const QOPS_BY_STRENGTH: readonly Qop[] = ['auth-conf', 'auth-int', 'auth'];

/** Receive buffer the client announces (`maxbuf`); the JDK's default. */
export const DEFAULT_MAXBUF = 65536;
/** RFC 2831 limits on the size of a challenge and a response. */
const MAX_CHALLENGE_LENGTH = 2048;
const MAX_RESPONSE_LENGTH = 4096;
/** Random bytes in a generated cnonce (the JDK uses 30, giving 40 base64 characters). */
const CNONCE_BYTES = 30;
/** Nonce count: one authentication per nonce, as the JDK client does. */
const NONCE_COUNT = '00000001';

const CHALLENGE_DIRECTIVES = ['realm', 'qop', 'algorithm', 'nonce', 'maxbuf', 'charset', 'cipher', 'stale'];
const FINAL_DIRECTIVES = ['rspauth'];

export interface DigestMd5Options {
  /** Authentication id. Hadoop TOKEN auth: standard base64 of the token identifier bytes. */
  username: string;
  /** Hadoop TOKEN auth: standard base64 of the token password bytes. Never logged or kept. */
  password: string;
  /** SASL protocol: '' for Hadoop TOKEN auth. */
  protocol: string;
  /** SASL server name: 'default' for Hadoop TOKEN auth. digest-uri = `${protocol}/${serverId}`. */
  serverId: string;
  /** Qops the client accepts; the strongest one the server offers is chosen. Default: all three. */
  allowedQops?: Qop[];
  /**
   * Ciphers the client accepts for auth-conf, in order of preference; only those this runtime's
   * OpenSSL supports are used. Default: 3des, rc4, des, rc4-56, rc4-40 (the JDK's order).
   */
  allowedCiphers?: DigestCipher[];
  /** Client nonce, for known-answer tests only. Default: base64 of 30 random bytes. */
  cnonce?: string;
}

/** Hadoop TOKEN auth parameters (SaslRpcServer: protocol "" and server name "default"). */
export const TOKEN_PROTOCOL = '';
export const TOKEN_SERVER_ID = 'default';

/**
 * DigestMd5Options for Hadoop TOKEN auth with a token's identifier and password bytes.
 * `password` is non-enumerable, so an object spread (`{ ...opts }`) drops it: add fields to the
 * returned object instead.
 */
export function tokenAuthOptions(identifier: Uint8Array, password: Uint8Array): DigestMd5Options {
  const options: DigestMd5Options = {
    username: Buffer.from(identifier).toString('base64'),
    password: '',
    protocol: TOKEN_PROTOCOL,
    serverId: TOKEN_SERVER_ID,
  };
  Object.defineProperty(options, 'password', { value: Buffer.from(password).toString('base64'), enumerable: false });
  return options;
}

type State = 'initial' | 'responded' | 'complete' | 'failed';

/**
 * Client side of SASL DIGEST-MD5 (RFC 2831, md5-sess) as Hadoop's TOKEN authentication uses it,
 * producing byte-identical responses to the JDK 17 client:
 *
 *   server: realm="default",nonce="…",qop="auth",charset=utf-8,algorithm=md5-sess
 *   client: charset=utf-8,username="…",realm="default",nonce="…",nc=00000001,cnonce="…",
 *           digest-uri="/default",maxbuf=65536,response=<32 hex>,qop=auth[,cipher="3des"]
 *   server: rspauth=<32 hex>
 *
 * One instance performs one authentication: `respond` once, then `verifyServerFinal` once.
 */
export class DigestMd5Client {
  readonly #username: string;
  #password: string | undefined;
  readonly #digestUri: string;
  readonly #allowedQops: readonly Qop[];
  readonly #allowedCiphers: readonly DigestCipher[];
  readonly #cnonce: string | undefined;
  #state: State = 'initial';
  #qop: Qop | undefined;
  #cipher: DigestCipher | undefined;
  #sessionKey: Buffer | undefined;
  #expectedRspauth: Buffer | undefined;
  #serverMaxBuf = DEFAULT_MAXBUF;
  #layer: SaslSecurityLayer | undefined;

  constructor(options: DigestMd5Options) {
    if (typeof options?.username !== 'string' || options.username.length === 0) {
      throw new ConfigError('DigestMd5Options.username must be a non-empty string');
    }
    if (typeof options.password !== 'string') throw new ConfigError('DigestMd5Options.password must be a string');
    if (typeof options.protocol !== 'string') throw new ConfigError('DigestMd5Options.protocol must be a string');
    if (typeof options.serverId !== 'string' || options.serverId.length === 0) {
      throw new ConfigError('DigestMd5Options.serverId must be a non-empty string');
    }
    const qops = options.allowedQops ?? QOPS_BY_STRENGTH;
    if (!Array.isArray(qops) || qops.length === 0 || qops.some((q) => !QOPS_BY_STRENGTH.includes(q))) {
      throw new ConfigError(`DigestMd5Options.allowedQops must be a non-empty list of ${QOPS_BY_STRENGTH.join(', ')}`);
    }
    const ciphers = options.allowedCiphers ?? DIGEST_CIPHERS;
    if (!Array.isArray(ciphers) || ciphers.some((c) => !DIGEST_CIPHERS.includes(c))) {
      throw new ConfigError(`DigestMd5Options.allowedCiphers must be a list of ${DIGEST_CIPHERS.join(', ')}`);
    }
    if (options.cnonce !== undefined && (typeof options.cnonce !== 'string' || options.cnonce.length === 0)) {
      throw new ConfigError('DigestMd5Options.cnonce must be a non-empty string when given');
    }
    this.#username = options.username;
    this.#password = options.password;
    this.#digestUri = `${options.protocol}/${options.serverId}`;
    this.#allowedQops = [...qops];
    this.#allowedCiphers = [...ciphers];
    this.#cnonce = options.cnonce;
  }

  /** The negotiated qop, once `respond` succeeded. */
  get qop(): Qop | undefined {
    return this.#qop;
  }

  /** The negotiated auth-conf cipher, once `respond` succeeded with qop auth-conf. */
  get cipher(): DigestCipher | undefined {
    return this.#cipher;
  }

  /**
   * Parses the server's challenge and returns the client response bytes. Throws
   * AuthenticationError on bad challenges (missing nonce, unsupported algorithm or charset, no
   * acceptable qop or cipher) and when called twice.
   */
  respond(challenge: Uint8Array): Buffer {
    if (this.#state !== 'initial') throw new AuthenticationError(`DIGEST-MD5 respond: called in state ${this.#state}`);
    try {
      const response = this.#respond(challenge);
      this.#state = 'responded';
      return response;
    } catch (err) {
      this.#state = 'failed';
      throw err;
    } finally {
      this.#password = undefined;
    }
  }

  /** Checks the server's final `rspauth=…`; throws AuthenticationError if it does not match. */
  verifyServerFinal(message: Uint8Array): void {
    if (this.#state !== 'responded') {
      throw new AuthenticationError(`DIGEST-MD5 verifyServerFinal: called in state ${this.#state}`);
    }
    this.#state = 'failed';
    const directives = parseDirectives(message, 'DIGEST-MD5 server final message', FINAL_DIRECTIVES);
    const rspauth = single(directives, 'rspauth');
    if (rspauth === undefined) throw new AuthenticationError('DIGEST-MD5 server final message: no rspauth directive');
    const expected = this.#expectedRspauth!;
    const got = Buffer.from(rspauth.toString('latin1').toLowerCase(), 'latin1');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new AuthenticationError('DIGEST-MD5 server final message: rspauth does not match; the server does not know the token password');
    }
    if (this.#qop === 'auth-int' || this.#qop === 'auth-conf') {
      const layer = { qop: this.#qop, sessionKey: this.#sessionKey!, serverMaxBuf: this.#serverMaxBuf };
      this.#layer = createClientSecurityLayer(this.#cipher ? { ...layer, cipher: this.#cipher } : layer);
    }
    this.#sessionKey = undefined;
    this.#state = 'complete';
  }

  /** After verifyServerFinal: the security layer for auth-int/auth-conf, undefined for auth. */
  securityLayer(): SaslSecurityLayer | undefined {
    return this.#layer;
  }

  #respond(challenge: Uint8Array): Buffer {
    if (challenge.length > MAX_CHALLENGE_LENGTH) fail(`${challenge.length} bytes, more than ${MAX_CHALLENGE_LENGTH}`);
    const d = parseDirectives(challenge, 'DIGEST-MD5 challenge', CHALLENGE_DIRECTIVES, ['realm']);

    // charset=utf-8 switches strings to UTF-8; without it everything is ISO 8859-1.
    const charset = single(d, 'charset');
    if (charset !== undefined && charset.toString('latin1') !== 'utf-8') {
      fail(`unsupported charset '${charset.toString('latin1')}'`);
    }
    const utf8 = charset !== undefined;
    const encoding: BufferEncoding = utf8 ? 'utf8' : 'latin1';

    const algorithm = single(d, 'algorithm');
    if (algorithm === undefined) fail('no algorithm directive');
    if (algorithm.toString('latin1') !== 'md5-sess') fail(`unsupported algorithm '${algorithm.toString('latin1')}'`);
    const nonce = single(d, 'nonce');
    if (nonce === undefined || nonce.length === 0) fail('no nonce directive');

    // Several realms: take the first, as Hadoop's callback handler leaves the JDK's default choice.
    const realm = d.get('realm')?.[0]?.toString(encoding) ?? '';
    this.#serverMaxBuf = parseMaxBuf(d);
    const { qop, cipher } = this.#negotiate(d, encoding);

    const cnonce = this.#cnonce ?? randomBytes(CNONCE_BYTES).toString('base64');
    const password = this.#password!;
    // H(A1) = MD5( MD5(username ":" realm ":" password) ":" nonce ":" cnonce )   (md5-sess, no authzid)
    const [user, realmBytes, pass] = [this.#username, realm, password].map((s) => credentialBytes(s, utf8)) as [Buffer, Buffer, Buffer];
    const sessionKey = md5(md5(user, COLON, realmBytes, COLON, pass), COLON, nonce, COLON, Buffer.from(cnonce, encoding));
    // response = HEX( MD5( HEX(H(A1)) ":" nonce ":" nc ":" cnonce ":" qop ":" HEX(MD5(A2)) ) )
    // A2 = "AUTHENTICATE:" digest-uri for the response, ":" digest-uri for rspauth, plus 32 zeros
    // after another ':' when a security layer is negotiated.
    const digest = (a2Prefix: string): Buffer => {
      const marker = qop === 'auth' ? '' : ':00000000000000000000000000000000';
      const hA2 = md5(Buffer.from(`${a2Prefix}:${this.#digestUri}${marker}`, encoding)).toString('hex');
      const tail = Buffer.from(`:${NONCE_COUNT}:${cnonce}:${qop}:${hA2}`, encoding);
      return Buffer.from(md5(Buffer.from(sessionKey.toString('hex')), COLON, nonce, tail).toString('hex'), 'latin1');
    };
    this.#qop = qop;
    this.#cipher = cipher;
    this.#sessionKey = sessionKey;
    this.#expectedRspauth = digest('');

    const text = (s: string): Buffer => Buffer.from(s, encoding);
    const parts: Buffer[] = [];
    if (charset !== undefined) parts.push(text('charset='), charset, text(','));
    parts.push(text(`username="${quote(this.#username)}",`));
    if (realm.length > 0) parts.push(text(`realm="${quote(realm)}",`));
    parts.push(text('nonce="'), quoteBytes(nonce), text(`",nc=${NONCE_COUNT},`));
    parts.push(text(`cnonce="${quote(cnonce)}",digest-uri="${this.#digestUri}",maxbuf=${DEFAULT_MAXBUF},`));
    parts.push(text('response='), digest('AUTHENTICATE'), text(`,qop=${qop}`));
    if (cipher !== undefined) parts.push(text(`,cipher="${cipher}"`));
    const response = Buffer.concat(parts);
    if (response.length > MAX_RESPONSE_LENGTH) fail(`response of ${response.length} bytes exceeds ${MAX_RESPONSE_LENGTH}`);
    return response;
  }

  /** Picks the strongest allowed qop the server offers; auth-conf only with an usable cipher. */
  #negotiate(d: Directives, encoding: BufferEncoding): { qop: Qop; cipher?: DigestCipher } {
    const offeredQops = splitTokens(single(d, 'qop')?.toString(encoding) ?? 'auth');
    const cipherValue = single(d, 'cipher')?.toString(encoding);
    const offeredCiphers = cipherValue === undefined ? [] : splitTokens(cipherValue);
    for (const qop of QOPS_BY_STRENGTH) {
      if (!offeredQops.includes(qop) || !this.#allowedQops.includes(qop)) continue;
      if (qop !== 'auth-conf') return { qop };
      const cipher = this.#allowedCiphers.find((c) => offeredCiphers.includes(c) && isCipherSupported(c));
      if (cipher !== undefined) return { qop, cipher };
    }
    const wantsConf = offeredQops.includes('auth-conf') && this.#allowedQops.includes('auth-conf');
    const cipherNote = wantsConf
      ? cipherValue === undefined
        ? '; auth-conf offered without a cipher directive'
        : `; no usable cipher among '${cipherValue}' (this runtime supports ${DIGEST_CIPHERS.filter(isCipherSupported).join(', ') || 'none'}, allowed ${this.#allowedCiphers.join(', ')})`
      : '';
    return fail(`no acceptable qop: server offers '${offeredQops.join(',')}', client allows '${this.#allowedQops.join(',')}'${cipherNote}`);
  }
}

const COLON = Buffer.from(':');

function fail(reason: string): never {
  throw new AuthenticationError(`DIGEST-MD5 challenge: ${reason}`);
}

/** The server's maxbuf: RFC 2831 allows 16 < maxbuf < 16777216; 65536 when absent. */
function parseMaxBuf(d: Directives): number {
  const raw = single(d, 'maxbuf')?.toString('latin1');
  if (raw === undefined) return DEFAULT_MAXBUF;
  const value = /^[0-9]{1,8}$/.test(raw) ? Number(raw) : NaN;
  if (!(value > 16 && value <= 0xffffff)) fail(`invalid maxbuf '${raw}'`);
  return value;
}

/**
 * Encodes username, realm or password for H(A1) like the JDK (and RFC 2831 2.1.2.1): ISO 8859-1
 * unless charset=utf-8 was offered and some character is outside ISO 8859-1.
 */
function credentialBytes(s: string, utf8: boolean): Buffer {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range, control characters included
  const latin1 = !/[^\x00-\xff]/.test(s);
  if (latin1) return Buffer.from(s, 'latin1');
  if (!utf8) fail('credentials contain non ISO 8859-1 characters but the server did not offer charset=utf-8');
  return Buffer.from(s, 'utf8');
}
