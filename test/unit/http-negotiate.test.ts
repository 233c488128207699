/**
 * SPNEGO in the shared HTTP layer and the WebHDFS client, against in-process fakes of Hadoop's
 * AuthenticationFilter (401 + Negotiate, a replayed token refused, the hadoop.auth cookie) with a
 * fake token source: no Kerberos here, only the HTTP side of the exchange.
 */
import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationError } from '../../protocols/errors/index.js';
import {
  authCookieValue,
  cookieExpiry,
  exchange,
  HttpNegotiator,
  isNegotiateChallenge,
  type NegotiateTokenSource,
  plainWords,
  type HttpRequest,
} from '../../protocols/http/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { fakeServer, sendJson, sendRemoteException, wireStatus, type FakeServer } from './webhdfs-fake-server.js';

/** Tokens "tok-1", "tok-2", ... and the hosts they were asked for. */
class FakeTokens implements NegotiateTokenSource {
  readonly hosts: string[] = [];
  failWith: Error | undefined;

  async initialToken(host: string): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.hosts.push(host);
    return `tok-${this.hosts.length}`;
  }
}

/** A fake of Hadoop's AuthenticationFilter in front of `inner`; cookies carry `e=<expiresAt>`. */
class FakeFilter {
  readonly seenTokens = new Set<string>();
  /** Authorization and Cookie headers of each request, in order. */
  readonly auth: { authorization?: string; cookie?: string; method?: string; body: string }[] = [];
  /** Cookies the server still accepts (the server may forget one, as after a restart with a new secret). */
  readonly valid = new Set<string>();
  expiresAt = 10_000;
  cookieSerial = 0;

  constructor(private readonly inner: (req: IncomingMessage, res: ServerResponse, url: URL) => void) {}

  handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const authorization = req.headers.authorization;
    const cookie = req.headers.cookie;
    this.auth.push({ ...(authorization ? { authorization } : {}), ...(cookie ? { cookie } : {}), method: req.method, body });
    const value = cookie?.startsWith('hadoop.auth=') ? cookie.slice('hadoop.auth='.length) : undefined;
    if (value !== undefined && this.valid.has(value)) return this.inner(req, res, url);
    const token = /^Negotiate (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) {
      res.writeHead(401, { 'WWW-Authenticate': 'Negotiate', 'Set-Cookie': 'hadoop.auth=; Path=/; HttpOnly' });
      res.end('Authentication required');
      return;
    }
    if (this.seenTokens.has(token)) {
      res.writeHead(403);
      res.end('GSSException: Request is a replay (34)');
      return;
    }
    this.seenTokens.add(token);
    const issued = `"u=alice&p=alice@EXAMPLE.COM&t=kerberos&e=${this.expiresAt}&s=sig${++this.cookieSerial}"`;
    this.valid.add(issued);
    res.setHeader('WWW-Authenticate', 'Negotiate bXV0dWFs');
    res.setHeader('Set-Cookie', [`hadoop.auth=${issued}; Path=/; HttpOnly`, 'other=1; Path=/']);
    this.inner(req, res, url);
  };
}

const ok = (_req: IncomingMessage, res: ServerResponse): void => sendJson(res, 200, { ok: true });

