/**
 * protocols/kerberos without a KDC: the keytab reader over built keytab bytes, the login options'
 * checks, and the GSSAPI token source over a fake binding (what it asks for, what it sets in the
 * environment, how it words missing credentials and a missing package). Plus the CLI's handling of a
 * Kerberized configuration with a fake token source, including how `submit` and `run` obtain the
 * application's delegation token.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TextSink } from '../../client/cli/output.js';
import { runCli } from '../../client/cli/program.js';
import { createToken, decodeTokenUrlString, encodeTokenUrlString } from '../../protocols/credentials/index.js';
import { ConfigError, RemoteError } from '../../protocols/errors/index.js';
import { HttpNegotiator } from '../../protocols/http/index.js';
import { NmRestClient } from '../../protocols/nm-rest/index.js';
import {
  type GssapiBinding,
  GssapiTokenSource,
  GssapiUnavailableError,
  KerberosCredentialsError,
  KeytabFormatError,
  keytabPrincipals,
  principalShortName,
  resolveKerberosLogin,
} from '../../protocols/kerberos/index.js';
import { fakeServer, sendJson, sendRemoteException, wireStatus, type FakeServer } from './webhdfs-fake-server.js';

/** One keytab entry: `components`, realm, one key. `version` 2 unless told (1 counts the realm as a component). */
function entry(principal: string, version: 1 | 2 = 2): Buffer {
  const [name, realm] = principal.split('@') as [string, string];
  const data = (s: string | Buffer): Buffer => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const parts = name.split('/');
  const count = Buffer.alloc(2);
  count.writeUInt16BE(parts.length + (version === 1 ? 1 : 0));
  const tail = Buffer.alloc(4 + 4 + 1 + 2);
  tail.writeUInt32BE(1, 0); // name type KRB5_NT_PRINCIPAL
  tail.writeUInt32BE(1_700_000_000, 4); // timestamp
  tail.writeUInt8(2, 8); // kvno
  tail.writeUInt16BE(18, 9); // aes256-cts-hmac-sha1-96
  const record = Buffer.concat([
    count,
    data(realm),
    ...parts.map((p) => data(p)),
    version === 1 ? tail.subarray(4) : tail,
    data(Buffer.alloc(32, 7)),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(record.length);
  return Buffer.concat([size, record]);
}

function keytab(entries: Buffer[], version: 1 | 2 = 2): Buffer {
  return Buffer.concat([Buffer.from([0x05, version]), ...entries]);
}

function hole(bytes: number): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(-bytes);
  return Buffer.concat([size, Buffer.alloc(bytes)]);
}

describe('protocols/kerberos', () => {
  describe('keytabPrincipals', () => {
    it('lists each principal once, in file order, skipping holes', () => {
      const bytes = keytab([entry('alice@EXAMPLE.COM'), hole(20), entry('HTTP/localhost@EXAMPLE.COM'), entry('alice@EXAMPLE.COM')]);
      expect(keytabPrincipals(bytes)).to.deep.equal(['alice@EXAMPLE.COM', 'HTTP/localhost@EXAMPLE.COM']);
    });

    it('reads version 1 keytabs (the component count includes the realm)', () => {
      expect(keytabPrincipals(keytab([entry('nn/host@R', 1)], 1))).to.deep.equal(['nn/host@R']);
    });

    it('refuses what is not a keytab, and one cut short anywhere', () => {
      expect(() => keytabPrincipals(Buffer.from('hello'))).to.throw(KeytabFormatError, /not a keytab/);
      const whole = keytab([entry('alice@EXAMPLE.COM')]);
      for (let cut = 3; cut < whole.length; cut++) {
        expect(() => keytabPrincipals(whole.subarray(0, cut)), `cut at ${cut}`).to.throw(KeytabFormatError);
      }
      expect(keytabPrincipals(whole.subarray(0, 2))).to.deep.equal([]);
    });
  });

  describe('resolveKerberosLogin', () => {
    const files = new Map<string, Buffer>([['/k/user.keytab', keytab([entry('alice@EXAMPLE.COM'), entry('svc/host@EXAMPLE.COM')])]]);
    const read = (path: string): Buffer => {
      const b = files.get(path);
      if (b) return b;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    };

    it('uses the ticket cache when neither option is given', () => {
      expect(resolveKerberosLogin({}, read)).to.deep.equal({ kind: 'ticket-cache' });
    });

    it('takes the principal as the keytab names it (a realm-less principal matches any realm)', () => {
      expect(resolveKerberosLogin({ principal: 'alice', keytab: '/k/user.keytab' }, read)).to.deep.equal({
        kind: 'keytab',
        principal: 'alice@EXAMPLE.COM',
        keytab: '/k/user.keytab',
      });
      expect(resolveKerberosLogin({ principal: 'svc/host@EXAMPLE.COM', keytab: '/k/user.keytab' }, read)).to.deep.include({
        principal: 'svc/host@EXAMPLE.COM',
      });
    });

    it('names the file that is missing, and the principal a keytab lacks', () => {
      expect(() => resolveKerberosLogin({ principal: 'alice', keytab: '/k/none.keytab' }, read)).to.throw(
        ConfigError,
        '--keytab /k/none.keytab: cannot read it (no such file)',
      );
      expect(() => resolveKerberosLogin({ principal: 'bob@EXAMPLE.COM', keytab: '/k/user.keytab' }, read)).to.throw(
        ConfigError,
        '--keytab /k/user.keytab has no keys for --principal bob@EXAMPLE.COM (it holds only alice@EXAMPLE.COM, svc/host@EXAMPLE.COM)',
      );
      expect(() => resolveKerberosLogin({ principal: 'alice@OTHER.REALM', keytab: '/k/user.keytab' }, read)).to.throw(ConfigError);
    });

    it('wants both options or neither', () => {
      expect(() => resolveKerberosLogin({ keytab: '/k/user.keytab' }, read)).to.throw(ConfigError, /--keytab needs --principal/);
      expect(() => resolveKerberosLogin({ principal: 'alice' }, read)).to.throw(ConfigError, /--principal alice needs --keytab/);
    });

    it('short names: the first component', () => {
      expect(principalShortName('alice@EXAMPLE.COM')).to.equal('alice');
      expect(principalShortName('alice/admin@EXAMPLE.COM')).to.equal('alice');
      expect(principalShortName('bob')).to.equal('bob');
    });
  });

  describe('GssapiTokenSource (fake binding)', () => {
    function binding(step: () => Promise<string>): { b: GssapiBinding; calls: [string, object][] } {
      const calls: [string, object][] = [];
      const b: GssapiBinding = {
        GSS_MECH_OID_SPNEGO: 6,
        initializeClient: async (service, options) => {
          calls.push([service, options]);
          return { step };
        },
      };
      return { b, calls };
    }

    it('asks for HTTP@<host> with the SPNEGO mechanism; the ticket cache is left as KRB5CCNAME says', async () => {
      const { b, calls } = binding(async () => 'YIIC');
      const env: Record<string, string | undefined> = { KRB5CCNAME: 'FILE:/tmp/mine' };
      const source = new GssapiTokenSource({ login: { kind: 'ticket-cache' }, env, load: async () => b });
      expect(await source.initialToken('nn.example.com')).to.equal('YIIC');
      expect(calls).to.deep.equal([['HTTP@nn.example.com', { mechOID: 6 }]]);
      expect(env).to.deep.equal({ KRB5CCNAME: 'FILE:/tmp/mine' });
    });

    it('a keytab login sets the client keytab and a private cache before loading, and names the principal', async () => {
      const { b, calls } = binding(async () => 'YIIC');
      const env: Record<string, string | undefined> = { KRB5CCNAME: 'FILE:/tmp/mine' };
      let envAtLoad: Record<string, string | undefined> = {};
      const source = new GssapiTokenSource({
        login: { kind: 'keytab', principal: 'alice@EXAMPLE.COM', keytab: '/k/user.keytab' },
        env,
        privateCache: 'MEMORY:test',
        load: async () => {
          envAtLoad = { ...env };
          return b;
        },
      });
      await source.initialToken('localhost');
      expect(envAtLoad).to.deep.equal({ KRB5CCNAME: 'MEMORY:test', KRB5_CLIENT_KTNAME: '/k/user.keytab' });
      expect(calls[0]).to.deep.equal(['HTTP@localhost', { mechOID: 6, principal: 'alice@EXAMPLE.COM' }]);
    });

    it('words missing credentials with the library’s reason, without its boilerplate', async () => {
      const { b } = binding(async () => {
        throw new Error(
          'Unspecified GSS failure.  Minor code may provide more information: No Kerberos credentials available (default cache: FILE:/tmp/x)',
        );
      });
      const source = new GssapiTokenSource({ login: { kind: 'ticket-cache' }, env: { KRB5CCNAME: 'FILE:/tmp/x' }, load: async () => b });
      const err = await source.initialToken('localhost').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(KerberosCredentialsError);
      expect((err as Error).message).to.equal(
        'Kerberos: no usable credentials for HTTP@localhost: no valid ticket in the credential cache FILE:/tmp/x ' +
          '(GSSAPI: No Kerberos credentials available (default cache: FILE:/tmp/x))',
      );
      expect((err as KerberosCredentialsError).detail).to.equal('No Kerberos credentials available (default cache: FILE:/tmp/x)');
    });

    it('says which package to install when the binding cannot be loaded', async () => {
      const source = new GssapiTokenSource({
        login: { kind: 'ticket-cache' },
        env: {},
        load: async () => {
          throw Object.assign(new Error("Cannot find package 'kerberos' imported from /x"), { code: 'ERR_MODULE_NOT_FOUND' });
        },
      });
      const err = await source.initialToken('localhost').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(GssapiUnavailableError);
      expect((err as Error).message).to.include('the optional npm package "kerberos", is not installed');
      expect((err as Error).message).to.include('apt-get install libkrb5-dev && npm install kerberos');
    });
  });
});

class Sink implements TextSink {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }
}

