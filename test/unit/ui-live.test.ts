import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToAm, liveHandler } from '../../client/ui-live.js';
import { documentHandler, LocalUiServer } from '../../client/ui-server.js';
import { stamp } from '../../protocols/event-log/index.js';
import { UI_SERVED_BY_HEADER, UiModel, type UiResponse } from '../../protocols/web-ui/index.js';

const APP = 'application_1700000000000_0001';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const page = (body: string, status = 200): UiResponse => ({ status, type: 'text/html; charset=utf-8', body });

describe('spindle ui, live: forwarding to the AM through the proxy', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it("returns the AM's answers (marked by its header), status and type kept, with the path and query appended", async () => {
    const seen: string[] = [];
    const s = await listen((req, res) => {
      seen.push(`${req.url} ${req.headers.accept}`);
      res.writeHead(req.url!.includes('nope') ? 404 : 200, { 'content-type': 'application/json', [UI_SERVED_BY_HEADER]: '1' });
      res.end('{"version":3}');
    });
    server = s.server;
    const proxy = `${s.base}/proxy/${APP}/`;
    const got = await forwardToAm(proxy, new URL('http://x/api/model?tasks=0'), 'application/json');
    expect(got).to.deep.equal({ status: 200, type: 'application/json', body: '{"version":3}' });
    const missing = await forwardToAm(proxy, new URL('http://x/nope'), 'text/html');
    expect(missing?.status).to.equal(404);
    expect(seen).to.deep.equal([`/proxy/${APP}/api/model?tasks=0 application/json`, `/proxy/${APP}/nope text/html`]);
  });

  it("takes the proxy's own answers (a redirect, its notice page) and a refused connection as the AM being gone", async () => {
    const s = await listen((req, res) => {
      if (req.url!.endsWith('/')) res.writeHead(302, { location: '/cluster/app/x' });
      else res.writeHead(200, { 'content-type': 'text/html' });
      res.end('the proxy speaking');
    });
    server = s.server;
    expect(await forwardToAm(`${s.base}/proxy/${APP}/`, new URL('http://x/'), 'text/html')).to.equal(undefined);
    expect(await forwardToAm(`${s.base}/proxy/${APP}/`, new URL('http://x/stages'), 'text/html')).to.equal(undefined);
    const closed = s.base;
    await new Promise<void>((r) => s.server.close(() => r()));
    server = undefined;
    expect(await forwardToAm(`${closed}/proxy/${APP}/`, new URL('http://x/'), 'text/html')).to.equal(undefined);
  });
});

describe('spindle ui, live: from the AM, then from the event log', () => {
  it('serves the AM while it answers, a 503 while it does not and the application runs, then the log once it ended', async () => {
    let amUp = true;
    let ended = false;
    let logsMade = 0;
    let switches = 0;
    const forwarded: string[] = [];
    const handler = liveHandler({
      trackingUrl: 'http://rm/proxy/app/',
      forward: async (_t, url) => {
        forwarded.push(url.pathname);
        return amUp ? page(`live ${url.pathname}`) : undefined;
      },
      ended: async () => ended,
      fromLog: async () => {
        logsMade++;
        return async (url) => page(`log ${url.pathname}`);
      },
      unavailable: (url) => page(`wait ${url.pathname}`, 503),
      onSwitch: () => switches++,
    });
    const get = (p: string) => handler(new URL(p, 'http://127.0.0.1'), 'text/html');
    expect((await get('/stages')).body).to.equal('live /stages');
    amUp = false;
    expect(await get('/jobs')).to.deep.include({ status: 503, body: 'wait /jobs' });
    amUp = true;
    expect((await get('/jobs')).body).to.equal('live /jobs');
    amUp = false;
    ended = true;
    // Requests racing at the switch make one log document.
    const [a, b] = await Promise.all([get('/'), get('/dag')]);
    expect([a.body, b.body]).to.deep.equal(['log /', 'log /dag']);
    forwarded.length = 0;
    expect((await get('/executors')).body).to.equal('log /executors');
    expect(forwarded, 'asked the AM after the switch').to.deep.equal([]);
    expect({ logsMade, switches }).to.deep.equal({ logsMade: 1, switches: 1 });
  });

  it('serves it all over 127.0.0.1 through LocalUiServer, with the AM-style pages of a document', async () => {
    const model = new UiModel(APP);
    model.apply([stamp({ type: 'AppStart', appId: APP, user: 'alice' }, 1_700_000_000_000)]);
    const doc = model.document({ source: 'history' });
    const ui = new LocalUiServer(documentHandler(() => ({ ...doc, now: Date.now() })));
    const port = await ui.start();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).to.equal(200);
      expect(await res.text())
        .to.include(APP)
        .and.include('from the event log');
      const missing = await fetch(`http://127.0.0.1:${port}/nothing-here`);
      expect(missing.status).to.equal(404);
      const posted = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' });
      expect(posted.status).to.equal(405);
    } finally {
      await ui.close();
    }
  });
});
