import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchAmStatus } from '../../client/am-status.js';
import { ProtocolError } from '../../protocols/errors/index.js';
import { HttpNegotiator } from '../../protocols/http/index.js';

/** A stand-in for the RM proxy: each path answers one way. */
function proxy(): Promise<{ server: Server; url: (path: string) => string }> {
  const server = createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ appId: 'application_1_0001', name: 'x', state: 'running', timeline: {}, events: [] }));
        return;
      case '/gone':
        res.writeHead(302, { location: 'http://rm/cluster/app/application_1_0001' });
        res.end();
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>application finished</html>');
        return;
      case '/secure':
        // A Kerberized RM's proxy: SPNEGO first.
        if (req.headers.authorization !== 'Negotiate c3BuZWdv') {
          res.writeHead(401, { 'www-authenticate': 'Negotiate', 'content-type': 'text/html' });
          res.end('<html>Authentication required</html>');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ appId: 'application_1_0002', name: 'x', state: 'running', timeline: {}, events: [] }));
        return;
      case '/broken':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"state": "runn');
        return;
      default:
        // Silent: never answers.
        return;
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: (p) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${p}` })),
  );
}

describe('fetchAmStatus', () => {
  let p: Awaited<ReturnType<typeof proxy>>;
  before(async () => {
    p = await proxy();
  });
  after(() => {
    p.server.closeAllConnections();
    p.server.close();
  });

  it('reads the status the AM serves', async () => {
    const status = await fetchAmStatus(p.url('/ok'));
    expect(status?.state).to.equal('running');
    expect(status?.appId).to.equal('application_1_0001');
  });

  it('is undefined when the AM is gone: a redirect, an HTML page, a refused or silent connection', async () => {
    expect(await fetchAmStatus(p.url('/gone'))).to.equal(undefined);
    expect(await fetchAmStatus(p.url('/html'))).to.equal(undefined);
    expect(await fetchAmStatus(p.url('/silent'), 50)).to.equal(undefined);
    const closed = await proxy();
    const refused = closed.url('/ok');
    await new Promise((resolve) => closed.server.close(resolve));
    expect(await fetchAmStatus(refused)).to.equal(undefined);
  });

  it('negotiates with a Kerberized RM proxy when given a negotiator; without one the status is absent', async () => {
    const negotiator = new HttpNegotiator({ source: { initialToken: async () => 'c3BuZWdv' } });
    expect((await fetchAmStatus(p.url('/secure'), 1000, negotiator))?.appId).to.equal('application_1_0002');
    expect(await fetchAmStatus(p.url('/secure'))).to.equal(undefined);
  });

  it('reports a JSON answer that does not parse instead of hiding it', async () => {
    const err = await fetchAmStatus(p.url('/broken')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as Error).message).to.match(/AM status: the answer from http:\/\/127\.0\.0\.1:\d+ is not JSON/);
  });
});
