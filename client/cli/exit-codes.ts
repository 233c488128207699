/**
 * The one place that turns an error into what the user sees and the process's exit code.
 *
 *   0  success
 *   1  the application failed or was killed (or an unexpected internal error)
 *   2  usage: a bad option or argument, a file or application that does not exist
 *   3  the cluster cannot be reached, or refuses us (access denied, standby, safe mode, garbage)
 */
import {
  AccessDeniedError,
  AlreadyExistsError,
  AuthenticationError,
  ConfigError,
  ConnectionError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  ProtocolError,
  errorMessage,
  RemoteError,
  RetriableError,
  SafeModeError,
  type SpindleError,
  StandbyError,
  TimeoutError,
} from '../../protocols/errors/index.js';
import { GssapiUnavailableError, KerberosCredentialsError } from '../../protocols/kerberos/index.js';

export const EXIT_OK = 0;
export const EXIT_APP_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CLUSTER = 3;
/** Conventional for "stopped by Ctrl-C" when nothing else applies. */
export const EXIT_INTERRUPTED = 130;

/** What the CLI knows about where it was pointed, for hints. */
export interface ErrorContext {
  /** The configuration directory and where its name came from ("HADOOP_CONF_DIR", "--conf-dir"). */
  confDir?: string;
  confDirSource?: string;
  rmUrls?: readonly string[];
  nameNodes?: readonly string[];
  /** Set when the cluster is Kerberized: the user we act as, and the principal of --principal. */
  kerberos?: { user: string; principal?: string };
}

export interface DescribedError {
  exitCode: number;
  /** One or more lines, without a trailing newline; starts with "spindle: ". */
  message: string;
}

/** Local file-system errors (ENOENT etc.) are the user's to fix. */
function isLocalFsError(err: unknown): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    typeof (err as NodeJS.ErrnoException).syscall === 'string'
  );
}

function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError) return EXIT_USAGE;
  if (err instanceof NotFoundError || err instanceof InvalidRequestError) return EXIT_USAGE;
  if (err instanceof AlreadyExistsError || err instanceof NotEmptyError || err instanceof ParentNotDirectoryError) return EXIT_USAGE;
  if (err instanceof ConnectionError || err instanceof TimeoutError || err instanceof AuthenticationError) return EXIT_CLUSTER;
  if (err instanceof AccessDeniedError || err instanceof StandbyError || err instanceof SafeModeError || err instanceof RetriableError) {
    return EXIT_CLUSTER;
  }
  if (err instanceof ProtocolError || err instanceof RemoteError) return EXIT_CLUSTER;
  if (isLocalFsError(err)) return EXIT_USAGE;
  return EXIT_APP_FAILED;
}

function confName(ctx: ErrorContext): string {
  if (!ctx.confDir) return 'HADOOP_CONF_DIR';
  return `${ctx.confDirSource ?? 'HADOOP_CONF_DIR'}=${ctx.confDir}`;
}

function mentions(err: SpindleError, urls: readonly string[] | undefined): boolean {
  if (!urls || !err.server) return false;
  return urls.some((u) => err.server!.includes(new URL(u).host));
}

/** A second line telling the user what to do, when we know. */
function hintFor(err: unknown, ctx: ErrorContext): string | undefined {
  if (err instanceof ConnectionError || err instanceof TimeoutError) {
    if (mentions(err, ctx.rmUrls)) {
      return `is the ResourceManager at ${(ctx.rmUrls ?? []).join(', ') || 'its address'} running? Its address comes from yarn.resourcemanager.webapp.address in ${confName(ctx)}; override it with --rm <url>`;
    }
    if (mentions(err, ctx.nameNodes)) {
      return `is the NameNode at ${ctx.nameNodes!.join(', ')} running? Its address comes from dfs.namenode.http-address in ${confName(ctx)}; override it with --namenode <url>`;
    }
    if (/NodeManager/.test(err.message)) return 'the NodeManager may have stopped or be unreachable from this machine';
    return undefined;
  }
  // A missing binding's message already says what to install.
  if (err instanceof GssapiUnavailableError) return undefined;
  if (err instanceof KerberosCredentialsError || (err instanceof AuthenticationError && ctx.kerberos)) return kerberosHint(err, ctx);
  if (err instanceof AccessDeniedError && ctx.kerberos) {
    const who = ctx.kerberos.principal ?? 'the principal of your Kerberos ticket (klist shows it)';
    return `on this Kerberized cluster you act as ${who}; use a principal that is allowed`;
  }
  if (err instanceof StandbyError) return `no active server answered; check the HA addresses in ${confName(ctx)}`;
  if (err instanceof SafeModeError) return 'HDFS is in safe mode (starting up or low on space); try again in a minute';
  if (err instanceof AccessDeniedError) return 'pass --user (or set HADOOP_USER_NAME) to act as a user who is allowed';
  if (err instanceof NotFoundError && err.appId && !err.path) return 'list applications with: spindle list --all-users';
  if (err instanceof InvalidRequestError && /node label/i.test(err.message)) {
    return 'this cluster does not have that node label (or none at all): drop --node-label or name one of its labels';
  }
  if (isLocalFsError(err) && err.code === 'ENOENT') return undefined;
  return undefined;
}

/** What to do about missing or refused Kerberos credentials. */
function kerberosHint(err: SpindleError, ctx: ErrorContext): string {
  const principal = (err instanceof KerberosCredentialsError ? err.principal : undefined) ?? ctx.kerberos?.principal;
  if (principal !== undefined) {
    return `the KDC gave ${principal} no ticket from the keytab: check --principal, and that the keytab is current (every ktadd changes the keys)`;
  }
  const user = ctx.kerberos?.user ?? '<principal>';
  return `get a ticket with: kinit ${user} (or your principal, e.g. ${user}@YOUR.REALM), or pass --principal <principal> --keytab <file>`;
}

function messageOf(err: unknown): string {
  if (isLocalFsError(err)) {
    const path = err.path ? ` ${err.path}` : '';
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      EEXIST: 'already exists',
    };
    return `${err.syscall}${path}: ${what[err.code!] ?? err.message}`;
  }
  return errorMessage(err);
}

/**
 * Exit code and message for an error. Without `verbose` there is no stack trace; with it, the stack
 * and the cause chain follow the message.
 */
export function describeError(err: unknown, ctx: ErrorContext = {}, verbose = false): DescribedError {
  const hint = hintFor(err, ctx);
  let message = messageOf(err);
  // The RM client's own advice ("; check HADOOP_CONF_DIR (…) or pass --rm") says less than our hint.
  if (hint) message = message.replace(/; check HADOOP_CONF_DIR \([^)]*\) or pass --rm$/, '');
  const lines = [`spindle: ${message}`];
  if (hint) lines.push(`  ${hint}`);
  if (verbose && err instanceof Error) {
    let e: unknown = err;
    for (let depth = 0; e instanceof Error && depth < 5; depth++) {
      lines.push(depth === 0 ? (e.stack ?? '') : `caused by: ${e.stack ?? e.message}`);
      e = e.cause;
    }
  }
  return { exitCode: exitCodeOf(err), message: lines.join('\n') };
}
