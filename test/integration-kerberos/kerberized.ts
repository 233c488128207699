/**
 * The Kerberized local cluster (`scripts/cluster up --kerberos`) as its tests see it: where it listens
 * (from its client configuration, like test/integration/cluster.ts), its krb5.conf and keytabs, tickets in
 * private caches, and `curl --negotiate` for SPNEGO until the Spindle client speaks it itself (#15).
 *
 * Nothing here skips: a cluster that is not Kerberized, or a curl without GSS-API, is an error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeTokenUrlString } from '../../protocols/credentials/index.js';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { CLI } from '../integration/cli-helpers.js';
import { repoRoot } from '../integration/cluster.js';

export interface KerberizedCluster {
  confDir: string;
  /** http://localhost:port — SPNEGO asks for HTTP/<host of the URL>, and the principals are HTTP/localhost. */
  nameNodeHttp: string;
  rmHttp: string;
  nodeManagerHttp: string[];
  /** fs.defaultFS, e.g. hdfs://localhost:8020 */
  defaultFs: string;
  /** host:port of the NameNode's RPC server, as delegation tokens name it (ip:port). */
  nameNodeRpcService: string;
  /** Short name of yarn.resourcemanager.principal: the renewer the RM needs in HDFS delegation tokens. */
  rmRenewer: string;
  krb5Conf: string;
  userKeytab: string;
  otherKeytab: string;
}

export interface HttpResult {
  status: number;
  body: string;
  headers: string;
}

/** The cluster named by HADOOP_CONF_DIR (default: the repository's .cluster/conf); throws if it is not Kerberized. */
export function kerberizedCluster(): KerberizedCluster {
  const confDir = process.env.HADOOP_CONF_DIR ?? join(repoRoot, '.cluster', 'conf');
  if (!existsSync(join(confDir, 'core-site.xml'))) {
    throw new Error(`no cluster configuration in ${confDir}: run scripts/cluster up --kerberos`);
  }
  const { conf, hdfs, yarn } = loadClientConfig({ env: process.env, confDir });
  const auth = conf.get('hadoop.security.authentication');
  if (auth !== 'kerberos') {
    throw new Error(
      `the cluster in ${confDir} is not Kerberized (hadoop.security.authentication=${auth}): run scripts/cluster up --kerberos`,
    );
  }
  const krbDir = join(dirname(confDir), 'kerberos');
  const nms = [1, 2].map((i) => loadClientConfig({ env: process.env, confDir: join(dirname(confDir), `nm${i}`, 'conf') }).conf);
  const rpcPort = hdfs.nameNodeRpcAddresses[0]!.split(':').pop();
  return {
    confDir,
    nameNodeHttp: hdfs.nameNodeHttpUrls[0]!,
    rmHttp: yarn.rmWebUrls[0]!,
    nodeManagerHttp: nms.map((c) => `http://${c.get('yarn.nodemanager.webapp.address')}`),
    defaultFs: hdfs.defaultFs,
    // hadoop.security.token.service.use_ip (default true): services are ip:port; localhost is 127.0.0.1 here.
    nameNodeRpcService: `127.0.0.1:${rpcPort}`,
    rmRenewer: shortName(conf.get('yarn.resourcemanager.principal') ?? '', conf.get('hadoop.security.auth_to_local') ?? ''),
    krb5Conf: join(krbDir, 'krb5.conf'),
    userKeytab: join(krbDir, 'user.keytab'),
    otherKeytab: join(krbDir, 'other.keytab'),
  };
}

/**
 * The local name a `RULE:[2:$1@$0](svc@REALM)s/.*\/name/` rule gives a two-part principal (the only rule
 * shape scripts/cluster writes); the principal's first component otherwise.
 */
function shortName(principal: string, rules: string): string {
  const [service = '', rest = ''] = principal.split('/');
  const realm = rest.split('@')[1] ?? '';
  const m = new RegExp(`\\(${service}@${realm.replace(/\./g, '\\.')}\\)s/\\.\\*/([^/]+)/`).exec(rules);
  return m?.[1] ?? service;
}