describe('protocols/http: SPNEGO (HTTP Negotiate)', () => {
  let servers: FakeServer[] = [];
  let clock = 0;
  const now = (): number => clock;

  async function serve(filter: FakeFilter): Promise<FakeServer> {
    const s = await fakeServer(filter.handle);
    servers.push(s);
    return s;
  }

  function get(url: string, negotiator?: HttpNegotiator, extra: Partial<HttpRequest> = {}) {
    const request: HttpRequest = { method: 'GET', url, headers: {}, timeoutMs: 5_000, ...extra };
    return exchange(request, { words: plainWords(request), ...(negotiator ? { negotiator } : {}) });
  }

  beforeEach(() => {
    clock = 0;
  });

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('answers a Negotiate challenge with one fresh token for HTTP@<host of the URL>, then uses the cookie', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const tokens = new FakeTokens();
    const negotiator = new HttpNegotiator({ source: tokens, now });
    const first = await get(`${s.url}/ws/v1/cluster/info`, negotiator);
    expect(first.status).to.equal(200);
    expect(tokens.hosts).to.deep.equal(['127.0.0.1']);
    expect(filter.auth.map((a) => a.authorization)).to.deep.equal([undefined, 'Negotiate tok-1']);
    const second = await get(`${s.url}/ws/v1/cluster/apps`, negotiator);
    expect(second.status).to.equal(200);
    expect(tokens.hosts).to.have.length(1, 'a valid cookie must spare a second handshake');
    expect(filter.auth[2]).to.deep.include({ cookie: 'hadoop.auth="u=alice&p=alice@EXAMPLE.COM&t=kerberos&e=10000&s=sig1"' });
    expect(filter.auth[2]!.authorization).to.equal(undefined);
  });

  it('re-sends a POST body with the token', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const negotiator = new HttpNegotiator({ source: new FakeTokens(), now });
    const res = await get(`${s.url}/ws/v1/cluster/apps`, negotiator, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'x' } });
    expect(res.status).to.equal(200);
    expect(filter.auth.map((a) => [a.method, a.body])).to.deep.equal([
      ['POST', '{"a":1}'],
      ['POST', '{"a":1}'],
    ]);
  });

  it('drops a cookie past its expiry (e=) and negotiates again with a new token', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const tokens = new FakeTokens();
    const negotiator = new HttpNegotiator({ source: tokens, now });
    await get(`${s.url}/a`, negotiator);
    clock = 10_000;
    filter.expiresAt = 20_000;
    expect((await get(`${s.url}/b`, negotiator)).status).to.equal(200);
    // The stale cookie is not even sent: straight to a challenge, then a fresh token (never a replay).
    expect(filter.auth.slice(2).map((a) => [a.cookie, a.authorization])).to.deep.equal([
      [undefined, undefined],
      [undefined, 'Negotiate tok-2'],
    ]);
  });

  it('negotiates again when the server no longer accepts its cookie', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const tokens = new FakeTokens();
    const negotiator = new HttpNegotiator({ source: tokens, now });
    await get(`${s.url}/a`, negotiator);
    filter.valid.clear();
    expect((await get(`${s.url}/b`, negotiator)).status).to.equal(200);
    expect(tokens.hosts).to.have.length(2);
    expect(filter.auth[2]!.cookie).to.match(/^hadoop\.auth=/);
    expect(filter.auth[3]!.authorization).to.equal('Negotiate tok-2');
  });

  it('keeps cookies per origin: a second server (another port) gets its own handshake, not the first one’s cookie', async () => {
    const a = new FakeFilter(ok);
    const b = new FakeFilter(ok);
    const sa = await serve(a);
    const sb = await serve(b);
    const tokens = new FakeTokens();
    const negotiator = new HttpNegotiator({ source: tokens, now });
    await get(`${sa.url}/x`, negotiator);
    await get(`${sb.url}/x`, negotiator);
    expect(b.auth[0]!.cookie).to.equal(undefined);
    expect(b.auth[1]!.authorization).to.equal('Negotiate tok-2');
  });

  it('rejects with the token source’s error when there are no credentials, and sends nothing more', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const tokens = new FakeTokens();
    tokens.failWith = new AuthenticationError('Kerberos: no usable credentials for HTTP@127.0.0.1: No Kerberos credentials available');
    const err = await get(`${s.url}/x`, new HttpNegotiator({ source: tokens, now })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.equal(tokens.failWith);
    expect(filter.auth).to.have.length(1);
  });

  it('returns a server’s refusal of the token as an answer (the client words it)', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    filter.seenTokens.add('tok-1');
    const res = await get(`${s.url}/x`, new HttpNegotiator({ source: new FakeTokens(), now }));
    expect(res.status).to.equal(403);
    expect(res.body.toString()).to.match(/replay/);
  });

  it('without a negotiator a 401 is an answer, and no header is added', async () => {
    const filter = new FakeFilter(ok);
    const s = await serve(filter);
    const res = await get(`${s.url}/x`);
    expect(res.status).to.equal(401);
    expect(filter.auth).to.deep.equal([{ method: 'GET', body: '' }]);
  });

  it('recognises challenges and reads the hadoop.auth cookie', () => {
    expect(isNegotiateChallenge(401, 'Negotiate')).to.equal(true);
    expect(isNegotiateChallenge(401, 'Basic realm="x", negotiate')).to.equal(true);
    expect(isNegotiateChallenge(401, 'Basic realm="x"')).to.equal(false);
    expect(isNegotiateChallenge(403, 'Negotiate')).to.equal(false);
    expect(isNegotiateChallenge(401, undefined)).to.equal(false);
    expect(authCookieValue('hadoop.auth="u=a&e=5&s=x=="; Path=/; HttpOnly')).to.equal('"u=a&e=5&s=x=="');
    expect(authCookieValue('hadoop.auth=; Path=/')).to.equal('');
    expect(authCookieValue('JSESSIONID=1; Path=/')).to.equal(undefined);
    expect(cookieExpiry('"u=a&p=a@R&t=kerberos&e=1700000000000&s=abc"')).to.equal(1_700_000_000_000);
    expect(cookieExpiry('"u=a&s=abc"')).to.equal(Number.POSITIVE_INFINITY);
  });
});

