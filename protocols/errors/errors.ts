/**
 * Spindle's error tree. Every error a caller can see is one of these classes; callers branch with
 * `instanceof`, never on message text. Structured context (path, host, method, Java exception class)
 * lives in fields, and the message says what was being done and to what.
 *
 *   SpindleError
 *   ├── ConfigError            bad options or Hadoop configuration (the user must change something)
 *   ├── ConnectionError        could not reach a server, or the connection broke (retriable)
 *   ├── TimeoutError           a call got no answer in time (retriable)
 *   ├── ProtocolError          a peer sent bytes we cannot understand (a bug or a version mismatch)
 *   ├── AuthenticationError    SASL / token negotiation failed
 *   └── RemoteError            the server answered with a Java exception
 *       ├── NotFoundError            FileNotFoundException, ApplicationNotFoundException, ...
 *       ├── AccessDeniedError        AccessControlException, AuthorizationException, ...
 *       ├── AlreadyExistsError       FileAlreadyExistsException
 *       ├── ParentNotDirectoryError  ParentNotDirectoryException
 *       ├── NotEmptyError            PathIsNotEmptyDirectoryException
 *       ├── StandbyError             StandbyException (fail over to another server)
 *       ├── SafeModeError            SafeModeException (retriable after a while)
 *       ├── RetriableError           RetriableException: the server asks for the same call again later
 *       ├── LogUnavailableError      a NodeManager lists a container's log files but can never serve them
 *       ├── InvalidRequestError      IllegalArgumentException, InvalidResourceRequestException, ...
 *       └── (plain RemoteError for anything the table does not name)
 */

/** Extra facts attached to an error; all optional, all plain data. */
export interface ErrorContext {
  /** What we were doing, e.g. "CREATE" or "allocate". */
  operation?: string;
  /** HDFS path the operation was about. */
  path?: string;
  /** host:port or URL of the server involved. */
  server?: string;
  /** RPC method name. */
  method?: string;
  /** The Java exception class the server named, if any. */
  exceptionClassName?: string;
  appId?: string;
  containerId?: string;
  /** HTTP status, for REST calls. */
  status?: number;
}

export interface SpindleErrorOptions extends ErrorContext {
  cause?: unknown;
  /** Whether repeating the same call may succeed. Defaults per class. */
  retriable?: boolean;
}

export class SpindleError extends Error {
  override readonly name: string = 'SpindleError';
  readonly retriable: boolean;
  readonly operation?: string;
  readonly path?: string;
  readonly server?: string;
  readonly method?: string;
  readonly exceptionClassName?: string;
  readonly appId?: string;
  readonly containerId?: string;
  readonly status?: number;

  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
    this.operation = options.operation;
    this.path = options.path;
    this.server = options.server;
    this.method = options.method;
    this.exceptionClassName = options.exceptionClassName;
    this.appId = options.appId;
    this.containerId = options.containerId;
    this.status = options.status;
  }
}

export class ConfigError extends SpindleError {
  override readonly name: string = 'ConfigError';
}

export class ConnectionError extends SpindleError {
  override readonly name: string = 'ConnectionError';
  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

export class TimeoutError extends SpindleError {
  override readonly name: string = 'TimeoutError';
  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

export class ProtocolError extends SpindleError {
  override readonly name: string = 'ProtocolError';
}

export class AuthenticationError extends SpindleError {
  override readonly name: string = 'AuthenticationError';
}

export class RemoteError extends SpindleError {
  override readonly name: string = 'RemoteError';
}

export class NotFoundError extends RemoteError {
  override readonly name: string = 'NotFoundError';
}

export class AccessDeniedError extends RemoteError {
  override readonly name: string = 'AccessDeniedError';
}

export class AlreadyExistsError extends RemoteError {
  override readonly name: string = 'AlreadyExistsError';
}

export class ParentNotDirectoryError extends RemoteError {
  override readonly name: string = 'ParentNotDirectoryError';
}

export class NotEmptyError extends RemoteError {
  override readonly name: string = 'NotEmptyError';
}

export class StandbyError extends RemoteError {
  override readonly name: string = 'StandbyError';
  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

export class SafeModeError extends RemoteError {
  override readonly name: string = 'SafeModeError';
  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * Hadoop's RetriableException: the server could not serve the call now (a NameNode catching up on
 * edits, a token not yet loaded) and says the same call may succeed later.
 */
export class RetriableError extends RemoteError {
  override readonly name: string = 'RetriableError';
  constructor(message: string, options: SpindleErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * A NodeManager that lists a container's log files but cannot serve their contents, and never will
 * (a secure NodeManager without Hadoop's native library): asking again does not help.
 */
export class LogUnavailableError extends RemoteError {
  override readonly name: string = 'LogUnavailableError';
}

export class InvalidRequestError extends RemoteError {
  override readonly name: string = 'InvalidRequestError';
}

/**
 * The message of anything thrown: an Error's message, or the thrown value as text (a job may
 * throw a string or a plain object; `(err as Error).message` would say "undefined").
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    // A value JSON cannot print (a cycle, a BigInt): its string form is the best we have.
    return String(err);
  }
}

/** The stack of anything thrown, else its message (for logs that want the whole story). */
export function errorStack(err: unknown): string {
  return err instanceof Error && err.stack ? err.stack : errorMessage(err);
}

/** Anything thrown, as an Error: itself when it is one, else an Error saying what it was. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err), { cause: err });
}

/**
 * Text a remote peer chose, made safe to put in a log line or on a terminal: control characters
 * (newlines, escape sequences) become `\u` escapes, so the text cannot forge log lines or drive the
 * terminal, and it is cut to `max` characters.
 */
export function printable(text: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what gets escaped
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > max ? `${safe.slice(0, max)}...` : safe;
}
