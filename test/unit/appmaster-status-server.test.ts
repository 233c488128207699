import { expect } from 'chai';
import { request } from 'node:http';
import type { AmStatus } from '../../protocols/am-status/index.js';
import { PROXY_ADDRESSES_TTL_MS, StatusServer, type StatusServerOptions } from '../../appmaster/status-server.js';

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
});
