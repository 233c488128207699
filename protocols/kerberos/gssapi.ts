/**
 * SPNEGO tokens from the system's GSSAPI (MIT krb5) through the npm package `kerberos`, an optional
 * dependency loaded on first use only: users of unsecured clusters install nothing native. Its types
 * stop here; callers see a {@link NegotiateTokenSource}.
 *
 * Credentials, as the library finds them:
 * - ticket cache: whatever KRB5CCNAME names (or the default cache), as `kinit` left it;
 * - keytab: KRB5_CLIENT_KTNAME names the keytab and KRB5CCNAME a private in-memory cache, both set
 *   before the first GSSAPI call; asked for the principal's credentials, MIT krb5 finds none cached and
 *   gets a ticket from the client keytab into that cache (MIT 1.11+ "client keytab initiation"). The
 *   user's own cache is never read nor written.
 */
import type { NegotiateTokenSource } from '../http/index.js';
import { GssapiUnavailableError, KerberosCredentialsError } from './errors.js';
import type { KerberosLogin } from './login.js';

/** The part of the `kerberos` package used here. */
export interface GssapiBinding {
  GSS_MECH_OID_SPNEGO: number;
  initializeClient(
    service: string,
    options: { principal?: string; mechOID?: number },
  ): Promise<{ step(challenge: string): Promise<string> }>;
}

/** The name of the optional npm package. */
export const GSSAPI_PACKAGE = 'kerberos';

/** What a user must run to get the binding (Debian/Ubuntu; other systems name the krb5 headers differently). */
export const GSSAPI_INSTALL_HINT = 'apt-get install libkrb5-dev && npm install kerberos';

export interface GssapiOptions {
  login: KerberosLogin;
  /**
   * The environment the native library reads (the process's own in production); for a keytab login
   * KRB5_CLIENT_KTNAME and KRB5CCNAME are set in it before the binding loads.
   */
  env: Record<string, string | undefined>;
  /** Loads the binding; default a dynamic import of {@link GSSAPI_PACKAGE}. */
  load?: () => Promise<GssapiBinding>;
  /** A private cache name for keytab logins. Default `MEMORY:spindle-<pid>`. */
  privateCache?: string;
}

/** SPNEGO initial tokens from GSSAPI, one fresh security context per call. */
export class GssapiTokenSource implements NegotiateTokenSource {
  readonly #options: GssapiOptions;
  #binding: Promise<GssapiBinding> | undefined;

  constructor(options: GssapiOptions) {
    this.#options = options;
  }

  /** The principal logged in as, when the login names one (keytab); undefined for the ticket cache. */
  get principal(): string | undefined {
    return this.#options.login.kind === 'keytab' ? this.#options.login.principal : undefined;
  }

  async initialToken(host: string): Promise<string> {
    const binding = await this.#load();
    const service = `HTTP@${host}`;
    const principal = this.principal;
    try {
      const client = await binding.initializeClient(service, {
        mechOID: binding.GSS_MECH_OID_SPNEGO,
        ...(principal !== undefined ? { principal } : {}),
      });
      return await client.step('');
    } catch (err) {
      throw credentialsError(
        err,
        service,
        principal,
        this.#options.login.kind === 'ticket-cache' ? this.#options.env.KRB5CCNAME : undefined,
      );
    }
  }

  #load(): Promise<GssapiBinding> {
    this.#binding ??= this.#loadOnce();
    return this.#binding;
  }

  async #loadOnce(): Promise<GssapiBinding> {
    const { login, env } = this.#options;
    if (login.kind === 'keytab') {
      env.KRB5_CLIENT_KTNAME = login.keytab;
      env.KRB5CCNAME = this.#options.privateCache ?? `MEMORY:spindle-${process.pid}`;
    }
    try {
      return await (this.#options.load ?? importBinding)();
    } catch (err) {
      if (err instanceof GssapiUnavailableError) throw err;
      throw new GssapiUnavailableError(
        `this cluster uses Kerberos (hadoop.security.authentication=kerberos) and the GSSAPI binding, the optional npm package ` +
          `"${GSSAPI_PACKAGE}", is not installed or did not build (${firstLine(err)}); install it with: ${GSSAPI_INSTALL_HINT}`,
        { cause: err },
      );
    }
  }
}

async function importBinding(): Promise<GssapiBinding> {
  // A variable specifier: TypeScript and esbuild leave the optional package alone.
  const name: string = GSSAPI_PACKAGE;
  const mod = (await import(name)) as { default?: GssapiBinding } & GssapiBinding;
  const binding = mod.default ?? mod;
  if (typeof binding.initializeClient !== 'function') throw new Error(`${name} exports no initializeClient`);
  return binding;
}

/**
 * The library's message without its boilerplate: "Unspecified GSS failure.  Minor code may provide
 * more information: No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_1000)" → the
 * part after the colon.
 */
export function gssReason(err: unknown): string {
  const text = firstLine(err);
  const m = /Minor code may provide more information:\s*(.*)$/i.exec(text);
  return (m?.[1]?.trim() || text).slice(0, 300);
}

/**
 * SPNEGO hides krb5's own reason for an empty cache behind "No credentials were supplied, or the
 * credentials were unavailable or inaccessible: SPNEGO cannot find mechanisms to negotiate"; such a
 * message is prefixed with what it means for a ticket-cache login, naming the cache (`cache`: KRB5CCNAME).
 */
const NO_CREDENTIALS = /No credentials were supplied|cannot find mechanisms to negotiate|No Kerberos credentials available/i;

function credentialsError(err: unknown, service: string, principal: string | undefined, cache?: string): KerberosCredentialsError {
  const detail = gssReason(err);
  const who = principal !== undefined ? ` as ${principal}` : '';
  const what =
    principal === undefined && NO_CREDENTIALS.test(detail)
      ? `no valid ticket in ${cache ? `the credential cache ${cache}` : 'the default credential cache'} (GSSAPI: ${detail})`
      : detail;
  return new KerberosCredentialsError(
    `Kerberos: no usable credentials${who} for ${service}: ${what}`,
    { ...(principal !== undefined ? { principal } : {}), detail },
    { cause: err },
  );
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0]!.trim();
}