describe('spindle on a Kerberized configuration (fake NameNode and RM, fake token source)', () => {
  let dir: string;
  let nn: FakeServer;
  let rm: FakeServer;
  const hosts: string[] = [];
  let fail: Error | undefined;
  /** The NameNode requests that negotiated (each is sent once without a token first, and refused). */
  const served: URL[] = [];
  /** What the fake NameNode hands out for GETDELEGATIONTOKEN (a WebHDFS token, as the NameNode labels it). */
  const issuedToken = encodeTokenUrlString(
    createToken({
      identifier: Buffer.from('identifier'),
      password: Buffer.from('SECRET-PASSWORD'),
      kind: 'WEBHDFS delegation',
      service: '127.0.0.1:9870',
    }),
  );

  /** 401 with a Negotiate challenge unless the request negotiates; true when it was refused. */
  function challenge(req: IncomingMessage, res: ServerResponse): boolean {
    if (/^Negotiate /.test(req.headers.authorization ?? '')) return false;
    res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' });
    res.end();
    return true;
  }

  before(async () => {
    nn = await fakeServer((req, res, url) => {
      if (challenge(req, res)) return;
      served.push(url);
      const op = url.searchParams.get('op');
      if (op === 'GETFILESTATUS') sendJson(res, 200, { FileStatus: wireStatus('', 'DIRECTORY') });
      else if (op === 'LISTSTATUS' || op === 'LISTSTATUS_BATCH') {
        sendJson(res, 200, { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: [] } }, remainingEntries: 0 } });
      } else if (op === 'GETDELEGATIONTOKEN') sendJson(res, 200, { Token: { urlString: issuedToken } });
      // The ticket's principal maps to bob, whatever the login name (HADOOP_USER_NAME=alice) says.
      else if (op === 'GETHOMEDIRECTORY') sendJson(res, 200, { Path: '/user/bob' });
      else if (op === 'CANCELDELEGATIONTOKEN') sendJson(res, 200, null);
      else {
        const e = 'org.apache.hadoop.security.AccessControlException';
        sendRemoteException(res, 403, e, `Permission denied: user=alice, access=WRITE, inode="${url.pathname}"`);
      }
    });
    rm = await fakeServer((req, res, url) => {
      if (challenge(req, res)) return;
      if (url.pathname === '/ws/v1/cluster/apps/new-application') {
        sendJson(res, 200, {
          'application-id': 'application_1700000000000_0042',
          'maximum-resource-capability': { memory: 8192, vCores: 4 },
        });
      } else if (url.pathname === '/ws/v1/cluster/nodes') sendJson(res, 200, { nodes: null });
      else sendJson(res, 404, {});
    });
    dir = mkdtempSync(join(tmpdir(), 'spindle-krb-conf-'));
    const prop = (k: string, v: string): string => `<property><name>${k}</name><value>${v}</value></property>`;
    writeFileSync(
      join(dir, 'core-site.xml'),
      `<configuration>${prop('hadoop.security.authentication', 'kerberos')}${prop('fs.defaultFS', 'hdfs://127.0.0.1:8020')}</configuration>`,
    );
    writeFileSync(join(dir, 'hdfs-site.xml'), `<configuration>${prop('dfs.namenode.http-address', nn.host)}</configuration>`);
    writeFileSync(
      join(dir, 'yarn-site.xml'),
      `<configuration>${prop('yarn.resourcemanager.webapp.address', rm.host)}${prop('yarn.resourcemanager.address', 'RM.Example.COM:8032')}` +
        `${prop('yarn.resourcemanager.principal', 'rm/_HOST@EXAMPLE.COM')}</configuration>`,
    );
    writeFileSync(join(dir, 'job.mjs'), 'export default async function main() {}\n');
    writeFileSync(join(dir, 'user.keytab'), keytab([entry('alice@EXAMPLE.COM')]));
  });

  after(async () => {
    await nn.close();
    await rm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await runCli(
      argv,
      {
        env: { HADOOP_CONF_DIR: dir, HADOOP_USER_NAME: 'alice' },
        cwd: dir,
        execPath: process.execPath,
        onInterrupt: () => () => {},
        tokenSource: () => ({
          initialToken: async (host) => {
            if (fail) throw fail;
            hosts.push(host);
            return 'dG9r';
          },
        }),
      },
      { stdout, stderr, stdin: Readable.from([]) },
    );
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('fs ls negotiates with the NameNode and sends no user.name', async () => {
    const r = await cli('fs', 'ls', '/');
    expect(r.stderr).to.equal('/ is empty\n');
    expect(r.code).to.equal(0);
    expect(hosts).to.deep.equal(['127.0.0.1']);
    expect(nn.requests.every((u) => !u.searchParams.has('user.name'))).to.equal(true);
  });

  it('without a ticket: exit 3, the reason and the fix (kinit or --principal/--keytab), no stack', async () => {
    fail = new KerberosCredentialsError('Kerberos: no usable credentials for HTTP@127.0.0.1: No Kerberos credentials available', {
      detail: 'No Kerberos credentials available',
    });
    try {
      const r = await cli('fs', 'ls', '/');
      expect(r.code).to.equal(3);
      expect(r.stderr).to.equal(
        'spindle: Kerberos: no usable credentials for HTTP@127.0.0.1: No Kerberos credentials available\n' +
          '  get a ticket with: kinit alice (or your principal, e.g. alice@YOUR.REALM), or pass --principal <principal> --keytab <file>\n',
      );
    } finally {
      fail = undefined;
    }
  });

  it('without the GSSAPI binding: exit 3 and what to install, no kinit advice', async () => {
    fail = new GssapiUnavailableError(
      'the GSSAPI binding ... is not installed; install it with: apt-get install libkrb5-dev && npm install kerberos',
    );
    try {
      const r = await cli('fs', 'ls', '/');
      expect(r.code).to.equal(3);
      expect(r.stderr).to.equal(`spindle: ${fail.message}\n`);
    } finally {
      fail = undefined;
    }
  });

  it('a keytab login that the KDC refuses names the principal', async () => {
    fail = new KerberosCredentialsError('Kerberos: no usable credentials as alice@EXAMPLE.COM for HTTP@127.0.0.1: Password incorrect', {
      principal: 'alice@EXAMPLE.COM',
      detail: 'Password incorrect',
    });
    try {
      const r = await cli('fs', 'ls', '/', '--principal', 'alice', '--keytab', join(dir, 'user.keytab'));
      expect(r.code).to.equal(3);
      expect(r.stderr).to.include('the KDC gave alice@EXAMPLE.COM no ticket from the keytab');
    } finally {
      fail = undefined;
    }
  });

  it('--keytab without the principal, or a missing keytab: exit 2 before any request', async () => {
    const before = nn.requests.length;
    const wrong = await cli('fs', 'ls', '/', '--principal', 'bob', '--keytab', join(dir, 'user.keytab'));
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.include(`--keytab ${join(dir, 'user.keytab')} has no keys for --principal bob`);
    const missing = await cli('list', '--principal', 'alice', '--keytab', join(dir, 'none.keytab'));
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include(`--keytab ${join(dir, 'none.keytab')}: cannot read it (no such file)`);
    expect(nn.requests.length).to.equal(before);
  });

  it("submit and run stage as the ticket's user, obtain a delegation token (renewer: the RM principal) before staging, and cancel it when staging fails", async () => {
    for (const argv of [
      ['submit', 'job.mjs'],
      ['run', '--', 'hostname'],
    ]) {
      const before = served.length;
      const r = await cli(...argv);
      const calls = served.slice(before);
      const ops = calls.map((u) => u.searchParams.get('op'));
      // The fake NameNode refuses every write: the submission fails while staging, with the NameNode's words.
      expect(r.code, argv[0]).to.equal(3);
      expect(r.stderr, argv[0]).to.match(/MKDIRS \/user\/bob\/\.spindle: permission denied/);
      expect(r.stderr, argv[0]).to.not.match(/\n\s+at /);
      // Who the ticket is (for the staging directory), then the token, then staging.
      expect(ops.slice(0, 2), `${argv[0]}: ${ops.join(' ')}`).to.deep.equal(['GETHOMEDIRECTORY', 'GETDELEGATIONTOKEN']);
      expect(calls[1]!.searchParams.get('renewer')).to.equal('rm/rm.example.com@EXAMPLE.COM');
      expect(ops.indexOf('MKDIRS')).to.be.greaterThan(1);
      expect(ops.slice(0, ops.indexOf('MKDIRS'))).to.not.include('CREATE');
      // The token nobody will use is cancelled once (identifier and password as issued), and never shown.
      const cancels = calls.filter((u) => u.searchParams.get('op') === 'CANCELDELEGATIONTOKEN');
      expect(cancels).to.have.length(1);
      const cancelled = decodeTokenUrlString(cancels[0]!.searchParams.get('token')!);
      const issued = decodeTokenUrlString(issuedToken);
      expect(cancelled.identifier).to.deep.equal(issued.identifier);
      expect(cancelled.password).to.deep.equal(issued.password);
      expect(ops.indexOf('CANCELDELEGATIONTOKEN')).to.be.greaterThan(ops.indexOf('MKDIRS'));
      expect(r.stderr + r.stdout).to.not.include(issuedToken);
      expect(r.stderr + r.stdout).to.not.include('SECRET');
      // An id was reserved; nothing was submitted.
      expect(
        rm.requests.map((u) => u.pathname),
        argv[0],
      )
        .to.include('/ws/v1/cluster/apps/new-application')
        .and.not.include('/ws/v1/cluster/apps');
    }
  });
});

