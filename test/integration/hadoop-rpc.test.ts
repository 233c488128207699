/**
 * protocols/hadoop-rpc against the real ResourceManager (scripts/cluster):
 *  - the client port (ApplicationClientProtocol) with SIMPLE auth;
 *  - the scheduler port (ApplicationMasterProtocol), which only takes TOKEN auth, refusing SIMPLE;
 *  - SASL DIGEST-MD5 end to end with a real AMRMToken, obtained by submitting an unmanaged AM
 *    (nothing is launched) and reading ApplicationReportProto.am_rm_token. The application is
 *    killed in `after`.
 * The few YARN messages needed are written and read by hand here; protocols/yarn owns the real ones.
 */
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { AuthenticationError, RemoteError } from '../../protocols/errors/index.js';
import { RpcConnection } from '../../protocols/hadoop-rpc/index.js';
import { testCluster } from './cluster.js';

const cluster = testCluster();
const [rmHost, schedulerPort] = cluster.rmScheduler.split(':') as [string, string];
/** yarn.resourcemanager.address: the RM's client port. */
const RM_CLIENT_PORT = Number(cluster.rmClient.split(':')[1]);
const CLIENT_PROTOCOL = 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB';
const AM_PROTOCOL = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';

/** Fields of a protobuf message by number: the last value of each (raw bytes for length-delimited, numbers for varints). */
function fields(bytes: Uint8Array): Map<number, Buffer | number> {
  const out = new Map<number, Buffer | number>();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const wire = tag & 7;
    if (wire === 0) out.set(tag >>> 3, Number(r.int64()));
    else if (wire === 2) out.set(tag >>> 3, Buffer.from(r.bytes()));
    else r.skipType(wire);
  }
  return out;
}

function field(bytes: Uint8Array, ...path: number[]): Buffer | number | undefined {
  let current: Buffer | number | undefined = Buffer.from(bytes);
  for (const n of path) {
    if (!Buffer.isBuffer(current)) return undefined;
    current = fields(current).get(n);
  }
  return current;
}

async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const url = `${cluster.rmHttp}/ws/v1/cluster/${path}${path.includes('?') ? '&' : '?'}user.name=${cluster.user}`;
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

