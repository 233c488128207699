/**
 * What every command works with: the configuration (read once, with --conf-dir/--rm/--namenode/--user
 * applied), the cluster clients built on it (speaking SPNEGO when the configuration says Kerberos),
 * the output, and the process environment handed in by the entry point (the only place that reads
 * process.env).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../protocols/errors/index.js';
import { loadClientConfig, securityMode, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import { HttpNegotiator, type NegotiateTokenSource } from '../../protocols/http/index.js';
import { GssapiTokenSource, type KerberosLogin, principalShortName, resolveKerberosLogin } from '../../protocols/kerberos/index.js';
import { NmRestClient } from '../../protocols/nm-rest/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { AM_STATUS_TIMEOUT_MS, type AmStatus, fetchAmStatus } from '../am-status.js';
import { NodeDirectory } from '../containers.js';
import { tokenPlanFor } from '../delegation-tokens.js';
import type { SubmitDeps } from '../submission.js';
import type { ErrorContext } from './exit-codes.js';
import type { Output } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  confDir?: string;
  rm?: string;
  namenode?: string;
  user?: string;
  /** Kerberos principal to log in as from `keytab` (Kerberized clusters; both or neither). */
  principal?: string;
  keytab?: string;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Ctrl-C: register a handler, get a function that unregisters it. */
export type InterruptSource = (handler: () => void) => () => void;

/** The process, as the CLI sees it (injected so tests can run commands in-process). */
export interface CliEnvironment {
  /**
   * The process's environment. Written to in one case: a `--keytab` login points the GSSAPI library
   * at the keytab and a private credential cache (protocols/kerberos) before it loads.
   */
  env: Record<string, string | undefined>;
  cwd: string;
  /** This Node binary (for --ship-node). */
  execPath: string;
  onInterrupt: InterruptSource;
  /** Where SPNEGO tokens come from on a Kerberized cluster. Default: GSSAPI (the `kerberos` package). Tests inject fakes. */
  tokenSource?: (login: KerberosLogin, env: Record<string, string | undefined>) => NegotiateTokenSource;
}

/** What the CLI knows about Kerberos for the cluster it talks to. */
export interface KerberosState {
  login: KerberosLogin;
  negotiator: HttpNegotiator;
}

export class CliContext {
  private loaded: ClientConfig | undefined;
  private rmClient: RmRestClient | undefined;
  private hdfsClient: WebHdfsClient | undefined;
  private nmClient: NmRestClient | undefined;
  private nodeDir: NodeDirectory | undefined;
  private krb: KerberosState | null | undefined;

  constructor(
    readonly process: CliEnvironment,
    readonly options: GlobalOptions,
    readonly out: Output,
  ) {}

  /** Where the configuration directory's name came from, for messages. */
  get confDirSource(): string {
    if (this.options.confDir !== undefined) return '--conf-dir';
    if (this.process.env.HADOOP_CONF_DIR?.trim()) return 'HADOOP_CONF_DIR';
    if (this.process.env.YARN_CONF_DIR?.trim()) return 'YARN_CONF_DIR';
    return 'HADOOP_CONF_DIR';
  }

  /** The client configuration with the command-line overrides applied. Read on first use. */
  get config(): ClientConfig {
    if (!this.loaded) {
      // Checked before anything is read or contacted: a missing keytab is a usage error on any cluster.
      const login = resolveKerberosLogin({
        ...(this.options.principal !== undefined ? { principal: this.options.principal } : {}),
        ...(this.options.keytab !== undefined ? { keytab: this.options.keytab } : {}),
      });
      const c = loadClientConfig({
        env: this.process.env,
        ...(this.options.confDir !== undefined ? { confDir: this.options.confDir, confDirSource: '--conf-dir' } : {}),
        ...(this.options.user !== undefined ? { user: checkUser(this.options.user) } : {}),
      });
      const secure = securityMode(c.conf) === 'kerberos';
      this.krb = secure ? { login, negotiator: new HttpNegotiator({ source: this.makeTokenSource(login) }) } : null;
      this.loaded = {
        ...c,
        // On a Kerberized cluster we act as the principal (Hadoop's DEFAULT rule maps it to its first component).
        ...(secure && login.kind === 'keytab' ? { user: principalShortName(login.principal) } : {}),
        yarn: { ...c.yarn, ...(this.options.rm ? { rmWebUrls: [checkWebUrl('--rm', this.options.rm, 'http://rm-host:8088')] } : {}) },
        hdfs: {
          ...c.hdfs,
          ...(this.options.namenode
            ? { nameNodeHttpUrls: [checkWebUrl('--namenode', this.options.namenode, 'http://namenode-host:9870')] }
            : {}),
        },
      };
    }
    return this.loaded;
  }

  /** Kerberos login and SPNEGO state when the cluster is Kerberized (hadoop.security.authentication=kerberos), else null. */
  get kerberos(): KerberosState | null {
    void this.config;
    return this.krb ?? null;
  }

  /**
   * On a Kerberized cluster the clients negotiate (one negotiator: one cookie per server for the whole
   * command) and send no `user.name`; elsewhere they name the user.
   */
  get rm(): RmRestClient {
    const auth = this.kerberos ? { negotiator: this.kerberos.negotiator } : { user: this.config.user };
    this.rmClient ??= new RmRestClient({ rmUrls: this.config.yarn.rmWebUrls, ...auth });
    return this.rmClient;
  }

