import { createToken, decodeTokenUrlString, encodeTokenUrlString, TokenKinds, type Token } from '../protocols/credentials/index.js';
import { errorMessage } from '../protocols/errors/index.js';

/**
 * Fresh HDFS delegation tokens for a long application, obtained with the keytab the client shipped
 * (--principal/--keytab), as Spark's AM does. The submitted token is renewed by the RM, but only until
 * its maximum lifetime (dfs.namenode.delegation.token.max-lifetime, 7 days by default); tokens obtained
 * here start a lifetime of their own.
 *
 * Each round obtains a token naming our own principal as renewer, renews it once to learn when it
 * expires (the NameNode's renew interval, capped by the maximum lifetime), hands it on, and schedules
 * the next round at RENEWAL_RATIO of the time left, so holders always have one with a quarter of its
 * interval to spare. Nobody renews these tokens again: the next round replaces them. The token of two
 * rounds ago is cancelled (the last one may still be in flight in some executor's request).
 */

/** Fraction of a token's remaining validity after which the next one is obtained (Spark: 0.75). */
export const RENEWAL_RATIO = 0.75;
/** A round that failed is tried again after this fraction of the time the current token has left. */
export const RETRY_RATIO = 0.1;
/** Never sooner than this between rounds (a clock far off, or a tiny renew interval). */
export const MIN_ROUND_MS = 5_000;

/** The WebHDFS calls a round makes, authenticated by the keytab's Kerberos login (SPNEGO). */
export interface TokenIssuer {
  getDelegationToken(renewer: string): Promise<string>;
  renewDelegationToken(token: string): Promise<number>;
  cancelDelegationToken(token: string): Promise<void>;
}

export interface TokenRenewalOptions {
  issuer: TokenIssuer;
  /** The keytab's principal: renewer of the tokens obtained here. */
  principal: string;
  /** Service of the submitted token, given to each new one (what HDFS clients select tokens by). */
  service: string;
  /** Called with each new token; the caller hands it to the driver, executors and future containers. */
  onToken: (token: Token) => void;
  log: (message: string) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { unref?(): void };
  clearTimer?: (timer: unknown) => void;
}

export class TokenRenewal {
  private readonly now: () => number;
  private timer: unknown;
  private stopped = false;
  /** URL strings of the tokens of the last two rounds, newest last. */
  private readonly issued: string[] = [];
  /** Expiry of the newest token we hold (epoch ms); 0 before the first round. */
  private expiresAt = 0;

  constructor(private readonly options: TokenRenewalOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The first round, at once: a keytab the KDC refuses, or a NameNode that will not issue tokens to
   * the principal, fails the application now rather than when the submitted token runs out.
   */
  async start(): Promise<void> {
    const delay = await this.round();
    this.schedule(delay);
  }

  /** Stops the rounds and cancels the tokens obtained here (best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) (this.options.clearTimer ?? clearTimeout)(this.timer as NodeJS.Timeout);
    this.timer = undefined;
    await Promise.all(this.issued.splice(0).map((t) => this.options.issuer.cancelDelegationToken(t).catch(() => {})));
  }

  /** One round; resolves to the delay until the next. Throws only what the first round should fail on. */
  private async round(): Promise<number> {
    const { issuer, principal, service } = this.options;
    const urlString = await issuer.getDelegationToken(principal);
    const expiresAt = await issuer.renewDelegationToken(urlString);
    const issued = decodeTokenUrlString(urlString);
    const token = createToken({ identifier: issued.identifier, password: issued.password, kind: TokenKinds.HDFS_DELEGATION, service });
    this.expiresAt = expiresAt;
    this.issued.push(encodeTokenUrlString(token));
    if (this.issued.length > 2) {
      const old = this.issued.shift()!;
      void issuer.cancelDelegationToken(old).catch(() => {});
    }
    this.options.onToken(token);
    const left = expiresAt - this.now();
    const next = Math.max(MIN_ROUND_MS, Math.floor(left * RENEWAL_RATIO));
    this.options.log(
      `obtained a fresh HDFS delegation token as ${principal}: valid until ${new Date(expiresAt).toISOString()}, ` +
        `the next in ${Math.round(next / 1000)} s`,
    );
    return next;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const timer = (this.options.setTimer ?? setTimeout)(() => void this.again(), ms);
    timer.unref?.();
    this.timer = timer;
  }

  private async again(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    let delay: number;
    try {
      delay = await this.round();
    } catch (err) {
      const left = this.expiresAt - this.now();
      delay = Math.max(MIN_ROUND_MS, Math.floor(left * RETRY_RATIO));
      this.options.log(
        `could not obtain a fresh HDFS delegation token (the current one expires in ${Math.max(0, Math.round(left / 1000))} s; ` +
          `trying again in ${Math.round(delay / 1000)} s): ${errorMessage(err)}`,
      );
    }
    this.schedule(delay);
  }
}
