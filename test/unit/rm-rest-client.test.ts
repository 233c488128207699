import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  ConnectionError,
  InvalidRequestError,
  NotFoundError,
  ProtocolError,
  RemoteError,
  StandbyError,
  TimeoutError,
} from '../../protocols/errors/index.js';
import { RmRestClient, type HttpRequest, type HttpResponse, type RmRestOptions } from '../../protocols/rm-rest/index.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'rm-rest');
const real = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

const APP = 'application_1795528322392_0008';
const JSON_TYPE = { 'content-type': 'application/json;charset=utf-8' };

/** A clock whose sleeps return at once and move time forward. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

/** A transport answering from a handler and recording every request. */
function fakeTransport(handler: (req: HttpRequest, url: URL) => HttpResponse): {
  transport: (req: HttpRequest) => Promise<HttpResponse>;
  requests: HttpRequest[];
} {
  const requests: HttpRequest[] = [];
  return {
    requests,
    transport: async (req) => {
      requests.push(req);
      return handler(req, new URL(req.url));
    },
  };
}

const ok = (body: string, status = 200): HttpResponse => ({ status, headers: JSON_TYPE, body });

function client(extra: Partial<RmRestOptions> & Pick<RmRestOptions, 'transport'>): RmRestClient {
  const clock = fakeClock();
  return new RmRestClient({ rmUrls: ['http://rm1:8088'], sleep: clock.sleep, now: clock.now, random: () => 0.5, ...extra });
}

/** An HTTP server on a free loopback port. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback port nobody listens on. */
async function refusedUrl(): Promise<string> {
  const s = await serve(() => undefined);
  await s.close();
  return s.url;
}

