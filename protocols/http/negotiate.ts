/**
 * HTTP Negotiate (SPNEGO, RFC 4559) as Hadoop's web servers speak it (AuthenticationFilter with the
 * Kerberos handler: RM REST, NameNode WebHDFS, NodeManager web services):
 *
 *   client                                        server
 *   GET /ws/v1/cluster/apps                  →
 *                                            ←   401  WWW-Authenticate: Negotiate
 *                                                     Set-Cookie: hadoop.auth=; Path=/; HttpOnly
 *   GET …  Authorization: Negotiate <base64 GSSAPI token for HTTP@<host>>  →
 *                                            ←   200  WWW-Authenticate: Negotiate <base64 mutual-auth token>
 *                                                     Set-Cookie: hadoop.auth="u=…&p=…&t=kerberos&e=<expiry ms>&s=<hmac>"; Path=/
 *   GET …  Cookie: hadoop.auth="u=…"         →   (accepted until `e`; then 401 again)
 *
 * The cookie is kept per origin (scheme, host and port): each daemon may sign cookies with its own
 * secret. A Negotiate token is never reused (the server rejects a replay with 403), so every
 * handshake asks the token source for a fresh one. The server's mutual-authentication token is not
 * checked: the answer arrives over the same connection either way, and Hadoop's own client does not
 * require it. Tokens and cookies are secrets: they are never logged nor put into errors.
 */

/**
 * Where GSSAPI (SPNEGO) initial tokens come from: the Kerberos binding in production, a fake in tests.
 * Wire types and native modules stop behind this interface.
 */
export interface NegotiateTokenSource {
  /**
   * A fresh initial context token (base64) for the service `HTTP@<host>`. Rejects (with an
   * AuthenticationError) when there are no usable credentials: no ticket, an expired one, no binding.
   */
  initialToken(host: string): Promise<string>;
}

/** The name of the cookie Hadoop's AuthenticationFilter sets. */
export const HADOOP_AUTH_COOKIE = 'hadoop.auth';

interface KeptCookie {
  /** The value exactly as set (quoted), sent back verbatim. */
  readonly value: string;
  /** Wall-clock ms after which the server no longer accepts it (its `e=` field); Infinity if unknown. */
  readonly expiresAt: number;
}

/** Options of an {@link HttpNegotiator}. */
export interface NegotiatorOptions {
  /** The token source. */
  source: NegotiateTokenSource;
  /** Wall-clock ms (the cookie's `e=` is wall-clock). Default Date.now. */
  now?: () => number;
}

/**
 * One client's SPNEGO state: the `hadoop.auth` cookie of each origin, and fresh tokens on demand.
 * Used by the transport's `exchange()`: send the cookie when there is a live one; on a Negotiate
 * challenge, retry once with a token; remember what the server sets.
 */
export class HttpNegotiator {
  readonly #source: NegotiateTokenSource;
  readonly #now: () => number;
  readonly #cookies = new Map<string, KeptCookie>();

  constructor(options: NegotiatorOptions) {
    this.#source = options.source;
    this.#now = options.now ?? Date.now;
  }

  /** The Cookie header for a request to `url`, when a cookie of its origin is still valid. */
  cookieHeaders(url: URL): Record<string, string> {
    const kept = this.#cookies.get(url.origin);
    if (!kept) return {};
    if (kept.expiresAt <= this.#now()) {
      this.#cookies.delete(url.origin);
      return {};
    }
    return { cookie: `${HADOOP_AUTH_COOKIE}=${kept.value}` };
  }

  /** The Authorization header of a new handshake with the server of `url` (a fresh token each time). */
  async authorizationHeaders(url: URL): Promise<Record<string, string>> {
    return { authorization: `Negotiate ${await this.#source.initialToken(url.hostname)}` };
  }

  /**
   * Take note of an answer from `url`: keep a `hadoop.auth` cookie it sets, forget the origin's cookie
   * when it sets an empty one (the filter does so with every 401).
   */
  remember(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const value = authCookieValue(header);
      if (value === undefined) continue;
      if (value === '' || value === '""') this.#cookies.delete(url.origin);
      else this.#cookies.set(url.origin, { value, expiresAt: cookieExpiry(value) });
    }
  }

  /** Forget the cookie of `url`'s origin (the server refused it). */
  forget(url: URL): void {
    this.#cookies.delete(url.origin);
  }
}

/** Whether an answer is a Negotiate challenge: 401 with `WWW-Authenticate: Negotiate` (alone or among others). */
export function isNegotiateChallenge(status: number, wwwAuthenticate: string | undefined): boolean {
  if (status !== 401 || wwwAuthenticate === undefined) return false;
  return wwwAuthenticate.split(',').some((scheme) => /^negotiate(\s|$)/i.test(scheme.trim()));
}

/** The value of a `hadoop.auth` Set-Cookie header (quotes kept), or undefined for any other cookie. */
export function authCookieValue(setCookie: string): string | undefined {
  const pair = setCookie.split(';', 1)[0]!.trim();
  const eq = pair.indexOf('=');
  if (eq < 0 || pair.slice(0, eq).trim() !== HADOOP_AUTH_COOKIE) return undefined;
  return pair.slice(eq + 1).trim();
}

/**
 * The expiry (ms) in a hadoop.auth value, `"u=alice&p=alice@REALM&t=kerberos&e=1700000000000&s=…"`
 * (AuthToken's fields); Infinity when it names none (the server then re-challenges when it is stale).
 */
export function cookieExpiry(value: string): number {
  const fields = value.replace(/^"|"$/g, '').split('&');
  for (const f of fields) {
    if (!f.startsWith('e=')) continue;
    const ms = Number(f.slice(2));
    return Number.isFinite(ms) && ms > 0 ? ms : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
