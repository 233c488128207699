/**
 * The application's HDFS delegation token (issue #15, item 3) without a cluster: the RM principal as
 * renewer, the WebHDFS token calls and their answers, the token's service and relabelling, and how a
 * submission files the token, cancels it when it fails, and goes without one on a simple-auth cluster.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { obtainHdfsToken, tokenPlanFor } from '../../client/delegation-tokens.js';
import { type SubmitDeps, submitApp, type Workload } from '../../client/submission.js';
import { createToken, decodeTokenUrlString, encodeTokenUrlString, TokenKinds } from '../../protocols/credentials/index.js';
import { AccessDeniedError, ConfigError, ProtocolError } from '../../protocols/errors/index.js';
import { type ClientConfig, HadoopConfiguration, loadClientConfig, rmPrincipal } from '../../protocols/hadoop-conf/index.js';
import type { AppSubmission, RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { parseDelegationToken, parseLong } from '../../protocols/webhdfs/wire.js';
import { FakeFs } from './job-fake-fs.js';
import { type FakeServer, fakeServer, sendJson, sendRemoteException } from './webhdfs-fake-server.js';

function site(props: Record<string, string>): HadoopConfiguration {
  return HadoopConfiguration.fromResources([
    { source: 'site.xml', properties: Object.entries(props).map(([name, value]) => ({ name, value, final: false })) },
  ]);
}

/** A token as the NameNode issues it over WebHDFS: kind "WEBHDFS delegation", service its HTTP address. */
function webHdfsToken(password = 'SECRET-PASSWORD'): string {
  return encodeTokenUrlString(
    createToken({
      identifier: Buffer.from('the identifier'),
      password: Buffer.from(password),
      kind: 'WEBHDFS delegation',
      service: '127.0.0.1:9870',
    }),
  );
}