describe('rm-rest client', () => {
  describe('options', () => {
    it('needs at least one RM address', () => {
      expect(() => new RmRestClient({ rmUrls: [] })).to.throw(ConfigError, /rmUrls/);
    });
    it('names the bad address field', () => {
      expect(() => new RmRestClient({ rmUrls: ['http://ok:8088', 'ftp://rm:21'] })).to.throw(ConfigError, /rmUrls\[1\]/);
      expect(() => new RmRestClient({ rmUrls: ['not a url'] })).to.throw(ConfigError, /rmUrls\[0\]/);
    });
    it('rejects bad timeouts and retry settings by name', () => {
      expect(() => new RmRestClient({ rmUrls: ['http://rm:8088'], requestTimeoutMs: 0 })).to.throw(ConfigError, /requestTimeoutMs/);
      expect(() => new RmRestClient({ rmUrls: ['http://rm:8088'], retry: { maxAttempts: 0 } })).to.throw(ConfigError, /retry\.maxAttempts/);
      expect(() => new RmRestClient({ rmUrls: ['http://rm:8088'], user: 'a b' })).to.throw(ConfigError, /user/);
    });
    it('strips trailing slashes', () => {
      expect(new RmRestClient({ rmUrls: ['http://rm:8088/'] }).activeRmUrl).to.equal('http://rm:8088');
    });
  });

  describe('requests', () => {
    it('sends user.name, accepts JSON and builds list filters', async () => {
      const fake = fakeTransport(() => ok(real('apps-single.json')));
      const apps = await client({ transport: fake.transport, user: 'alice' }).list({
        states: ['ACCEPTED', 'RUNNING'],
        applicationTypes: ['SPINDLE'],
        tags: ['job-1', 'x'],
        queue: 'default',
        user: 'bob',
        limit: 5,
      });
      expect(apps).to.have.length(1);
      const url = new URL(fake.requests[0]!.url);
      expect(url.pathname).to.equal('/ws/v1/cluster/apps');
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({
        states: 'ACCEPTED,RUNNING',
        user: 'bob',
        queue: 'default',
        limit: '5',
        applicationTypes: 'SPINDLE',
        applicationTags: 'job-1,x',
        'user.name': 'alice',
      });
      expect(fake.requests[0]!.headers.accept).to.equal('application/json');
    });

    it('sends no user.name when no user is configured', async () => {
      const fake = fakeTransport(() => ok(real('cluster-metrics.json')));
      await client({ transport: fake.transport }).clusterMetrics();
      expect(new URL(fake.requests[0]!.url).searchParams.has('user.name')).to.equal(false);
    });

    it('posts the submission as JSON and expects 202', async () => {
      const fake = fakeTransport(() => ({ status: 202, headers: {}, body: '' }));
      await client({ transport: fake.transport }).submit({
        applicationId: APP,
        name: 'x',
        amContainerSpec: { commands: ['sleep 60'] },
        resource: { memoryMb: 128, vcores: 1 },
      });
      const req = fake.requests[0]!;
      expect(req.method).to.equal('POST');
      expect(req.headers['content-type']).to.equal('application/json');
      expect(JSON.parse(req.body!)['application-id']).to.equal(APP);
    });

    it('treats a 200 to a submission as unexpected', async () => {
      const fake = fakeTransport(() => ({ status: 200, headers: {}, body: '' }));
      const err = await client({ transport: fake.transport })
        .submit({ applicationId: APP, name: 'x', amContainerSpec: { commands: ['true'] }, resource: { memoryMb: 128, vcores: 1 } })
        .catch((e: unknown) => e);
      expect(err)
        .to.be.instanceOf(Error)
        .with.property('message')
        .that.matches(/unexpected HTTP 200/);
    });

    it('escapes the application id in paths', async () => {
      const fake = fakeTransport(() => ok(real('app-state.json')));
      await client({ transport: fake.transport }).state('application_1/../x');
      expect(new URL(fake.requests[0]!.url).pathname).to.equal('/ws/v1/cluster/apps/application_1%2F..%2Fx/state');
    });
  });

  describe('error mapping', () => {
    it('unknown application → NotFoundError naming the id', async () => {
      const fake = fakeTransport(() => ok(real('error-app-not-found.json'), 404));
      const err = await client({ transport: fake.transport })
        .application('application_1_0001')
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(NotFoundError);
      const e = err as NotFoundError;
      expect(e.message).to.equal('application application_1_0001: app with id: application_1_0001 not found');
      expect(e.appId).to.equal('application_1_0001');
      expect(e.status).to.equal(404);
      expect(e.exceptionClassName).to.equal('org.apache.hadoop.yarn.webapp.NotFoundException');
    });

    it('bad request → InvalidRequestError with the server message', async () => {
      const fake = fakeTransport(() => ok(real('error-memory-over-max.json'), 400));
      const err = await client({ transport: fake.transport })
        .submit({ applicationId: APP, name: 'x', amContainerSpec: { commands: ['true'] }, resource: { memoryMb: 100_000, vcores: 1 } })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InvalidRequestError);
      expect((err as Error).message).to.equal(`submit ${APP} (100000 MB, 1 vcores): Requested more memory than configured max`);
    });

    it('falls back on the HTTP status for unknown exception classes and HTML pages', async () => {
      const remote = fakeTransport(() =>
        ok(JSON.stringify({ RemoteException: { exception: 'Weird', javaClassName: 'com.example.Weird', message: 'x' } }), 404),
      );
      expect(
        await client({ transport: remote.transport })
          .clusterInfo()
          .catch((e: unknown) => e),
      ).to.be.instanceOf(NotFoundError);
      const html = fakeTransport(() => ({
        status: 500,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h2>HTTP ERROR 500 boom</h2></body></html>',
      }));
      const err = await client({ transport: html.transport })
        .clusterInfo()
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RemoteError);
      expect((err as Error).message).to.equal('cluster info: HTTP 500 from http://rm1:8088: HTTP ERROR 500 boom');
    });

    it('a non-JSON success body → ProtocolError', async () => {
      const fake = fakeTransport(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>hello</html>' }));
      expect(
        await client({ transport: fake.transport })
          .clusterMetrics()
          .catch((e: unknown) => e),
      ).to.be.instanceOf(ProtocolError);
    });

    it('does not retry an answered exception', async () => {
      const fake = fakeTransport(() => ok(real('error-invalid-app-id.json'), 400));
      const err = await client({ transport: fake.transport })
        .application('foo')
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InvalidRequestError);
      expect(fake.requests).to.have.length(1);
    });
  });

  describe('HA failover (fake RMs on loopback)', () => {
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(closers.splice(0).map((c) => c()));
    });

    async function activeRm(): Promise<{ url: string; hits: string[] }> {
      const hits: string[] = [];
      const s = await serve((req, res) => {
        hits.push(req.url!);
        res.writeHead(200, JSON_TYPE).end(real(req.url!.startsWith('/ws/v1/cluster/info') ? 'cluster-info.json' : 'cluster-metrics.json'));
      });
      closers.push(s.close);
      return { url: s.url, hits };
    }

    async function standbyRm(active: string): Promise<{ url: string; hits: string[] }> {
      const hits: string[] = [];
      const s = await serve((req, res) => {
        hits.push(req.url!);
        if (req.url!.startsWith('/ws/v1/cluster/info')) {
          const info = JSON.parse(real('cluster-info.json'));
          info.clusterInfo.haState = 'STANDBY';
          res.writeHead(200, JSON_TYPE).end(JSON.stringify(info));
          return;
        }
        // What RMWebAppFilter sends on a standby RM.
        res.writeHead(307, { location: active + req.url, 'content-type': 'text/plain' });
        res.end(`This is standby RM. The redirect url is: ${req.url}\n`);
      });
      closers.push(s.close);
      return { url: s.url, hits };
    }

    it('moves from a standby RM (307) to the active one and stays there', async () => {
      const active = await activeRm();
      const standby = await standbyRm(active.url);
      const c = new RmRestClient({ rmUrls: [standby.url, active.url] });
      expect((await c.clusterMetrics()).activeNodes).to.equal(2);
      expect(c.activeRmUrl).to.equal(active.url);
      await c.clusterMetrics();
      expect(standby.hits).to.have.length(1);
      expect(active.hits).to.have.length(2);
    });

    it('treats cluster info with haState STANDBY as standby', async () => {
      const active = await activeRm();
      const standby = await standbyRm(active.url);
      const c = new RmRestClient({ rmUrls: [standby.url, active.url] });
      expect((await c.clusterInfo()).haState).to.equal('ACTIVE');
      expect(standby.hits).to.deep.equal(['/ws/v1/cluster/info']);
    });

    it('moves past a refused connection', async () => {
      const active = await activeRm();
      const c = new RmRestClient({ rmUrls: [await refusedUrl(), active.url] });
      expect((await c.clusterMetrics()).totalMb).to.equal(12288);
      expect(c.activeRmUrl).to.equal(active.url);
    });

    it('a refused RM → ConnectionError naming the address and the configuration to check, after retries', async () => {
      const url = await refusedUrl();
      const clock = fakeClock();
      const c = new RmRestClient({ rmUrls: [url], sleep: clock.sleep, now: clock.now, random: () => 0.5 });
      const err = await c.clusterInfo().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectionError);
      expect((err as Error).message).to.equal(
        `cluster info: cannot reach the ResourceManager (${url}: ECONNREFUSED); check HADOOP_CONF_DIR (yarn.resourcemanager.webapp.address) or pass --rm`,
      );
      expect(clock.sleeps).to.deep.equal([500, 1000]);
    });

    it('only standby RMs → StandbyError listing each', async () => {
      const s1 = await standbyRm('http://127.0.0.1:1');
      const s2 = await standbyRm('http://127.0.0.1:1');
      const clock = fakeClock();
      const c = new RmRestClient({ rmUrls: [s1.url, s2.url], sleep: clock.sleep, now: clock.now, retry: { maxAttempts: 2 } });
      const err = await c.nodes().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(StandbyError);
      expect((err as Error).message).to.equal(`list nodes: no active ResourceManager (${s1.url}: standby; ${s2.url}: standby)`);
      expect(s1.hits).to.have.length(2);
    });

    it('a silent RM → TimeoutError', async () => {
      const silent = await serve(() => undefined);
      closers.push(silent.close);
      const c = new RmRestClient({ rmUrls: [silent.url], requestTimeoutMs: 30, retry: { maxAttempts: 1 } });
      const err = await c.clusterMetrics().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).message).to.contain(`${silent.url}: timed out`);
    });

    it('the "no active RM" page (200, text) counts as standby', async () => {
      const lost = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('There is no active RM right now.\nHA Zookeeper Connection State: x\n');
      });
      closers.push(lost.close);
      const active = await activeRm();
      const c = new RmRestClient({ rmUrls: [lost.url, active.url] });
      expect((await c.clusterMetrics()).activeNodes).to.equal(2);
    });
  });

  describe('kill', () => {
    /** An RM whose app moves to KILLED after `pollsUntilKilled` report reads. */
    function killingRm(pollsUntilKilled: number, initial = 'ACCEPTED') {
      let reads = 0;
      const accepted = real('app-accepted.json');
      const killed = real('app-killed.json');
      return fakeTransport((req, url) => {
        if (req.method === 'PUT') {
          expect(JSON.parse(req.body!)).to.deep.equal({ state: 'KILLED' });
          return initial === 'FAILED' ? ok('{"state":"FAILED"}') : ok(`{"state":"${initial}"}`, 202);
        }
        if (url.pathname === `/ws/v1/cluster/apps/${APP}`) {
          if (initial === 'FAILED') return ok(killed.replace(/"KILLED"/g, '"FAILED"'));
          reads++;
          return ok(reads > pollsUntilKilled ? killed : accepted);
        }
        return ok('{}', 404);
      });
    }

    it('PUTs KILLED, polls on the clock until final, and resolves with the final report', async () => {
      const fake = killingRm(3);
      const clock = fakeClock();
      const c = client({ transport: fake.transport, sleep: clock.sleep, now: clock.now, pollIntervalMs: 100 });
      const report = await c.kill(APP, { timeoutMs: 10_000 });
      expect(report.state).to.equal('KILLED');
      expect(report.finalStatus).to.equal('KILLED');
      expect(fake.requests.map((r) => r.method)).to.deep.equal(['PUT', 'GET', 'GET', 'GET', 'GET']);
      expect(clock.sleeps).to.deep.equal([100, 100, 100]);
    });

    it('an already finished application resolves with its report and no polling', async () => {
      const fake = killingRm(0, 'FAILED');
      const clock = fakeClock();
      const report = await client({ transport: fake.transport, sleep: clock.sleep, now: clock.now }).kill(APP);
      expect(report.state).to.equal('FAILED');
      expect(clock.sleeps).to.deep.equal([]);
    });

    it('gives up with TimeoutError when the app never becomes final', async () => {
      const fake = killingRm(Infinity, 'KILLING');
      const clock = fakeClock();
      const c = client({ transport: fake.transport, sleep: clock.sleep, now: clock.now, pollIntervalMs: 400 });
      const err = await c.kill(APP, { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).message).to.equal(`kill ${APP}: still ACCEPTED after 1000 ms`);
      expect(clock.sleeps).to.deep.equal([400, 400, 200]);
    });

    it('an unknown application → NotFoundError', async () => {
      const fake = fakeTransport(() => ok(real('error-app-not-found.json'), 404));
      expect(
        await client({ transport: fake.transport })
          .kill('application_1_0001')
          .catch((e: unknown) => e),
      ).to.be.instanceOf(NotFoundError);
    });
  });

  describe('waitForState', () => {
    it('stops at a final state even when waiting for another', async () => {
      const fake = fakeTransport(() => ok(real('app-killed.json')));
      const report = await client({ transport: fake.transport }).waitForState(APP, ['RUNNING']);
      expect(report.state).to.equal('KILLED');
    });
  });
});