describe('NodeManager log files on a secure cluster without libhadoop', () => {
  // What a Kerberized NodeManager without libhadoop answered on the local cluster.
  const body = { message: 'Request failed.', url: '/ws/v1/node/containerlogs/c/stdout', status: '500' };
  const transport = async () => ({ status: 500, headers: {}, body: Buffer.from(JSON.stringify(body)) });

  it('explains a 500 for a log file from a Kerberized NodeManager, naming the node and the likely reason', async () => {
    const client = new NmRestClient({ transport, negotiator: new HttpNegotiator({ source: { initialToken: async () => 'x' } }) });
    const err = await client.readLog('localhost:8042', 'container_1700000000000_0001_01_000001', 'stdout').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RemoteError);
    expect((err as Error).message).to.match(
      /^read stdout of container_1700000000000_0001_01_000001: the NodeManager at http:\/\/localhost:8042 answered 500; on a secure cluster that is what a NodeManager without Hadoop's native library/,
    );
  });

  it('leaves a 500 from an unsecured NodeManager as it is', async () => {
    const err = await new NmRestClient({ transport }).readLog('localhost:8042', 'container_1700000000000_0001_01_000001', 'stdout').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).to.match(/HTTP 500 from the NodeManager at http:\/\/localhost:8042: .*Request failed/s);
  });
});
