/**
 * The client side of Hadoop's SASL exchange, as a pure state machine: it is given each SASL
 * message the server sends and answers with the next message to send, or with the outcome.
 * The connection does the I/O.
 *
 *   client                                   server
 *   NEGOTIATE                        ->
 *                                    <-      NEGOTIATE auths=[TOKEN/DIGEST-MD5 + 1st challenge, ...]
 *                                            (or SUCCESS: the server only does SIMPLE)
 *   INITIATE token=response
 *            auths=[chosen auth, no challenge]  ->
 *                                    <-      CHALLENGE token      (only if more rounds)
 *   RESPONSE token                   ->
 *                                    <-      SUCCESS token=rspauth (verified)
 *
 * Only TOKEN (DIGEST-MD5) is spoken. Hadoop's token auth uses base64 of the token identifier as
 * the user name and base64 of the token password as the password; protocol and serverId come
 * from the server's advertised SaslAuth ('' and 'default').
 */
import { AuthenticationError, ProtocolError, errorMessage } from '../errors/index.js';
import { DigestMd5Client, type Qop, type SaslSecurityLayer } from '../sasl/index.js';
import type { SaslAuth, SaslMessage } from './messages.js';

export type { Qop, SaslSecurityLayer };

/** The only token mechanism this client implements. */
const TOKEN_MECHANISM = 'DIGEST-MD5';

/** A client SASL mechanism; DigestMd5Client from protocols/sasl is the real one. */
export interface SaslMechanism {
  /** Answer a server challenge. */
  respond(challenge: Uint8Array): Buffer;
  /** Check the server's final message (DIGEST-MD5: rspauth); throws if it does not verify. */
  verifyServerFinal(message: Uint8Array): void;
  /** The negotiated quality of protection, once known. */
  readonly qop: Qop | undefined;
  /** The wrap/unwrap layer for auth-int / auth-conf; undefined for auth. */
  securityLayer(): SaslSecurityLayer | undefined;
}

/** What a mechanism needs; username and password are already base64 text. */
export interface SaslMechanismOptions {
  username: string;
  password: string;
  protocol: string;
  serverId: string;
  allowedQops?: Qop[];
}

/** Creates the mechanism for the auth the server advertised; injectable for tests. */
export type SaslMechanismFactory = (options: SaslMechanismOptions) => SaslMechanism;

/** The default factory: protocols/sasl's DIGEST-MD5 client. */
export const digestMd5Mechanism: SaslMechanismFactory = (o) => new DigestMd5Client(o);

/** Token credentials: raw identifier and password bytes of a Hadoop token. */
export interface TokenCredentials {
  identifier: Buffer;
  password: Buffer;
}

export interface SaslNegotiationOptions {
  /** host:port, for messages. */
  server: string;
  credentials: TokenCredentials;
  allowedQops?: Qop[];
  mechanismFactory: SaslMechanismFactory;
}

/** How the exchange ended. */
export interface SaslOutcome {
  /** 'SIMPLE' when the server answered NEGOTIATE with SUCCESS (no authentication). */
  method: 'TOKEN' | 'SIMPLE';
  qop: Qop | undefined;
  /** Present when every later packet must be wrapped. */
  securityLayer: SaslSecurityLayer | undefined;
}

/** The next thing to do after a server message. */
export type SaslStep = { send: SaslMessage; outcome?: undefined } | { send?: undefined; outcome: SaslOutcome };

type Phase = 'start' | 'negotiating' | 'authenticating' | 'done';

/** One SASL exchange on one connection. Not reusable. */
export class SaslNegotiation {
  readonly #o: SaslNegotiationOptions;
  #phase: Phase = 'start';
  #mechanism: SaslMechanism | undefined;

  constructor(options: SaslNegotiationOptions) {
    // A private field: the credentials never show in inspection or JSON.
    this.#o = options;
  }

  /** True once our credentials are out and the server's verdict is pending. */
  get awaitingVerdict(): boolean {
    return this.#phase === 'authenticating';
  }

  /** The first message: NEGOTIATE without a token. */
  start(): SaslMessage {
    this.#expect('start');
    this.#phase = 'negotiating';
    return { state: 'NEGOTIATE' };
  }