  get hdfs(): WebHdfsClient {
    // WebHDFS leaves out `user.name` itself when it negotiates; the user only names us in its messages,
    // so with a ticket of unknown principal none is named (the NameNode's own words name the user).
    const krb = this.kerberos;
    const user = !krb ? this.config.user : krb.login.kind === 'keytab' ? principalShortName(krb.login.principal) : undefined;
    this.hdfsClient ??= new WebHdfsClient({
      nameNodes: this.config.hdfs.nameNodeHttpUrls,
      ...(user !== undefined ? { user } : {}),
      ...(krb ? { negotiator: krb.negotiator } : {}),
    });
    return this.hdfsClient;
  }

  get nm(): NmRestClient {
    const auth = this.kerberos ? { negotiator: this.kerberos.negotiator } : { user: this.config.user };
    this.nmClient ??= new NmRestClient({ ...auth, scheme: this.config.yarn.httpPolicy === 'HTTPS_ONLY' ? 'https' : 'http' });
    return this.nmClient;
  }

  /**
   * What `submit` and `run` hand to the submission: the clients, and on a Kerberized cluster the plan
   * for the application's delegation token (its renewer and service).
   */
  async submitDeps(): Promise<SubmitDeps> {
    const krb = this.kerberos;
    const keytab = krb?.login.kind === 'keytab' ? { principal: krb.login.principal, path: krb.login.keytab } : undefined;
    const tokens = krb ? await tokenPlanFor(this.config, keytab) : undefined;
    // With a ticket from the cache we act as its principal, whoever the login name says we are: the
    // NameNode names the user it maps the principal to (by its home directory). The staging directory
    // and the application's user must be that one.
    const config = krb?.login.kind === 'ticket-cache' ? { ...this.config, user: await this.ticketUser() } : this.config;
    return { config, rm: this.rm, hdfs: this.hdfs, log: (m) => this.out.debug(m), ...(tokens ? { tokens } : {}) };
  }

  private async ticketUser(): Promise<string> {
    const home = await this.hdfs.getHomeDirectory();
    const user = home.replace(/\/+$/, '').split('/').pop();
    if (!user) throw new ConfigError(`the NameNode gave "${home}" as the home directory of your Kerberos ticket's user`);
    return user;
  }

  private makeTokenSource(login: KerberosLogin): NegotiateTokenSource {
    const make = this.process.tokenSource ?? ((l, env) => new GssapiTokenSource({ login: l, env }));
    return make(login, this.process.env);
  }

  /** Reads an AM's status document through the RM proxy, negotiating on a Kerberized cluster. */
  readonly amStatus = (trackingUrl: string): Promise<AmStatus | undefined> =>
    fetchAmStatus(trackingUrl, AM_STATUS_TIMEOUT_MS, this.kerberos?.negotiator);

  get nodes(): NodeDirectory {
    this.nodeDir ??= new NodeDirectory(this.rm, this.nm);
    return this.nodeDir;
  }

  /** The RM web proxy address of an application (what YARN shows as its tracking URL). */
  trackingUrl(appId: string): string {
    const proxy = this.config.yarn.webProxyAddress;
    const base = proxy ? `http://${proxy}` : (this.rmClient?.activeRmUrl ?? this.config.yarn.rmWebUrls[0]!);
    return `${base}/proxy/${appId}/`;
  }

  /** Facts for error hints; never loads the configuration itself (it may be what failed). */
  errorContext(): ErrorContext {
    const c = this.loaded;
    const krb = this.krb;
    const confDir = c?.confDir ?? this.options.confDir ?? this.process.env.HADOOP_CONF_DIR ?? this.process.env.YARN_CONF_DIR;
    return {
      ...(confDir ? { confDir } : {}),
      confDirSource: this.confDirSource,
      ...(c ? { rmUrls: c.yarn.rmWebUrls, nameNodes: c.hdfs.nameNodeHttpUrls } : this.options.rm ? { rmUrls: [this.options.rm] } : {}),
      ...(krb ? { kerberos: { user: c!.user, ...(krb.login.kind === 'keytab' ? { principal: krb.login.principal } : {}) } } : {}),
    };
  }

  close(): void {
    this.hdfsClient?.close();
    this.nmClient?.close();
  }
}

/** Hadoop's rule for user names (the NameNode refuses others): letters, digits, "._-", an optional final "$". */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]*[$]?$/;

function checkUser(user: string): string {
  if (!USER_NAME.test(user)) {
    throw new ConfigError(
      `--user: "${user}" is not a Hadoop user name; use letters, digits, ".", "_" and "-", starting with a letter or "_"`,
    );
  }
  return user;
}

/** An http(s) URL given for a cluster address, or a ConfigError naming the option and an example. */
function checkWebUrl(option: string, text: string, example: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${option}: "${text}" is not a URL; give its web address, e.g. ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${option}: "${text}" must be an http:// or https:// address, e.g. ${example}`);
  }
  return text;
}

/**
 * How command actions run: `run` builds the context from the command's (and the program's)
 * options, runs the command and records its exit code. Errors propagate to the entry point, which
 * maps them (exit-codes.ts).
 */
export interface CliSession {
  run(cmd: Command, fn: (ctx: CliContext) => Promise<number>): Promise<void>;
}