describe('[rpc] hadoop-rpc against the real ResourceManager', function () {
  this.timeout(60_000);
  const open: RpcConnection[] = [];
  const simple = (port: number, protocol: string): RpcConnection => {
    const c = new RpcConnection({
      host: rmHost,
      port,
      protocol,
      auth: { kind: 'simple', user: cluster.user },
      reconnect: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
    });
    open.push(c);
    return c;
  };

  after(async () => {
    for (const c of open) await c.close();
  });

  it('getClusterMetrics over SIMPLE auth counts 2 NodeManagers', async () => {
    const rm = simple(RM_CLIENT_PORT, CLIENT_PROTOCOL);
    // GetClusterMetricsRequestProto is empty; response: cluster_metrics (1) { num_node_managers (1) }.
    const response = await rm.call('getClusterMetrics', new Uint8Array(0));
    expect(field(response, 1, 1)).to.equal(2);
    // A second call on the same connection.
    expect(field(await rm.call('getClusterMetrics', new Uint8Array(0)), 1, 1)).to.equal(2);
    expect(rm.qop).to.equal(undefined);
  });

  it('an unknown method fails with the Java exception class and the method, and the connection stays usable', async () => {
    const rm = simple(RM_CLIENT_PORT, CLIENT_PROTOCOL);
    let err: RemoteError | undefined;
    try {
      await rm.call('noSuchMethod', new Uint8Array(0));
    } catch (e) {
      err = e as RemoteError;
    }
    expect(err).to.be.instanceOf(RemoteError);
    expect(err!.exceptionClassName).to.equal('org.apache.hadoop.ipc.RpcNoSuchMethodException');
    expect(err!.method).to.equal('noSuchMethod');
    expect(err!.message).to.match(new RegExp(`^noSuchMethod on ${rmHost}:${RM_CLIENT_PORT}: RpcNoSuchMethodException: .*noSuchMethod`));
    expect(field(await rm.call('getClusterMetrics', new Uint8Array(0)), 1, 1)).to.equal(2);
  });

  it('the scheduler port refuses SIMPLE auth with a clear AuthenticationError', async () => {
    const am = simple(Number(schedulerPort), AM_PROTOCOL);
    let err: AuthenticationError | undefined;
    try {
      await am.call('registerApplicationMaster', new Uint8Array(0));
    } catch (e) {
      err = e as AuthenticationError;
    }
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(err!.message).to.contain(`server ${cluster.rmScheduler} refused the connection`);
    expect(err!.message).to.contain('SIMPLE authentication is not enabled');
    expect(err!.exceptionClassName).to.equal('org.apache.hadoop.security.AccessControlException');
    expect(err!.server).to.equal(cluster.rmScheduler);
  });

  it('the scheduler port rejects tokens it cannot verify with an AuthenticationError', async () => {
    const attempt = async (identifier: string): Promise<AuthenticationError> => {
      const am = new RpcConnection({
        host: rmHost,
        port: Number(schedulerPort),
        protocol: AM_PROTOCOL,
        auth: { kind: 'token', identifier: Buffer.from(identifier), password: Buffer.from('wrong') },
        reconnect: { retries: 2, baseDelayMs: 0, maxDelayMs: 0 },
      });
      open.push(am);
      try {
        await am.call('registerApplicationMaster', new Uint8Array(0));
      } catch (e) {
        return e as AuthenticationError;
      }
      throw new Error('expected the server to refuse the token');
    };
    // An identifier the RM can parse (as an old-format AMRMTokenIdentifier) but does not know:
    // FATAL with SecretManager$InvalidToken.
    const unknown = await attempt('not an AMRMTokenIdentifier');
    expect(unknown).to.be.instanceOf(AuthenticationError);
    expect(unknown.exceptionClassName).to.equal('org.apache.hadoop.security.token.SecretManager$InvalidToken');
    expect(unknown.message).to.match(
      new RegExp(
        `^registerApplicationMaster: server ${cluster.rmScheduler} refused the connection: SecretManager\\$InvalidToken: appattempt_\\S+ not found in AMRMTokenSecretManager`,
      ),
    );
    expect(unknown.retriable).to.equal(false);
    // One it cannot even parse: the RM hangs up without a reply.
    const garbage = await attempt('bogus');
    expect(garbage).to.be.instanceOf(AuthenticationError);
    expect(garbage.message).to.contain(`SASL authentication to ${cluster.rmScheduler} failed: the server closed the connection`);
    expect(garbage.retriable).to.equal(false);
  });

  describe('TOKEN auth (SASL DIGEST-MD5) with the AMRMToken of an unmanaged AM', () => {
    let appId: string | undefined;

    after(async () => {
      if (appId !== undefined) await rest('PUT', `apps/${appId}/state`, { state: 'KILLED' }).catch(() => undefined);
    });

    it('registers and unregisters an ApplicationMaster on the scheduler port', async () => {
      const created = (await rest('POST', 'apps/new-application')) as { 'application-id': string };
      appId = created['application-id'];
      await rest('POST', 'apps', {
        'application-id': appId,
        'application-name': 'spindle-hadoop-rpc-it',
        'application-type': 'SPINDLE-IT',
        'unmanaged-AM': true,
        'max-app-attempts': 1,
        'am-container-spec': { commands: { command: 'true' } },
        resource: { memory: 128, vCores: 1 },
      });
      const [, ts, seq] = /^application_(\d+)_(\d+)$/.exec(appId)!;

      // getApplicationReport(application_id (1) { id (1), cluster_timestamp (2) }) until the token is there:
      // ApplicationReportProto (response field 1) . am_rm_token (19) = TokenProto { identifier 1, password 2, kind 3 }.
      const rm = simple(RM_CLIENT_PORT, CLIENT_PROTOCOL);
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | 2)
        .fork()
        .uint32(1 << 3)
        .int32(Number(seq))
        .uint32(2 << 3)
        .int64(Number(ts))
        .ldelim();
      const request = w.finish();
      let token: Buffer | undefined;
      for (let i = 0; i < 100 && token === undefined; i++) {
        const report = field(await rm.call('getApplicationReport', request), 1) as Buffer;
        token = field(report, 19) as Buffer | undefined;
        if (token === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      expect(token, 'am_rm_token in the application report').to.not.equal(undefined);
      expect(field(token!, 3)!.toString()).to.equal('YARN_AM_RM_TOKEN');

      const am = new RpcConnection({
        host: rmHost,
        port: Number(schedulerPort),
        protocol: AM_PROTOCOL,
        auth: { kind: 'token', identifier: field(token!, 1) as Buffer, password: field(token!, 2) as Buffer },
        reconnect: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
      });
      open.push(am);

      // RegisterApplicationMasterRequestProto { host 1, rpc_port 2, tracking_url 3 }.
      const register = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('127.0.0.1')
        .uint32(2 << 3)
        .int32(0)
        .uint32((3 << 3) | 2)
        .string('')
        .finish();
      const registered = await am.call('registerApplicationMaster', register);
      // npm test repeats the [rpc] tests on a cluster with hadoop.rpc.protection=privacy.
      const protection = process.env.SPINDLE_EXPECT_RPC_PROTECTION ?? 'authentication';
      const qop = { authentication: 'auth', integrity: 'auth-int', privacy: 'auth-conf' }[protection];
      expect(am.qop).to.equal(qop);
      // RegisterApplicationMasterResponseProto.maximumCapability (1) = ResourceProto { memory 1 }.
      expect(field(registered, 1, 1)).to.be.greaterThan(0);

      // FinishApplicationMasterRequestProto { final_application_status (3) = APP_SUCCEEDED (1) };
      // response isUnregistered (1): repeat until true.
      const finish = protobuf.Writer.create()
        .uint32(3 << 3)
        .int32(1)
        .finish();
      let unregistered = false;
      for (let i = 0; i < 100 && !unregistered; i++) {
        unregistered = field(await am.call('finishApplicationMaster', finish), 1) === 1;
        if (!unregistered) await new Promise((r) => setTimeout(r, 100));
      }
      expect(unregistered).to.equal(true);
    });
  });
});
