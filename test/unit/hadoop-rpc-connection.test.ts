import { expect } from 'chai';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import {
  AuthenticationError,
  ConfigError,
  ConnectionError,
  NotFoundError,
  ProtocolError,
  RemoteError,
  type SpindleError,
  TimeoutError,
} from '../../protocols/errors/index.js';
import { RpcConnection, type RpcConnectionOptions } from '../../protocols/hadoop-rpc/index.js';
import { FakeClock, FakeRpcServer, fakeMechanism, settle, until, xorLayer, type FakeServerOptions } from './hadoop-rpc-fake-server.js';

const PROTOCOL = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';
const TOKEN = { kind: 'token' as const, identifier: Buffer.from('identifier'), password: Buffer.from('secret') };

async function rejection(p: Promise<unknown>): Promise<SpindleError> {
  try {
    await p;
  } catch (e) {
    return e as SpindleError;
  }
  throw new Error('expected a rejection');
}

describe('hadoop-rpc RpcConnection', () => {
  let server: FakeRpcServer;
  let port: number;
  const connections: RpcConnection[] = [];

  async function start(options: FakeServerOptions): Promise<void> {
    server = new FakeRpcServer(options);
    port = await server.start();
  }

  function connect(extra: Partial<RpcConnectionOptions> = {}): RpcConnection {
    const c = new RpcConnection({
      host: '127.0.0.1',
      port,
      protocol: PROTOCOL,
      auth: { kind: 'simple', user: 'alice' },
      clock: new FakeClock(),
      reconnect: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
      ...extra,
    });
    connections.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    await server?.stop();
  });

  describe('simple auth', () => {
    beforeEach(() => start({ auth: 'simple' }));

    it('sends the preamble, the context and multiplexed calls; matches answers out of order', async () => {
      const c = connect();
      const first = c.call('getA', Buffer.from('req-a'));
      const second = c.call('getB', Buffer.from('req-b'));
      const third = c.call('getC', new Uint8Array(0));
      const conn = await server.connection(0);
      const [a, b, cc] = [await conn.call(0), await conn.call(1), await conn.call(2)];
      expect(conn.preamble!.toString('hex')).to.equal('68727063090000');
      expect(conn.context).to.deep.equal({ protocol: PROTOCOL, effectiveUser: 'alice' });
      expect(conn.contextHeader).to.include({ callId: -3, retryCount: -1, rpcKind: 2, rpcOp: 0 });
      const clientId = conn.contextHeader!.clientId;
      expect(clientId).to.have.length(16);
      expect([a, b, cc].map((x) => x.header.callId)).to.deep.equal([0, 1, 2]);
      for (const x of [a, b, cc]) {
        expect(x.header).to.include({ retryCount: 0, rpcKind: 2, rpcOp: 0 });
        expect(x.header.clientId).to.deep.equal(clientId);
      }
      expect(a.method).to.deep.equal({ methodName: 'getA', protocolName: PROTOCOL, protocolVersion: 1 });
      expect(a.body.toString()).to.equal('req-a');
      expect(cc.body).to.have.length(0);

      conn.reply(2, Buffer.from('answer-c'));
      conn.reply(0, Buffer.from('answer-a'));
      conn.reply(1, new Uint8Array(0));
      expect((await third).toString()).to.equal('answer-c');
      expect((await first).toString()).to.equal('answer-a');
      expect(await second).to.deep.equal(Buffer.alloc(0));
      expect(c.qop).to.equal(undefined);
      expect(server.connections).to.have.length(1);
    });

    it('sends the preamble, the context and the first calls in one write', async () => {
      // A server refusing SIMPLE answers the bare preamble and resets; see Session.
      const c = connect();
      const answered = c.call('first', Buffer.from('x'));
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.alloc(0));
      await answered;
      expect(conn.firstChunk!.subarray(0, 7).toString('hex')).to.equal('68727063090000');
      // preamble (7) + context packet + call packet
      const contextLength = 4 + conn.firstChunk!.readUInt32BE(7);
      expect(conn.firstChunk!.length).to.be.greaterThan(7 + contextLength);
    });

    it('maps an ERROR to the typed error and keeps the connection open', async () => {
      const c = connect();
      const failing = c.call('getApplicationReport', Buffer.alloc(0));
      const conn = await server.connection(0);
      await conn.call(0);
      conn.error(
        0,
        'org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException',
        "Application with id app_1 doesn't exist in RM.\n\tat org.apache...",
      );
      const err = await rejection(failing);
      expect(err).to.be.instanceOf(NotFoundError);
      expect(err.message).to.equal(
        `getApplicationReport on 127.0.0.1:${port}: ApplicationNotFoundException: Application with id app_1 doesn't exist in RM.`,
      );
      expect(err).to.include({
        method: 'getApplicationReport',
        server: `127.0.0.1:${port}`,
        exceptionClassName: 'org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException',
        retriable: false,
      });

      const next = c.call('other', Buffer.alloc(0));
      (await conn.call(1)).conn.reply(1, Buffer.from('ok'));
      expect((await next).toString()).to.equal('ok');
      expect(server.connections).to.have.length(1);
    });

    it('maps an unknown exception class to a plain RemoteError', async () => {
      const c = connect();
      const failing = c.call('x', Buffer.alloc(0));
      (await (await server.connection(0)).call(0)).conn.error(0, 'com.example.WeirdException', 'weird');
      const err = await rejection(failing);
      expect(err.constructor).to.equal(RemoteError);
      expect(err.exceptionClassName).to.equal('com.example.WeirdException');
    });

    it('on FATAL fails that call with the typed error and every other pending call, then reconnects', async () => {
      const c = connect();
      const fatal = rejection(c.call('one', Buffer.alloc(0)));
      const other = rejection(c.call('two', Buffer.alloc(0)));
      const conn = await server.connection(0);
      await conn.call(1);
      conn.fatal(0, 'org.apache.hadoop.ipc.RpcServerException', 'RPC response exceeds maximum data length', 'FATAL_UNKNOWN');
      const e1 = await fatal;
      expect(e1).to.be.instanceOf(RemoteError);
      expect(e1.message).to.match(/^one on 127\.0\.0\.1:\d+: RpcServerException: RPC response exceeds/);
      const e2 = await other;
      expect(e2.method).to.equal('two');
      expect(e2.message).to.match(/^two: one on .*RpcServerException/);

      const again = c.call('three', Buffer.alloc(0));
      const conn2 = await server.connection(1);
      (await conn2.call(0)).conn.reply(2, Buffer.from('back'));
      expect((await again).toString()).to.equal('back');
    });

    it('fails every pending call with a retriable ConnectionError naming method and server when the socket closes', async () => {
      const c = connect();
      const calls = ['allocate', 'getX'].map((m) => rejection(c.call(m, Buffer.alloc(0))));
      const conn = await server.connection(0);
      await conn.call(1);
      conn.destroy();
      const errors = await Promise.all(calls);
      for (const [i, m] of ['allocate', 'getX'].entries()) {
        expect(errors[i]).to.be.instanceOf(ConnectionError);
        expect(errors[i]!.retriable).to.equal(true);
        expect(errors[i]!.method).to.equal(m);
        expect(errors[i]!.message).to.equal(`${m}: connection to 127.0.0.1:${port} closed by the server`);
      }
    });

    it('times calls out on the injected clock and ignores the late answer', async () => {
      const clock = new FakeClock();
      const c = connect({ clock, callTimeoutMs: 5000 });
      const slow = rejection(c.call('slow', Buffer.alloc(0)));
      const quick = c.call('quick', Buffer.alloc(0), { timeoutMs: 0 });
      const conn = await server.connection(0);
      await conn.call(1);
      clock.advance(4999);
      await settle();
      clock.advance(1);
      const err = await slow;
      expect(err).to.be.instanceOf(TimeoutError);
      expect(err.message).to.equal(`slow on 127.0.0.1:${port}: no response within 5000 ms`);
      expect(err.retriable).to.equal(true);
      conn.reply(0, Buffer.from('too late'));
      clock.advance(60_000);
      conn.reply(1, Buffer.from('fine'));
      expect((await quick).toString()).to.equal('fine');
    });

    it('pings after pingIntervalMs without traffic, and not before', async () => {
      const clock = new FakeClock();
      const c = connect({ clock, pingIntervalMs: 1000 });
      const done = c.call('m', Buffer.alloc(0));
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.alloc(0));
      await done;
      clock.advance(999);
      await settle();
      expect(conn.pings).to.have.length(0);
      clock.advance(1);
      await until(() => conn.pings.length === 1, 'first ping');
      expect(conn.pings[0]).to.include({ callId: -4, retryCount: -1, rpcKind: 2, rpcOp: 0 });
      expect(conn.pings[0]!.clientId).to.deep.equal(conn.contextHeader!.clientId);
      // Traffic half-way through the next interval postpones the next ping.
      clock.advance(500);
      const more = c.call('m', Buffer.alloc(0));
      (await conn.call(1)).conn.reply(1, Buffer.alloc(0));
      await more;
      clock.advance(500);
      await settle();
      expect(conn.pings).to.have.length(1);
      clock.advance(500);
      await until(() => conn.pings.length === 2, 'second ping');
    });

    it('close() fails waiting calls and refuses new ones', async () => {
      const c = connect();
      const pending = rejection(c.call('m', Buffer.alloc(0)));
      await (await server.connection(0)).call(0);
      await c.close();
      const err = await pending;
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.retriable).to.equal(false);
      expect(err.message).to.match(/^m: connection to .* closed by the client$/);
      expect(await rejection(c.call('later', Buffer.alloc(0)))).to.be.instanceOf(ConnectionError);
      await until(() => server.connections[0]!.closed, 'server side closed');
    });

    it('reports the server refusing SIMPLE auth as AuthenticationError', async () => {
      await server.stop();
      await start({ auth: 'token' });
      const c = connect();
      const err = await rejection(c.call('registerApplicationMaster', Buffer.alloc(0)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.equal(
        `registerApplicationMaster: server 127.0.0.1:${port} refused the connection: AccessControlException: SIMPLE authentication is not enabled.  Available:[TOKEN]`,
      );
      expect(err.exceptionClassName).to.equal('org.apache.hadoop.security.AccessControlException');
    });
  });

  describe('token auth', () => {
    it('negotiates SASL with the inline challenge, then sends an empty userInfo in the context', async () => {
      await start({ auth: 'token' });
      const { factory, created } = fakeMechanism('auth');
      const c = connect({ auth: TOKEN, saslMechanism: factory });
      const result = c.call('registerApplicationMaster', Buffer.from('r'));
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.from('registered'));
      expect((await result).toString()).to.equal('registered');
      expect(conn.preamble!.toString('hex')).to.equal('687270630900df');
      expect(conn.saslIn.map((s) => s.message.state)).to.deep.equal(['NEGOTIATE', 'INITIATE']);
      for (const s of conn.saslIn)
        expect(s.header).to.include({ callId: -33, retryCount: -1 }).and.have.property('clientId').with.length(0);
      expect(created[0]).to.deep.include({ username: TOKEN.identifier.toString('base64'), password: TOKEN.password.toString('base64') });
      expect(conn.contextBytes!.toString('hex').slice(0, 4)).to.equal('1200');
      expect(conn.context).to.deep.equal({ protocol: PROTOCOL });
      expect(c.qop).to.equal('auth');
    });

    it('does extra CHALLENGE/RESPONSE rounds', async () => {
      await start({ auth: 'token', challengeRound: true });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism().factory });
      const result = c.call('m', Buffer.alloc(0));
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.from('ok'));
      expect((await result).toString()).to.equal('ok');
      expect(conn.saslIn.map((s) => s.message.state)).to.deep.equal(['NEGOTIATE', 'INITIATE', 'RESPONSE']);
    });

    it('falls back to no authentication when the server answers NEGOTIATE with SUCCESS', async () => {
      await start({ auth: 'simple-sasl' });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism().factory });
      const result = c.call('m', Buffer.alloc(0));
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.from('ok'));
      expect((await result).toString()).to.equal('ok');
      expect(c.qop).to.equal(undefined);
    });

    it('fails with AuthenticationError on a bad rspauth, without retrying', async () => {
      await start({ auth: 'token', rspauth: Buffer.from('rspauth=forged') });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism().factory, reconnect: { retries: 3, baseDelayMs: 0, maxDelayMs: 0 } });
      const err = await rejection(c.call('allocate', Buffer.alloc(0)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.match(/^allocate: SASL authentication to 127\.0\.0\.1:\d+ failed: fake: rspauth mismatch$/);
      expect(err.method).to.equal('allocate');
      expect(server.connections).to.have.length(1);
    });

    it('reports a server-side SASL failure with its exception class', async () => {
      await start({ auth: 'token' });
      const bad = fakeMechanism().factory;
      const c = connect({
        auth: TOKEN,
        saslMechanism: (o) => ({ ...bad(o), respond: () => Buffer.from('garbage') }),
      });
      const err = await rejection(c.call('allocate', Buffer.alloc(0)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.exceptionClassName).to.equal('javax.security.sasl.SaslException');
      expect(err.message).to.contain('refused the connection: SaslException: bad response');
    });

    it('reports a server that hangs up after our response as a rejected token, without retrying', async () => {
      await start({ auth: 'token', rejectSilently: true });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism().factory, reconnect: { retries: 3, baseDelayMs: 0, maxDelayMs: 0 } });
      const err = await rejection(c.call('allocate', Buffer.alloc(0)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.retriable).to.equal(false);
      expect(err.message).to.match(
        /^allocate: SASL authentication to 127\.0\.0\.1:\d+ failed: the server closed the connection after our DIGEST-MD5 response, so it rejected the token/,
      );
      expect(server.connections).to.have.length(1);
    });

    it('explains a Kerberos-only server', async () => {
      await start({ auth: 'token', auths: [{ method: 'KERBEROS', mechanism: 'GSSAPI', protocol: 'rm', serverId: 'host' }] });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism().factory });
      const err = await rejection(c.call('allocate', Buffer.alloc(0)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.contain('the cluster is Kerberized');
    });

    it('wraps everything after SUCCESS, including the context, and reassembles answers across WRAP tokens', async () => {
      const layer = xorLayer('auth-conf', 7);
      await start({ auth: 'token', layer });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism('auth-conf', layer).factory });
      const calls = ['a', 'b', 'c'].map((m) => c.call(m, Buffer.from(`request ${m} `.repeat(5))));
      const conn = await server.connection(0);
      const received = [await conn.call(0), await conn.call(1), await conn.call(2)];
      // Everything (context + 3 calls) arrived inside WRAP packets of at most 7 raw bytes.
      expect(conn.context).to.deep.equal({ protocol: PROTOCOL });
      expect(conn.wrapsIn).to.be.greaterThan(20);
      expect(received[1]!.body.toString()).to.equal('request b '.repeat(5));
      expect(c.qop).to.equal('auth-conf');
      // Two answers in one token, and one answer split over two tokens.
      const pa = conn.packet({ callId: 2, status: 'SUCCESS' }, Buffer.from('answer c'));
      const pb = conn.packet({ callId: 0, status: 'SUCCESS' }, Buffer.from('answer a'));
      const pc = conn.packet({ callId: 1, status: 'SUCCESS' }, Buffer.from('answer b'));
      conn.sendRaw(Buffer.concat([pa, pb, pc.subarray(0, 5)]));
      conn.sendRaw(pc.subarray(5));
      expect((await Promise.all(calls)).map(String)).to.deep.equal(['answer a', 'answer b', 'answer c']);
    });

    it('fails pending calls when an incoming WRAP does not unwrap', async () => {
      const layer = xorLayer('auth-int', 1000);
      await start({ auth: 'token', layer: { ...layer, wrap: (m) => Buffer.concat([Buffer.from([0x00]), m]) } });
      const c = connect({ auth: TOKEN, saslMechanism: fakeMechanism('auth-int', layer).factory });
      const pending = c.call('m', Buffer.alloc(0));
      const conn = await server.connection(0);
      await conn.call(0);
      conn.reply(0, Buffer.from('x'));
      const err = await rejection(pending);
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.contain('bad marker');
    });
  });

  describe('connecting', () => {
    beforeEach(() => start({ auth: 'simple' }));

    function refusingSocket(): Duplex {
      const s = new Duplex({
        read() {},
        write(_c, _e, cb) {
          cb();
        },
      });
      // Looks like a net.Socket that is still connecting, then fails.
      Object.defineProperty(s, 'connecting', { value: true });
      process.nextTick(() => s.destroy(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
      return s;
    }

    it('retries a failed connect with backoff on the injected clock', async () => {
      const clock = new FakeClock();
      let attempts = 0;
      const c = connect({
        clock,
        reconnect: { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 },
        socketFactory: (host, p) => {
          attempts += 1;
          if (attempts <= 2) return refusingSocket();
          return netConnect({ host, port: p });
        },
      });
      const result = c.call('m', Buffer.alloc(0));
      // First delay: 100 ms +/- 20 % jitter; the second doubles.
      await until(() => attempts === 1 && clock.delays.some((d) => d >= 80 && d <= 120), 'first backoff');
      clock.advance(79);
      await settle();
      expect(attempts).to.equal(1);
      clock.advance(1000);
      await until(() => attempts === 2 && clock.delays.some((d) => d >= 160 && d <= 240), 'second backoff');
      clock.advance(1000);
      const conn = await server.connection(0);
      (await conn.call(0)).conn.reply(0, Buffer.from('finally'));
      expect((await result).toString()).to.equal('finally');
      expect(attempts).to.equal(3);
    });

    it('gives up after the retries with a ConnectionError naming method and server', async () => {
      const clock = new FakeClock();
      let attempts = 0;
      const c = connect({
        clock,
        reconnect: { retries: 2, baseDelayMs: 10, maxDelayMs: 10 },
        socketFactory: () => {
          attempts += 1;
          return refusingSocket();
        },
      });
      const result = c.call('getClusterMetrics', Buffer.alloc(0));
      const failed = rejection(result);
      for (let i = 1; i <= 2; i++) {
        await until(() => attempts === i && clock.delays.some((d) => d <= 12), `backoff ${i}`);
        clock.advance(100);
      }
      const err = await failed;
      expect(attempts).to.equal(3);
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.message).to.equal(
        `getClusterMetrics: connection to 127.0.0.1:${port} failed during connection setup: connect ECONNREFUSED`,
      );
      expect(err).to.include({ retriable: true, method: 'getClusterMetrics', server: `127.0.0.1:${port}` });
    });

    it('times the connection setup out', async () => {
      const clock = new FakeClock();
      const silent = new Duplex({
        read() {},
        write(_c, _e, cb) {
          cb();
        },
      });
      const c = connect({
        clock,
        connectTimeoutMs: 3000,
        auth: TOKEN,
        saslMechanism: fakeMechanism().factory,
        socketFactory: () => silent,
      });
      const failed = rejection(c.call('m', Buffer.alloc(0), { timeoutMs: 0 }));
      await settle();
      clock.advance(3000);
      const err = await failed;
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.message).to.contain('not established within 3000 ms');
      expect(silent.destroyed).to.equal(true);
    });

    it('close() during connection setup or a backoff wait fails the waiting calls at once', async () => {
      const silent = new Duplex({
        read() {},
        write(_c, _e, cb) {
          cb();
        },
      });
      const clock = new FakeClock();
      const c = connect({ clock, auth: TOKEN, saslMechanism: fakeMechanism().factory, socketFactory: () => silent });
      const failed = rejection(c.call('m', Buffer.alloc(0)));
      await settle();
      await c.close();
      const err = await failed;
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.message).to.match(/^m: connection to .* closed by the client$/);
      expect(silent.destroyed).to.equal(true);

      let attempts = 0;
      const d = connect({
        clock,
        reconnect: { retries: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 },
        socketFactory: () => {
          attempts += 1;
          return refusingSocket();
        },
      });
      const waiting = rejection(d.call('n', Buffer.alloc(0), { timeoutMs: 0 }));
      await until(() => attempts === 1 && clock.delays.some((ms) => ms >= 8000 && ms <= 12_000), 'backoff wait');
      await d.close();
      const closedErr = await waiting;
      expect(closedErr.message).to.match(/^n: connection to .* is closed$/);
      expect(attempts).to.equal(1);
    });

    it('rejects a response stream it cannot parse with ProtocolError', async () => {
      const c = connect();
      const failed = rejection(c.call('m', Buffer.alloc(0)));
      const conn = await server.connection(0);
      await conn.call(0);
      conn.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      const err = await failed;
      expect(err).to.be.instanceOf(ProtocolError);
      expect(err.message).to.contain('outside 0..');
    });
  });

  describe('options', () => {
    it('names the offending field', () => {
      const base: RpcConnectionOptions = { host: 'h', port: 1, protocol: 'p', auth: { kind: 'simple', user: 'u' } };
      expect(() => new RpcConnection({ ...base, port: 70000 })).to.throw(ConfigError, /option port must be an integer in 1\.\.65535/);
      expect(() => new RpcConnection({ ...base, host: '' })).to.throw(ConfigError, /option host/);
      expect(
        () => new RpcConnection({ ...base, auth: { kind: 'token', identifier: Buffer.alloc(0), password: Buffer.from('x') } }),
      ).to.throw(ConfigError, /auth\.identifier/);
      expect(() => new RpcConnection({ ...base, allowedQops: ['auth', 'none' as never] })).to.throw(
        ConfigError,
        /allowedQops has unknown qop none/,
      );
      expect(() => new RpcConnection({ ...base, callTimeoutMs: -1 })).to.throw(ConfigError, /callTimeoutMs/);
      expect(() => new RpcConnection({ ...base, reconnect: { retries: 1, baseDelayMs: 10, maxDelayMs: 5 } })).to.throw(
        ConfigError,
        /reconnect\.maxDelayMs/,
      );
    });

    it('keeps the token out of enumerable properties', () => {
      const c = new RpcConnection({ host: 'h', port: 1, protocol: 'p', auth: TOKEN });
      expect(JSON.stringify(c)).not.to.contain('secret');
      expect(inspect(c, { depth: 5, showHidden: true })).not.to.contain('secret');
    });
  });
});