/** Throws unless curl was built with GSS-API and SPNEGO (Debian's is). */
export function assertCurlNegotiates(): void {
  const r = spawnSync('curl', ['-V'], { encoding: 'utf8' });
  const features = /^Features:(.*)$/m.exec(r.stdout ?? '')?.[1]?.split(/\s+/) ?? [];
  for (const f of ['GSS-API', 'SPNEGO']) {
    if (!features.includes(f)) throw new Error(`curl lacks ${f} (features: ${features.join(' ')}): install a curl built with GSS-API`);
  }
}

/** A private credential cache in a temporary folder, so that no test touches the user's tickets. */
export class TicketCache {
  readonly dir = mkdtempSync(join(tmpdir(), 'spindle-krb-'));
  readonly ccache = `FILE:${join(this.dir, 'ccache')}`;

  constructor(readonly cluster: KerberizedCluster) {}

  env(): NodeJS.ProcessEnv {
    return { ...process.env, KRB5_CONFIG: this.cluster.krb5Conf, KRB5CCNAME: this.ccache };
  }

  /** The principal of the (first) entry of a keytab, from `klist -k`. */
  principalOf(keytab: string): string {
    const r = spawnSync('klist', ['-k', keytab], { env: this.env(), encoding: 'utf8' });
    const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    const m = /^\s*\d+\s+(\S+@\S+)$/.exec(last);
    if (r.status !== 0 || !m) throw new Error(`klist -k ${keytab} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return m[1]!;
  }

  /** kinit from a keytab into this cache; returns the principal. */
  kinit(keytab: string): string {
    const principal = this.principalOf(keytab);
    const r = spawnSync('kinit', ['-kt', keytab, principal], { env: this.env(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kinit -kt ${keytab} ${principal} failed (${r.status}): ${r.stderr}`);
    return principal;
  }

  /**
   * One HTTP request with curl: with SPNEGO from this cache when `negotiate`, plain otherwise. The URL,
   * headers and body travel in a curl config on stdin and in a private file, never on the command line
   * (they may carry delegation tokens).
   */
  curl(url: string, opts: { negotiate: boolean; method?: string; json?: unknown; bytes?: Buffer }): HttpResult {
    const out = join(this.dir, 'body');
    const head = join(this.dir, 'headers');
    const lines = [`url = "${url}"`, `output = "${out}"`, `dump-header = "${head}"`, 'write-out = "%{http_code}"', 'silent', 'ipv4'];
    if (opts.negotiate) lines.push('negotiate', 'user = ":"');
    if (opts.method) lines.push(`request = "${opts.method}"`);
    if (opts.json !== undefined) {
      const data = join(this.dir, 'request.json');
      writeFileSync(data, JSON.stringify(opts.json), { mode: 0o600 });
      lines.push(`data-binary = "@${data}"`, 'header = "Content-Type: application/json"');
    }
    if (opts.bytes !== undefined) {
      const data = join(this.dir, 'request.bin');
      writeFileSync(data, opts.bytes, { mode: 0o600 });
      lines.push(`data-binary = "@${data}"`, 'header = "Content-Type: application/octet-stream"');
    }
    rmSync(out, { force: true });
    const r = spawnSync('curl', ['--max-time', '30', '-K', '-'], { input: `${lines.join('\n')}\n`, env: this.env(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`curl ${opts.method ?? 'GET'} ${url.split('?')[0]} failed (${r.status}): ${r.stderr}`);
    return {
      status: Number(r.stdout),
      body: existsSync(out) ? readFileSync(out, 'utf8') : '',
      headers: existsSync(head) ? readFileSync(head, 'utf8') : '',
    };
  }

  destroy(): void {
    spawnSync('kdestroy', [], { env: this.env() });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Hadoop delegation tokens (URL string form) found in `text`: every long base64url run that decodes as
 * a token of a delegation kind.
 */
export function delegationTokensIn(text: string): string[] {
  return (text.match(/[A-Za-z0-9_-]{40,}/g) ?? []).filter((run) => {
    try {
      return /delegation/i.test(decodeTokenUrlString(run).kind);
    } catch {
      return false;
    }
  });
}

/** What a `spindle` child process did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Run as text for assertion messages. */
export const show = (r: Run): string => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/**
 * `spindle <args>` with the cluster's configuration and krb5.conf, and the credential cache of `cache`;
 * killed (SIGKILL) after `timeoutMs` (default 120 s).
 */
export function spindleAs(cluster: KerberizedCluster, cache: TicketCache, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: repoRoot,
      env: { ...cache.env(), HADOOP_CONF_DIR: cluster.confDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