/** A client configuration read from site files written to a temporary directory. */
function clientConfig(core: Record<string, string>, hdfs: Record<string, string> = {}, yarn: Record<string, string> = {}): ClientConfig {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-dt-conf-'));
  try {
    const xml = (props: Record<string, string>): string =>
      `<configuration>${Object.entries(props)
        .map(([k, v]) => `<property><name>${k}</name><value>${v}</value></property>`)
        .join('')}</configuration>`;
    writeFileSync(join(dir, 'core-site.xml'), xml(core));
    writeFileSync(join(dir, 'hdfs-site.xml'), xml(hdfs));
    writeFileSync(join(dir, 'yarn-site.xml'), xml(yarn));
    return loadClientConfig({ env: { HADOOP_USER_NAME: 'alice' }, confDir: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SECURE_YARN = { 'yarn.resourcemanager.address': 'RM-1.Example.com:8032', 'yarn.resourcemanager.principal': 'rm/_HOST@EXAMPLE.COM' };

describe('rmPrincipal', () => {
  it('replaces _HOST with the RM host in lower case', () => {
    const conf = site({ 'yarn.resourcemanager.principal': 'rm/_HOST@EXAMPLE.COM' });
    expect(rmPrincipal(conf, 'RM-1.Example.COM')).to.equal('rm/rm-1.example.com@EXAMPLE.COM');
    expect(rmPrincipal(site({ 'yarn.resourcemanager.principal': 'rm/_HOST' }), 'Host')).to.equal('rm/host');
  });

  it('leaves a principal without _HOST as it is (trimmed)', () => {
    expect(rmPrincipal(site({ 'yarn.resourcemanager.principal': ' yarn/fixed.host@R ' }), 'other')).to.equal('yarn/fixed.host@R');
    // Only the host component is _HOST; a realm that happens to contain it is not touched.
    expect(rmPrincipal(site({ 'yarn.resourcemanager.principal': 'rm/h@_HOST.R' }), 'x')).to.equal('rm/h@_HOST.R');
  });

  it('a missing key is a ConfigError naming the key', () => {
    expect(() => rmPrincipal(site({}), 'rm')).to.throw(ConfigError, /^yarn\.resourcemanager\.principal is not set: .*yarn-site\.xml/);
  });
});

describe('webhdfs delegation token wire', () => {
  const ctx = { operation: 'GETDELEGATIONTOKEN', path: '/', server: 'nn:9870' };

  it('parses GETDELEGATIONTOKEN and RENEWDELEGATIONTOKEN answers', () => {
    expect(parseDelegationToken({ Token: { urlString: 'abc_-' } }, ctx)).to.equal('abc_-');
    expect(parseLong({ long: 1796318579113 }, ctx)).to.equal(1796318579113);
  });

  it('refuses answers of the wrong shape', () => {
    expect(() => parseDelegationToken({ Token: null }, ctx)).to.throw(ProtocolError, /Token/);
    expect(() => parseDelegationToken({ Token: { urlString: 7 } }, ctx)).to.throw(ProtocolError, /urlString/);
    expect(() => parseDelegationToken(undefined, ctx)).to.throw(ProtocolError);
    expect(() => parseLong({ long: '12' }, ctx)).to.throw(ProtocolError, /long/);
  });
});

describe('WebHdfsClient delegation token calls (fake NameNode)', () => {
  let nn: FakeServer;
  const methods: string[] = [];
  let refuse = false;
  const token = webHdfsToken();

  before(async () => {
    nn = await fakeServer((req, res, url) => {
      methods.push(req.method ?? '');
      if (refuse) {
        // What the NameNode says for a token it no longer knows (recorded on the local Kerberized cluster).
        sendRemoteException(
          res,
          403,
          'org.apache.hadoop.security.token.SecretManager$InvalidToken',
          'Token not found (token for root: HDFS_DELEGATION_TOKEN owner=root, renewer=root, realUser=, issueDate=1796318518852, ' +
            'maxDate=1796318818852, sequenceNumber=22, masterKeyId=2)',
        );
        return;
      }
      const op = url.searchParams.get('op');
      if (op === 'GETDELEGATIONTOKEN') sendJson(res, 200, { Token: { urlString: token } });
      else if (op === 'RENEWDELEGATIONTOKEN') sendJson(res, 200, { long: 1796318579113 });
      else {
        // CANCELDELEGATIONTOKEN: 200 with an empty octet-stream body.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 0 });
        res.end();
      }
    });
  });

  after(() => nn.close());

  beforeEach(() => {
    nn.requests.length = 0;
    methods.length = 0;
    refuse = false;
  });

  it('GET ...?op=GETDELEGATIONTOKEN&renewer=<principal> at the root', async () => {
    const client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice' });
    expect(await client.getDelegationToken('rm/host@R')).to.equal(token);
    const [u] = nn.requests;
    expect(methods).to.deep.equal(['GET']);
    expect(u!.pathname).to.equal('/webhdfs/v1/');
    expect(u!.searchParams.get('op')).to.equal('GETDELEGATIONTOKEN');
    expect(u!.searchParams.get('renewer')).to.equal('rm/host@R');
    client.close();
  });

  it('PUT RENEW and CANCEL with token=<url string>; renew resolves to the new expiry', async () => {
    const client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice' });
    expect(await client.renewDelegationToken(token)).to.equal(1796318579113);
    expect(await client.cancelDelegationToken(token)).to.equal(undefined);
    expect(methods).to.deep.equal(['PUT', 'PUT']);
    expect(nn.requests.map((u) => [u.searchParams.get('op'), u.searchParams.get('token')])).to.deep.equal([
      ['RENEWDELEGATIONTOKEN', token],
      ['CANCELDELEGATIONTOKEN', token],
    ]);
    client.close();
  });

  it('a refused token call is typed, and its message never carries the token', async () => {
    refuse = true;
    const client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice' });
    for (const call of [() => client.renewDelegationToken(token), () => client.cancelDelegationToken(token)]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(AccessDeniedError);
      expect((err as Error).message).to.match(/^(RENEW|CANCEL)DELEGATIONTOKEN \/: .*sequenceNumber=22/);
      expect((err as Error).message).to.not.include(token);
      expect(JSON.stringify(err)).to.not.include(token);
    }
    client.close();
  });

  it('asks a delegationToken function before every call, sending what it gives at that time', async () => {
    let current: string | undefined = 'first';
    let asked = 0;
    const client = new WebHdfsClient({
      nameNodes: [nn.url],
      delegationToken: () => {
        asked++;
        return current;
      },
    });
    await client.getDelegationToken('r');
    current = 'second';
    await client.getDelegationToken('r');
    current = undefined;
    await client.getDelegationToken('r');
    expect(asked).to.equal(3);
    expect(nn.requests.map((u) => u.searchParams.get('delegation'))).to.deep.equal(['first', 'second', null]);
    client.close();
  });
});

describe('tokenPlanFor and obtainHdfsToken', () => {
  it('a single NameNode: the renewer is the RM principal, the service its RPC ip:port', async () => {
    const config = clientConfig({ 'fs.defaultFS': 'hdfs://localhost:8020' }, {}, SECURE_YARN);
    expect(await tokenPlanFor(config)).to.deep.equal({ renewer: 'rm/rm-1.example.com@EXAMPLE.COM', service: '127.0.0.1:8020' });
  });

  it('an HA nameservice: the service is ha-hdfs:<nameservice>', async () => {
    const config = clientConfig(
      { 'fs.defaultFS': 'hdfs://prod' },
      {
        'dfs.nameservices': 'prod',
        'dfs.ha.namenodes.prod': 'nn1,nn2',
        'dfs.namenode.rpc-address.prod.nn1': 'nn1.example.com:8020',
        'dfs.namenode.rpc-address.prod.nn2': 'nn2.example.com:8020',
        'dfs.namenode.http-address.prod.nn1': 'nn1.example.com:9870',
        'dfs.namenode.http-address.prod.nn2': 'nn2.example.com:9870',
      },
      SECURE_YARN,
    );
    expect((await tokenPlanFor(config)).service).to.equal('ha-hdfs:prod');
  });

  it('without the RM principal: the ConfigError names the key', async () => {
    const config = clientConfig({ 'fs.defaultFS': 'hdfs://localhost:8020' }, {}, { 'yarn.resourcemanager.address': 'rm:8032' });
    const err = await tokenPlanFor(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/^yarn\.resourcemanager\.principal is not set/);
  });

  it('relabels the WebHDFS token as an HDFS_DELEGATION_TOKEN for the service, keeping identifier and password', async () => {
    const issued = webHdfsToken();
    let renewer: string | undefined;
    const hdfs = {
      getDelegationToken: async (r: string) => {
        renewer = r;
        return issued;
      },
    } as unknown as WebHdfsClient;
    const token = await obtainHdfsToken(hdfs, { renewer: 'rm/h@R', service: 'ha-hdfs:prod' });
    expect(renewer).to.equal('rm/h@R');
    expect(token.kind).to.equal(TokenKinds.HDFS_DELEGATION);
    expect(token.service).to.equal('ha-hdfs:prod');
    const original = decodeTokenUrlString(issued);
    expect(token.identifier).to.deep.equal(original.identifier);
    expect(token.password).to.deep.equal(original.password);
    // The password stays out of JSON.
    expect(JSON.stringify(token)).to.not.include(Buffer.from('SECRET-PASSWORD').toString('base64'));
  });
});

describe('submitApp and the delegation token (fake RM, in-memory HDFS)', () => {
  /** FakeFs with the token calls and the rest of what a submission uses. */
  class TokenFs extends FakeFs {
    readonly calls: string[] = [];
    issued = webHdfsToken();
    failCreate = false;

    async getDelegationToken(renewer: string): Promise<string> {
      this.calls.push(`GETDELEGATIONTOKEN ${renewer}`);
      return this.issued;
    }

    async cancelDelegationToken(token: string): Promise<void> {
      this.calls.push(`CANCELDELEGATIONTOKEN ${token}`);
    }

    override async mkdirs(path: string, o: { permission?: string } = {}): Promise<void> {
      this.calls.push(`MKDIRS ${path}${o.permission ? ` ${o.permission}` : ''}`);
      await super.mkdirs(path);
    }

    override async create(path: string, body: AsyncIterable<Uint8Array | string> | Uint8Array | string, o: { overwrite?: boolean } = {}) {
      this.calls.push(`CREATE ${path}`);
      if (this.failCreate) throw new AccessDeniedError(`CREATE ${path}: permission denied`);
      await super.create(path, body, o);
    }

    async setTimes(): Promise<void> {}
  }

  function fakeRm(refuse?: Error): { rm: RmRestClient; submitted: AppSubmission[] } {
    const submitted: AppSubmission[] = [];
    const rm = {
      newApplication: async () => ({
        applicationId: 'application_1700000000000_0007',
        maximumResourceCapability: { memoryMb: 8192, vcores: 8 },
      }),
      nodes: async () => [],
      submit: async (s: AppSubmission) => {
        if (refuse) throw refuse;
        submitted.push(s);
      },
    } as unknown as RmRestClient;
    return { rm, submitted };
  }

  const workload = async (): Promise<Workload> => ({ name: 'test', amResource: { memoryMb: 256, vcores: 1 }, amHeapMb: 128 });
  const config = clientConfig({ 'fs.defaultFS': 'hdfs://localhost:8020' });
  const plan = { renewer: 'rm/rm-1.example.com@EXAMPLE.COM', service: '127.0.0.1:8020' };

  function deps(hdfs: TokenFs, rm: RmRestClient, withTokens: boolean): SubmitDeps {
    return { config, rm, hdfs: hdfs as unknown as WebHdfsClient, ...(withTokens ? { tokens: plan } : {}) };
  }

  it('files the token under its service in the REST submission, obtained before anything is staged', async () => {
    const hdfs = new TokenFs();
    const { rm, submitted } = fakeRm();
    await submitApp(deps(hdfs, rm, true), {}, { sizes: [] }, workload);
    expect(hdfs.calls[0]).to.equal(`GETDELEGATIONTOKEN ${plan.renewer}`);
    expect(hdfs.calls.slice(1).every((c) => !c.startsWith('GETDELEGATIONTOKEN'))).to.equal(true);
    const tokens = submitted[0]!.amContainerSpec.credentials?.tokens;
    expect(Object.keys(tokens ?? {})).to.deep.equal([plan.service]);
    const filed = decodeTokenUrlString(tokens![plan.service]!);
    const issued = decodeTokenUrlString(hdfs.issued);
    expect(filed.kind).to.equal('HDFS_DELEGATION_TOKEN');
    expect(filed.service).to.equal(plan.service);
    expect(filed.identifier).to.deep.equal(issued.identifier);
    expect(filed.password).to.deep.equal(issued.password);
    expect(hdfs.calls.filter((c) => c.startsWith('CANCEL'))).to.deep.equal([]);
    // The staging directory and the cache are 700; their parents get HDFS's default (MKDIRS would
    // otherwise leave /user itself 700 on a fresh cluster).
    expect(hdfs.calls.filter((c) => c.startsWith('MKDIRS')).sort()).to.deep.equal([
      'MKDIRS /user/alice/.spindle',
      'MKDIRS /user/alice/.spindle',
      'MKDIRS /user/alice/.spindle/application_1700000000000_0007 700',
      'MKDIRS /user/alice/.spindle/cache 700',
    ]);
  });

  it('cancels the token when the submission fails after it was obtained (staging, or the RM refusing)', async () => {
    const failures: [TokenFs, Error | undefined][] = [
      [Object.assign(new TokenFs(), { failCreate: true }), undefined],
      [new TokenFs(), new AccessDeniedError('submit: the queue refuses alice')],
    ];
    for (const [hdfs, refuse] of failures) {
      const { rm } = fakeRm(refuse);
      const err = await submitApp(deps(hdfs, rm, true), {}, { sizes: [] }, workload).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(AccessDeniedError);
      const cancels = hdfs.calls.filter((c) => c.startsWith('CANCELDELEGATIONTOKEN '));
      expect(cancels).to.have.length(1);
      const cancelled = decodeTokenUrlString(cancels[0]!.split(' ')[1]!);
      expect(cancelled.identifier).to.deep.equal(decodeTokenUrlString(hdfs.issued).identifier);
      expect(hdfs.calls.at(-1)).to.equal(cancels[0]);
      expect((err as Error).message).to.not.include(hdfs.issued);
    }
  });

  it('a failure before the token (sizes) obtains and cancels nothing', async () => {
    const hdfs = new TokenFs();
    const { rm } = fakeRm();
    const err = await submitApp(deps(hdfs, rm, true), {}, { sizes: [{ option: '--memory', memoryMb: 1 << 20 }] }, workload).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect(hdfs.calls).to.deep.equal([]);
  });

  it('on a simple-auth cluster (no plan): no token and no credentials', async () => {
    const hdfs = new TokenFs();
    const { rm, submitted } = fakeRm();
    await submitApp(deps(hdfs, rm, false), {}, { sizes: [] }, workload);
    expect(hdfs.calls.some((c) => c.includes('DELEGATIONTOKEN'))).to.equal(false);
    expect(submitted[0]!.amContainerSpec).to.not.have.property('credentials');
  });
});
