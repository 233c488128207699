import { expect } from 'chai';
import { ContainerCredentials } from '../../appmaster/container-credentials.js';
import { MIN_ROUND_MS, TokenRenewal, type TokenIssuer } from '../../appmaster/token-renewal.js';
import { gssapiAddonToShip } from '../../client/delegation-tokens.js';
import {
  createCredentials,
  createToken,
  decodeTokenUrlString,
  encodeTokenUrlString,
  parseCredentials,
  selectToken,
  TokenKinds,
  type Token,
} from '../../protocols/credentials/index.js';
import { ConfigError } from '../../protocols/errors/index.js';

const SERVICE = '127.0.0.1:8020';

/** A token as WebHDFS hands it out: kind "WEBHDFS delegation", service the NameNode's. */
function issued(n: number): string {
  return encodeTokenUrlString(
    createToken({ identifier: Buffer.from([n, n, n]), password: Buffer.from(`pw-${n}`), kind: 'WEBHDFS delegation', service: 'nn:8020' }),
  );
}

/** A NameNode that issues token n on the n-th call and says each expires `validMs` after `now`. */
class FakeIssuer implements TokenIssuer {
  issuedCount = 0;
  renewers: string[] = [];
  renewed: string[] = [];
  cancelled: string[] = [];
  failNext = 0;

  constructor(
    private readonly clock: { t: number },
    private readonly validMs: number,
  ) {}

  async getDelegationToken(renewer: string): Promise<string> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the KDC is unreachable');
    }
    this.renewers.push(renewer);
    return issued(++this.issuedCount);
  }

  async renewDelegationToken(token: string): Promise<number> {
    this.renewed.push(token);
    return this.clock.t + this.validMs;
  }

  async cancelDelegationToken(token: string): Promise<void> {
    this.cancelled.push(token);
  }
}

/** Timers run by hand: `fire` runs the pending one after advancing the clock to it. */
function manualTimers(clock: { t: number }) {
  const pending: { at: number; fn: () => void }[] = [];
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      pending.push({ at: clock.t + ms, fn });
      return {};
    },
    clearTimer: () => {
      pending.length = 0;
    },
    async fire(): Promise<number> {
      const next = pending.shift();
      if (!next) throw new Error('no timer pending');
      const delay = next.at - clock.t;
      clock.t = next.at;
      next.fn();
      // Let the round's promises settle.
      for (let i = 0; i < 10; i++) await Promise.resolve();
      return delay;
    },
  };
}

