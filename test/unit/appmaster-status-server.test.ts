import { expect } from 'chai';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AmStatus } from '../../protocols/am-status/index.js';
import {
  PROXY_ADDRESSES_TTL_MS,
  STATUS_MAX_CONNECTIONS,
  STATUS_REQUEST_TIMEOUT_MS,
  StatusServer,
  type StatusServerOptions,
} from '../../appmaster/status-server.js';
import { UiModel } from '../../protocols/web-ui/index.js';

const STATUS: AmStatus = { appId: 'application_1_0001', name: 'x', state: 'running', timeline: { amStarted: 1 }, events: [], launched: [] };

interface Answer {
  status: number;
  location?: string;
  body: string;
}

/** A request to the server from `from` (any 127.x.y.z address is this machine's loopback). */
function call(port: number, from: string, method = 'GET', path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, localAddress: from }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('AM status server (AmIpFilter rules)', () => {
  const servers: StatusServer[] = [];
  const start = async (options: StatusServerOptions): Promise<number> => {
    const s = new StatusServer(() => STATUS, options);
    servers.push(s);
    return s.start();
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const proxied = { proxies: ['http://proxy.example:8088'], proxyBase: '/proxy/application_1_0001' };

  it('answers the proxy with the status document, GET and HEAD only', async () => {
    const port = await start({ ...proxied, resolve: async () => ['127.0.0.1'] });
    const got = await call(port, '127.0.0.1');
    expect(got.status).to.equal(200);
    expect(JSON.parse(got.body)).to.deep.equal(STATUS);
    expect((await call(port, '127.0.0.1', 'HEAD')).body).to.equal('');
    const post = await call(port, '127.0.0.1', 'POST');
    expect(post.status).to.equal(405);
    expect(post.body).to.equal('');
  });

  it('redirects anyone else to the same path behind the proxy, telling nothing', async () => {
    const port = await start({ ...proxied, resolve: async () => ['127.0.0.1'] });
    const got = await call(port, '127.0.0.2', 'GET', '/?x=1');
    expect(got.status).to.equal(302);
    expect(got.location).to.equal('http://proxy.example:8088/proxy/redirect/application_1_0001/?x=1');
    expect(got.body).to.equal('');
    expect((await call(port, '127.0.0.2', 'POST')).status).to.equal(302);
  });

  it('serves nobody directly when the proxy host does not resolve', async () => {
    const port = await start({ ...proxied, resolve: async () => Promise.reject(new Error('ENOTFOUND')) });
    expect((await call(port, '127.0.0.1')).status).to.equal(302);
  });

  it('looks the proxy up again after a while, following a proxy that moved', async () => {
    let now = 0;
    let at = '127.0.0.3';
    const port = await start({ ...proxied, resolve: async () => [at], now: () => now });
    expect((await call(port, '127.0.0.3')).status).to.equal(200);
    at = '127.0.0.4';
    expect((await call(port, '127.0.0.4')).status).to.equal(302);
    now += PROXY_ADDRESSES_TTL_MS + 1;
    expect((await call(port, '127.0.0.4')).status).to.equal(200);
    expect((await call(port, '127.0.0.3')).status).to.equal(302);
  });

  it('answers everyone when the spec names no proxy (an older client)', async () => {
    const port = await start({ proxies: [], proxyBase: '/proxy/application_1_0001' });
    expect((await call(port, '127.0.0.2')).status).to.equal(200);
  });

  it('with the web UI: a browser gets pages, spindle status (application/json) and /api/status the status document', async () => {
    const model = new UiModel(STATUS.appId);
    const port = await start({ ...proxied, resolve: async () => ['127.0.0.1'], ui: () => model.document({ source: 'live' }) });
    const get = (path: string, accept?: string): Promise<{ status: number; type: string; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, headers: accept ? { accept } : {} }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
        });
        req.on('error', reject);
        req.end();
      });
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const overview = await get('/', browser);
    expect(overview.type).to.match(/^text\/html/);
    expect(overview.body).to.include(STATUS.appId);
    expect(JSON.parse((await get('/', 'application/json')).body)).to.deep.equal(STATUS);
    expect(JSON.parse((await get('/')).body)).to.deep.equal(STATUS);
    expect(JSON.parse((await get('/api/status', browser)).body)).to.deep.equal(STATUS);
    expect((await get('/stages', browser)).status).to.equal(200);
    expect(JSON.parse((await get('/api/model')).body)).to.deep.include({ events: 0 });
    expect((await get('/nope', browser)).status).to.equal(404);
  });

  describe('unauthenticated connections are bounded in count and time', () => {
    /** A raw TCP connection; resolves once it is open. */
    const open = (port: number): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.on('error', reject);
      });
    /** Resolves with the ms until the server closes `s` (read, so that its end is seen). */
    const closed = (s: Socket): Promise<number> => {
      const t0 = performance.now();
      s.resume();
      return new Promise((resolve) => s.once('close', () => resolve(performance.now() - t0)));
    };

    it(`has named defaults: ${STATUS_MAX_CONNECTIONS} connections, ${STATUS_REQUEST_TIMEOUT_MS} ms per request`, () => {
      expect(STATUS_MAX_CONNECTIONS).to.be.within(1, 1024);
      expect(STATUS_REQUEST_TIMEOUT_MS).to.be.within(1000, 60_000);
    });

    it('closes a connection that sends nothing, and one that trickles its headers, after the request timeout', async () => {
      const port = await start({ proxies: [], requestTimeoutMs: 300 });
      const silent = await open(port);
      const slow = await open(port);
      slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
      const [silentMs, slowMs] = await Promise.all([closed(silent), closed(slow)]);
      // Node checks deadlines every interval (here the timeout itself), so a connection goes within two.
      expect(silentMs).to.be.lessThan(2000);
      expect(slowMs).to.be.lessThan(2000);
    });

    it('closes connections beyond the maximum as they arrive, and serves again once they are gone', async () => {
      const port = await start({ proxies: [], maxConnections: 3 });
      const held = await Promise.all([open(port), open(port), open(port)]);
      const extra = await open(port);
      let answer = '';
      extra.on('data', (d: Buffer) => {
        answer += d.toString('latin1');
      });
      extra.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed(extra);
      expect(answer).to.equal('');
      for (const s of held) s.destroy();
      await Promise.all(held.map(closed));
      // The server counts a connection gone once its own side has closed: retry until it has.
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++)
        status = await call(port, '127.0.0.1').then(
          (a) => a.status,
          () => 0,
        );
      expect(status).to.equal(200);
    });
  });
});
