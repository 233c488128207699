/**
 * Turns a WebHDFS error answer into one of our typed errors. The NameNode and the DataNode both answer
 *
 *   HTTP 4xx/5xx  {"RemoteException":{"exception":"FileNotFoundException",
 *                                     "javaClassName":"java.io.FileNotFoundException",
 *                                     "message":"File does not exist: /x"}}
 *
 * (IllegalArgumentException → 400, SecurityException → 401, IOException and AccessControlException →
 * 403, FileNotFoundException → 404, other RuntimeExceptions → 500). The class comes from the Java
 * exception via the shared table; the message names our operation and path, and the server's own
 * words ride along as the `cause`.
 */
import {
  AccessDeniedError,
  AlreadyExistsError,
  AuthenticationError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  ProtocolError,
  RemoteError,
  SafeModeError,
  StandbyError,
  errorClassFor,
  fromJavaException,
  type SpindleError,
} from '../errors/index.js';

/** What we were doing when the error came back. */
export interface CallContext {
  /** WebHDFS op name, e.g. "CREATE". */
  operation: string;
  /** The path, or "src -> dst" for a rename. */
  path: string;
  /** host:port that answered. */
  server: string;
  /** The user we act as, for access-denied messages. */
  user?: string;
}

/** The fields of a RemoteException body. */
export interface RemoteExceptionBody {
  exception?: string;
  javaClassName?: string;
  message?: string;
}

/** Longest server message we quote. */
const MAX_QUOTED_MESSAGE = 500;

/** Extract the RemoteException from an error body, or undefined if the body is not one. */
export function parseRemoteException(body: string): RemoteExceptionBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const re = (json as { RemoteException?: unknown } | null)?.RemoteException;
  if (re === null || typeof re !== 'object') return undefined;
  const pick = (k: string): string | undefined => {
    const v = (re as Record<string, unknown>)[k];
    return typeof v === 'string' ? v : undefined;
  };
  return { exception: pick('exception'), javaClassName: pick('javaClassName'), message: pick('message') };
}

/** The typed error for an HTTP error answer (`status` >= 400) with body text `body`. */
export function errorFromResponse(status: number, body: string, ctx: CallContext): SpindleError {
  const base = { operation: ctx.operation, path: ctx.path, server: ctx.server, status };
  const remote = parseRemoteException(body);
  if (remote === undefined) return errorFromStatus(status, body, ctx, base);
  const className = remote.javaClassName ?? remote.exception;
  const serverMessage = firstLine(remote.message ?? '');
  const summary = summarize(className, serverMessage, ctx);
  const cause = new Error(serverMessage);
  cause.name = className ?? 'RemoteException';
  return fromJavaException(className, `${ctx.operation} ${ctx.path}: ${summary}`, { ...base, cause });
}

/**
 * How HDFS refused a delegation token, from its words: SecretManager$InvalidToken, thrown as it is (an
 * RPC or RENEW/CANCEL answer) or wrapped in the SecurityException WebHDFS answers for a `delegation=`
 * it cannot use. Recorded from Hadoop 3.5 (older releases say "token (...) is expired"):
 *
 *   expired   "...InvalidToken: Token  has expired, current time: ... expected renewal time: ..."
 *   unknown   "...InvalidToken: Token for real user: , can't be found in cache"   (cancelled, or expired and removed)
 *             "Token not found (token for root: HDFS_DELEGATION_TOKEN owner=root, ...)"
 *   invalid   any other InvalidToken (a wrong password, an unknown master key)
 *
 * undefined when the text is not about a refused token.
 */
export function delegationTokenRefusal(text: string): 'expired' | 'unknown' | 'invalid' | undefined {
  if (!/\bInvalidToken\b/.test(text)) return undefined;
  if (/\b(?:has|is) expired\b/.test(text)) return 'expired';
  if (/can't be found in cache|\bToken not found\b/.test(text)) return 'unknown';
  return 'invalid';
}

/** The words after "OP /path: " for each error class. */
function summarize(className: string | undefined, serverMessage: string, ctx: CallContext): string {
  // Not a permission of the user's: the token the call carried is no longer good.
  if (delegationTokenRefusal(`${className ?? ''}: ${serverMessage}`)) return `HDFS refused the delegation token (${serverMessage})`;
  const Cls = errorClassFor(className, serverMessage);
  switch (Cls) {
    case NotFoundError:
      // HDFS also throws FileNotFoundException for "Path is not a file: /dir" (OPEN of a directory).
      return /is not a file/i.test(serverMessage) ? 'not a file' : 'no such file or directory';
    case AlreadyExistsError:
      return 'file already exists';
    case ParentNotDirectoryError:
      return 'parent is not a directory';
    case NotEmptyError:
      return 'directory is not empty';
    case StandbyError:
      return `NameNode ${ctx.server} is in standby state`;
    case SafeModeError:
      return `NameNode ${ctx.server} is in safe mode (${serverMessage})`;
    case AccessDeniedError:
      return `permission denied${ctx.user ? ` for user ${ctx.user}` : ''} (${serverMessage})`;
    case InvalidRequestError:
      return `invalid request: ${serverMessage}`;
    default:
      return `${simpleName(className ?? 'RemoteException')}: ${serverMessage}`;
  }
}

/** An error answer that is not a RemoteException: a proxy, a disabled WebHDFS, an auth filter. */
function errorFromStatus(
  status: number,
  body: string,
  ctx: CallContext,
  base: { operation: string; path: string; server: string; status: number },
): SpindleError {
  const head = `${ctx.operation} ${ctx.path}: HTTP ${status} from ${ctx.server}`;
  const detail = firstLine(body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' '));
  const suffix = detail ? ` (${detail})` : '';
  if (status === 401) return new AuthenticationError(`${head}: authentication required${suffix}`, base);
  if (status === 403) return new AccessDeniedError(`${head}: forbidden${suffix}`, base);
  if (status === 404) return new ProtocolError(`${head}: no WebHDFS endpoint at this address${suffix}`, base);
  // 502-504 come from proxies and overloaded servers; trying again is reasonable.
  const retriable = status >= 502 && status <= 504;
  return new RemoteError(`${head}${suffix}`, { ...base, retriable });
}

function firstLine(text: string): string {
  const line = text.trim().split('\n', 1)[0] ?? '';
  return line.length > MAX_QUOTED_MESSAGE ? `${line.slice(0, MAX_QUOTED_MESSAGE)}...` : line;
}

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1);
}