function renewal(validMs = 60_000) {
  const clock = { t: 1_000_000 };
  const issuer = new FakeIssuer(clock, validMs);
  const timers = manualTimers(clock);
  const got: Token[] = [];
  const logs: string[] = [];
  const r = new TokenRenewal({
    issuer,
    principal: 'alice@EXAMPLE.COM',
    service: SERVICE,
    onToken: (t) => got.push(t),
    log: (m) => logs.push(m),
    now: () => clock.t,
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  return { r, clock, issuer, timers, got, logs };
}

describe('token renewal (AM with a keytab)', () => {
  it('obtains a token at once, as an HDFS_DELEGATION_TOKEN under the service, renewable by the principal itself', async () => {
    const { r, issuer, got, timers } = renewal();
    await r.start();
    expect(issuer.renewers).to.deep.equal(['alice@EXAMPLE.COM']);
    expect(got).to.have.length(1);
    expect(got[0]!.kind).to.equal(TokenKinds.HDFS_DELEGATION);
    expect(got[0]!.service).to.equal(SERVICE);
    const original = decodeTokenUrlString(issued(1));
    expect(got[0]!.identifier).to.deep.equal(original.identifier);
    expect(got[0]!.password).to.deep.equal(original.password);
    // Renewed once, to learn the expiry; the next round at 3/4 of the validity.
    expect(issuer.renewed).to.have.length(1);
    expect(timers.pending).to.have.length(1);
    expect(await timers.fire()).to.equal(45_000);
    expect(got).to.have.length(2);
  });

  it('cancels the token of two rounds ago, and the ones it holds when stopped', async () => {
    const { r, issuer, timers, got } = renewal();
    await r.start();
    await timers.fire();
    expect(issuer.cancelled).to.deep.equal([]);
    await timers.fire();
    expect(issuer.cancelled).to.deep.equal([encodeTokenUrlString(got[0]!)]);
    await r.stop();
    expect(issuer.cancelled).to.deep.equal(got.map((t) => encodeTokenUrlString(t)));
    expect(timers.pending).to.have.length(0);
  });

  it('a failed round is tried again within the current token validity, and logged without the token', async () => {
    const { r, issuer, timers, got, logs } = renewal();
    await r.start();
    await timers.fire(); // round 2 at +45 s: valid until +105 s
    issuer.failNext = 1;
    await timers.fire(); // round 3 fails at +90 s: 15 s left
    expect(got).to.have.length(2);
    expect(logs.at(-1)).to.match(/could not obtain a fresh HDFS delegation token \(the current one expires in 15 s; trying again in 5 s\)/);
    for (const t of got) expect(logs.join('\n')).not.to.include(encodeTokenUrlString(t));
    expect(await timers.fire()).to.equal(MIN_ROUND_MS);
    expect(got).to.have.length(3);
  });

  it('a first round that fails is the caller’s error (the AM fails the application at once)', async () => {
    const { r, issuer } = renewal();
    issuer.failNext = 1;
    let err: unknown;
    await r.start().catch((e: unknown) => {
      err = e;
    });
    expect(err).to.be.an('error');
  });
});

describe('container credentials', () => {
  const submitted = createToken({
    identifier: Buffer.from('sub'),
    password: Buffer.from('pw'),
    kind: TokenKinds.HDFS_DELEGATION,
    service: SERVICE,
  });
  const other = createToken({ identifier: Buffer.from('x'), password: Buffer.from('y'), kind: 'OTHER', service: 'z' });

  it('replaces the HDFS delegation token, keeps other tokens and the secrets, and tells subscribers', () => {
    const cc = new ContainerCredentials(
      createCredentials(
        [
          [SERVICE, submitted],
          ['z', other],
        ],
        [['app-secret', Buffer.from('s3cret')]],
      ),
    );
    expect(cc.current()).to.equal(encodeTokenUrlString(submitted));
    expect(cc.hdfsService()).to.equal(SERVICE);
    let told = 0;
    cc.subscribe(() => told++);
    const fresh = createToken({
      identifier: Buffer.from('new'),
      password: Buffer.from('pw2'),
      kind: TokenKinds.HDFS_DELEGATION,
      service: SERVICE,
    });
    cc.replaceHdfsToken(fresh);
    expect(told).to.equal(1);
    expect(cc.current()).to.equal(encodeTokenUrlString(fresh));
    const creds = parseCredentials(cc.containerTokens());
    expect([...creds.tokens.values()].filter((t) => t.kind === TokenKinds.HDFS_DELEGATION)).to.have.length(1);
    expect(selectToken(creds, TokenKinds.HDFS_DELEGATION)!.identifier.toString()).to.equal('new');
    expect(selectToken(creds, 'OTHER')).to.not.equal(undefined);
    expect(creds.secrets.get('app-secret')!.toString()).to.equal('s3cret');
  });

  it('has no HDFS token on a cluster with simple authentication', () => {
    const cc = new ContainerCredentials(createCredentials([], [['app-secret', Buffer.from('s')]]));
    expect(cc.current()).to.equal(undefined);
    expect(cc.hdfsService()).to.equal(undefined);
  });
});

describe('shipping the GSSAPI binding with a keytab', () => {
  it('refuses a machine that is not Linux, naming the way out', () => {
    expect(() => gssapiAddonToShip('darwin', () => '/x/kerberos.node'))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/only on Linux nodes.*leave out --keytab/);
  });

  it('says how to install the binding when it is missing', () => {
    expect(() => gssapiAddonToShip('linux', () => undefined))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/npm install kerberos/);
  });

  it('finds the installed binding here', () => {
    expect(gssapiAddonToShip('linux')).to.match(/kerberos\.node$/);
  });
});
