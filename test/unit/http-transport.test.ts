import { expect } from 'chai';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { ConnectionError, ProtocolError, TimeoutError } from '../../protocols/errors/index.js';
import {
  DEFAULT_MAX_ANSWER_BYTES,
  HttpAgents,
  classifySocketError,
  describeError,
  exchange,
  plainWords,
  start,
  wasNotSent,
  type HttpRequest,
} from '../../protocols/http/index.js';
import { fakeServer, refusedUrl, type FakeServer } from './webhdfs-fake-server.js';

function errno(code: string, message = `connect ${code} 10.0.0.1:80`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** What a failed exchange rejected with. */
async function failure(request: HttpRequest, agents?: HttpAgents): Promise<Error> {
  const err = await exchange(request, { words: plainWords(request), agents }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (err === undefined) throw new Error('the exchange succeeded');
  return err;
}

describe('protocols/http', () => {
  describe('classifySocketError', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']) {
      it(`${code}: unreachable, no connection, so never sent`, () => {
        const f = classifySocketError(errno(code));
        expect(f).to.include({ code, unreachable: true, noConnection: true, notSent: true, timedOut: false });
      });
    }

    it('ETIMEDOUT: unreachable and timed out, but may have been sent', () => {
      const f = classifySocketError(errno('ETIMEDOUT'));
      expect(f).to.include({ unreachable: true, timedOut: true, notSent: false, noConnection: false });
    });

    for (const code of ['ECONNRESET', 'EPIPE']) {
      it(`${code}: unreachable (the connection broke), may have been processed`, () => {
        expect(classifySocketError(errno(code))).to.include({ unreachable: true, notSent: false, noConnection: false, timedOut: false });
      });
    }

    it('a reset on a reused keep-alive socket before any answer counts as not sent', () => {
      const stale = { reusedSocket: true } as unknown as ClientRequest;
      const answered = { reusedSocket: true, res: {} } as unknown as ClientRequest;
      const fresh = { reusedSocket: false } as unknown as ClientRequest;
      expect(classifySocketError(errno('ECONNRESET'), stale).notSent).to.equal(true);
      expect(classifySocketError(errno('ECONNRESET'), answered).notSent).to.equal(false);
      expect(classifySocketError(errno('ECONNRESET'), fresh).notSent).to.equal(false);
      expect(classifySocketError(errno('EPIPE'), stale).notSent).to.equal(false);
    });

    it('an error without a code is not "unreachable" and keeps its message', () => {
      const f = classifySocketError(new Error('socket hang up'));
      expect(f).to.include({ code: undefined, unreachable: false, notSent: false, detail: 'socket hang up' });
    });

    it('describes an error by code and message, without repeating the code', () => {
      expect(describeError(errno('ECONNRESET', 'read ECONNRESET'))).to.equal('read ECONNRESET');
      expect(describeError(errno('EPIPE', 'broken pipe'))).to.equal('EPIPE: broken pipe');
      expect(describeError('text')).to.equal('text');
    });
  });

  describe('plainWords', () => {
    const request = { method: 'GET' as const, url: 'http://rm1:8088/ws/v1/cluster/info?user.name=a' };

    it('names the request and the server, reason in parentheses', () => {
      const err = plainWords(request).socket(classifySocketError(errno('ECONNREFUSED')));
      expect(err).to.be.instanceOf(ConnectionError).and.include({ server: 'http://rm1:8088', method: 'GET', retriable: true });
      expect(err.message).to.equal('GET /ws/v1/cluster/info: cannot reach http://rm1:8088 (ECONNREFUSED)');
    });

    it('gives the message of an error whose code is not an unreachable one', () => {
      const err = plainWords(request, { serverName: 'the NodeManager', label: '' }).socket(classifySocketError(new Error('bad header')));
      expect(err.message).to.equal('cannot reach the NodeManager at http://rm1:8088 (bad header)');
    });

    it('words deadlines, connect timeouts and oversize answers', () => {
      const words = plainWords(request, { label: 'cluster info' });
      expect(words.deadline(5)).to.be.instanceOf(TimeoutError);
      expect(words.deadline(5).message).to.equal('cluster info: no answer from http://rm1:8088 within 5 ms');
      expect(words.connectTimeout(7).message).to.equal('cluster info: no connection to http://rm1:8088 within 7 ms');
      expect(words.tooLarge(9)).to.be.instanceOf(ProtocolError);
      expect(words.tooLarge(9).message).to.equal('cluster info: answer from http://rm1:8088 exceeds 9 bytes');
    });
  });

  describe('exchange', () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('sends method, headers and a whole body, and answers status, lower-cased headers and raw bytes', async () => {
      let seen: { method?: string; type?: string; length?: string; body: string } = { body: '' };
      server = await fakeServer(async (req, res) => {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        seen = { method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body };
        res.setHeader('X-Thing', ['a', 'b']);
        res.writeHead(202, { 'Content-Type': 'application/octet-stream' });
        res.end(Buffer.from([0xff, 0x00, 0x80]));
      });
      const request: HttpRequest = {
        method: 'PUT',
        url: `${server.url}/state?x=1`,
        headers: { 'content-type': 'application/json' },
        body: '{"state":"KILLED"}',
        timeoutMs: 5000,
      };
      const res = await exchange(request, { words: plainWords(request) });
      expect(seen).to.deep.equal({ method: 'PUT', type: 'application/json', length: '18', body: '{"state":"KILLED"}' });
      expect(res.status).to.equal(202);
      expect(res.headers['content-type']).to.equal('application/octet-stream');
      expect(res.headers['x-thing']).to.equal('a, b');
      expect([...res.body]).to.deep.equal([0xff, 0x00, 0x80]);
      expect(server.requests.map((u) => u.search)).to.deep.equal(['?x=1']);
    });

    it('follows no redirect: a 307 is the answer, and its Location is not visited', async () => {
      const other = await fakeServer((_req, res) => {
        res.end('{}');
      });
      try {
        server = await fakeServer((_req, res) => {
          res.writeHead(307, { location: `${other.url}/ws/v1/cluster/apps` });
          res.end('This is standby RM. The redirect url is: ...');
        });
        const request: HttpRequest = { method: 'GET', url: `${server.url}/ws/v1/cluster/apps`, headers: {}, timeoutMs: 5000 };
        const res = await exchange(request, { words: plainWords(request) });
        expect(res.status).to.equal(307);
        expect(res.headers.location).to.equal(`${other.url}/ws/v1/cluster/apps`);
        expect(res.body.toString()).to.match(/standby RM/);
        expect(other.requests).to.have.length(0);
      } finally {
        await other.close();
      }
    });

    it('refuses an answer over the size cap, and reads one at the cap', async () => {
      server = await fakeServer((_req, res) => {
        res.end(Buffer.alloc(1000, 0x61));
      });
      const request: HttpRequest = { method: 'GET', url: `${server.url}/big`, headers: {}, timeoutMs: 5000, maxBytes: 999 };
      const err = await failure(request);
      expect(err).to.be.instanceOf(ProtocolError);
      expect(err.message).to.equal(`GET /big: answer from ${server.url} exceeds 999 bytes`);
      const res = await exchange({ ...request, maxBytes: 1000 }, { words: plainWords(request) });
      expect(res.body.length).to.equal(1000);
      expect(DEFAULT_MAX_ANSWER_BYTES).to.equal(64 * 1024 * 1024);
    });

    it('a refused connection is a ConnectionError marked as never sent', async () => {
      const url = await refusedUrl();
      const err = await failure({ method: 'POST', url: `${url}/x`, headers: {}, body: 'b', timeoutMs: 5000 });
      expect(err).to.be.instanceOf(ConnectionError).and.include({ server: url, method: 'POST' });
      expect(err.message).to.equal(`POST /x: cannot reach ${url} (ECONNREFUSED)`);
      expect(wasNotSent(err)).to.equal(true);
    });

    it('a connection broken mid-answer is a ConnectionError that may have been processed', async () => {
      server = await fakeServer((_req, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial', () => res.destroy());
      });
      const err = await failure({ method: 'GET', url: `${server.url}/x`, headers: {}, timeoutMs: 5000 });
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.message).to.match(new RegExp(`^GET /x: cannot reach ${server.url} \\(`));
      expect(wasNotSent(err)).to.equal(false);
    });

    it('a late answer is a TimeoutError at the deadline, covering the whole body', async () => {
      server = await fakeServer((_req, res) => {
        res.writeHead(200);
        res.write('started'); // and never ends
      });
      const err = await failure({ method: 'GET', url: `${server.url}/slow`, headers: {}, timeoutMs: 100 });
      expect(err).to.be.instanceOf(TimeoutError);
      expect(err.message).to.equal(`GET /slow: no answer from ${server.url} within 100 ms`);
    });

    it('an aborted signal rejects with its reason', async () => {
      server = await fakeServer(() => undefined); // never answers
      const controller = new AbortController();
      const reason = new Error('user gave up');
      const request: HttpRequest = { method: 'GET', url: `${server.url}/x`, headers: {}, signal: controller.signal };
      const pending = exchange(request, { words: plainWords(request) });
      setTimeout(() => controller.abort(reason), 20);
      expect(await pending.catch((e: unknown) => e)).to.equal(reason);
      const already = await exchange(request, { words: plainWords(request) }).catch((e: unknown) => e);
      expect(already).to.equal(reason);
    });

    it('keep-alive agents reuse one connection; destroy() ends it', async () => {
      const sockets = new Set<unknown>();
      server = await fakeServer((req, res) => {
        sockets.add(req.socket);
        res.end('ok');
      });
      const agents = new HttpAgents(2);
      const request: HttpRequest = { method: 'GET', url: `${server.url}/x`, headers: {}, timeoutMs: 5000 };
      try {
        for (let i = 0; i < 3; i++) {
          expect((await exchange(request, { words: plainWords(request), agents })).body.toString()).to.equal('ok');
        }
        expect(sockets.size).to.equal(1);
      } finally {
        agents.destroy();
      }
      const [socket] = [...sockets] as Socket[];
      await new Promise((resolve) => (socket!.destroyed ? resolve(undefined) : socket!.once('close', resolve)));
      expect(socket!.destroyed).to.equal(true);
    });
  });

  describe('start', () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('streams a body written by the caller and hands back the response unread', async () => {
      server = await fakeServer(async (req, res) => {
        let n = 0;
        for await (const chunk of req) n += (chunk as Buffer).length;
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end(`got ${n}`);
      });
      const request: HttpRequest = { method: 'PUT', url: `${server.url}/f`, headers: { 'content-type': 'application/octet-stream' } };
      const { req, response } = start(request, { words: plainWords(request) });
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(64 * 1024));
      req.end();
      const res = await response;
      expect(res.statusCode).to.equal(201);
      let text = '';
      for await (const chunk of res) text += String(chunk);
      expect(text).to.equal(`got ${4 * 64 * 1024}`);
    });

    it('times only the wait for the response headers', async () => {
      server = await fakeServer(() => undefined);
      const request: HttpRequest = { method: 'GET', url: `${server.url}/f`, headers: {}, timeoutMs: 50 };
      const { req, response } = start(request, { words: plainWords(request) });
      req.end();
      const err = await response.catch((e: unknown) => e as Error);
      expect(err).to.be.instanceOf(TimeoutError).and.have.property('message', `GET /f: no answer from ${server.url} within 50 ms`);
    });
  });
});