  /** Feed the server's next SASL message. Throws AuthenticationError or ProtocolError. */
  receive(message: SaslMessage): SaslStep {
    if (this.#phase === 'negotiating') {
      if (message.state === 'SUCCESS') {
        this.#phase = 'done';
        return { outcome: { method: 'SIMPLE', qop: undefined, securityLayer: undefined } };
      }
      if (message.state !== 'NEGOTIATE') throw this.#unexpected(message.state, 'NEGOTIATE or SUCCESS');
      return this.#initiate(message.auths ?? []);
    }
    if (this.#phase === 'authenticating') {
      const mechanism = this.#mechanism!;
      if (message.state === 'CHALLENGE') {
        if (message.token === undefined) throw this.#fail('server sent a CHALLENGE without a token');
        return { send: { state: 'RESPONSE', token: this.#evaluate(() => mechanism.respond(message.token!)) } };
      }
      if (message.state !== 'SUCCESS') throw this.#unexpected(message.state, 'CHALLENGE or SUCCESS');
      // DIGEST-MD5 always ends with the server proving it knows the password (rspauth); a
      // SUCCESS without it would let anyone impersonate the server.
      if (message.token === undefined) throw this.#fail('server sent SUCCESS without its final DIGEST-MD5 message');
      this.#evaluate(() => mechanism.verifyServerFinal(message.token!));
      this.#phase = 'done';
      return {
        outcome: { method: 'TOKEN', qop: mechanism.qop, securityLayer: this.#evaluate(() => mechanism.securityLayer()) },
      };
    }
    throw new ProtocolError(`SASL with ${this.#o.server}: unexpected ${message.state} (exchange is ${this.#phase})`, {
      server: this.#o.server,
    });
  }

  /** Pick TOKEN/DIGEST-MD5 from the server's list and answer its inline challenge. */
  #initiate(auths: SaslAuth[]): SaslStep {
    const offered = auths.map((a) => `${a.method}/${a.mechanism}`).join(', ') || 'nothing';
    const token = auths.find((a) => a.method === 'TOKEN');
    if (token === undefined) {
      if (auths.some((a) => a.method === 'KERBEROS')) {
        throw this.#fail(
          `the cluster is Kerberized: the server offers ${offered} but no TOKEN authentication. ` +
            'Spindle authenticates Hadoop RPC only with tokens (SASL DIGEST-MD5); it would need Kerberos ' +
            '(SASL GSSAPI with a ticket from a keytab) or a delegation token this server accepts',
        );
      }
      throw this.#fail(`the server offers ${offered}; Spindle supports only TOKEN (DIGEST-MD5)`);
    }
    if (token.mechanism !== TOKEN_MECHANISM) {
      throw this.#fail(
        `the server's TOKEN authentication uses SASL mechanism ${token.mechanism}; Spindle supports only ` +
          `${TOKEN_MECHANISM} (check hadoop.security.sasl.mechanism on the cluster)`,
      );
    }
    const { credentials, allowedQops } = this.#o;
    const mechanism = this.#evaluate(() =>
      this.#o.mechanismFactory({
        username: credentials.identifier.toString('base64'),
        password: credentials.password.toString('base64'),
        protocol: token.protocol ?? '',
        serverId: token.serverId ?? '',
        ...(allowedQops === undefined ? {} : { allowedQops }),
      }),
    );
    this.#mechanism = mechanism;
    this.#phase = 'authenticating';
    // The server checks that the echoed auth equals one it advertised, presence of empty
    // fields included, so copy it as received and drop only the challenge.
    const { challenge, ...echo } = token;
    const initiate: SaslMessage = { state: 'INITIATE', auths: [echo] };
    if (challenge !== undefined) initiate.token = this.#evaluate(() => mechanism.respond(challenge));
    return { send: initiate };
  }

  #evaluate<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.#fail(errorMessage(e), e);
    }
  }

  #expect(phase: Phase): void {
    if (this.#phase !== phase) throw new ProtocolError(`SASL with ${this.#o.server}: exchange already ${this.#phase}`);
  }

  #unexpected(state: string, wanted: string): ProtocolError {
    return new ProtocolError(`SASL with ${this.#o.server}: server sent ${state}, expected ${wanted}`, {
      server: this.#o.server,
    });
  }

  #fail(reason: string, cause?: unknown): AuthenticationError {
    return new AuthenticationError(`SASL authentication to ${this.#o.server} failed: ${reason}`, {
      server: this.#o.server,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