describe('protocols/webhdfs on a Kerberized cluster (fake NameNode and DataNode)', () => {
  let nn: FakeServer | undefined;
  let dn: FakeServer | undefined;
  let client: WebHdfsClient | undefined;

  afterEach(async () => {
    client?.close();
    await nn?.close();
    await dn?.close();
  });

  it('negotiates with the NameNode only; the DataNode legs get the delegation URL and no Authorization or Cookie', async () => {
    const dnHeaders: { authorization?: string; cookie?: string; query: string }[] = [];
    let stored = Buffer.alloc(0);
    dn = await fakeServer(async (req, res, url) => {
      dnHeaders.push({
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
        query: url.search,
      });
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        stored = Buffer.concat(chunks);
        res.writeHead(201, { Location: `hdfs://nn${url.pathname}` });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(stored);
    });
    const dnUrl = dn.url;
    const filter = new FakeFilter((_req, res, url) => {
      const op = url.searchParams.get('op');
      if (op === 'CREATE' || op === 'OPEN') {
        const path = url.pathname.slice('/webhdfs/v1'.length);
        sendJson(res, 200, { Location: `${dnUrl}/webhdfs/v1${path}?op=${op}&delegation=DT&namenoderpcaddress=localhost:8020` });
        return;
      }
      if (stored.length === 0) sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'File does not exist');
      else sendJson(res, 200, { FileStatus: wireStatus('', 'FILE', stored.length) });
    });
    filter.expiresAt = Date.now() + 60_000;
    nn = await fakeServer(filter.handle);
    const tokens = new FakeTokens();
    client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice', negotiator: new HttpNegotiator({ source: tokens }) });
    await client.create('/user/alice/f', Buffer.from('hello'));
    const chunks: Buffer[] = [];
    for await (const c of await client.open('/user/alice/f')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).to.equal('hello');
    expect((await client.getFileStatus('/user/alice/f')).length).to.equal(5);
    expect(dnHeaders).to.have.length(2);
    for (const h of dnHeaders) {
      expect(h.authorization, 'Authorization to a DataNode').to.equal(undefined);
      expect(h.cookie, 'Cookie to a DataNode').to.equal(undefined);
      expect(h.query).to.include('delegation=DT');
    }
    // One handshake for the whole session; the NameNode never sees user.name (the ticket says who we are).
    expect(tokens.hosts).to.deep.equal(['127.0.0.1']);
    for (const u of nn.requests) expect(u.searchParams.has('user.name'), u.search).to.equal(false);
  });
});
