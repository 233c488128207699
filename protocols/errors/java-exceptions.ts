import {
  AccessDeniedError,
  AlreadyExistsError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  RemoteError,
  RetriableError,
  SafeModeError,
  StandbyError,
  type SpindleErrorOptions,
} from './errors.js';

type RemoteErrorClass = new (message: string, options?: SpindleErrorOptions) => RemoteError;

/**
 * The one table from Hadoop/YARN Java exception class names to our error classes. Both WebHDFS
 * (RemoteException.javaClassName) and Hadoop RPC (RpcResponseHeader.exceptionClassName) use it.
 * Keys are fully qualified; `fromJavaException` also matches on the simple name, because WebHDFS
 * reports `exception` as a simple name.
 */
const JAVA_EXCEPTIONS: Record<string, RemoteErrorClass> = {
  'java.io.FileNotFoundException': NotFoundError,
  'org.apache.hadoop.fs.PathNotFoundException': NotFoundError,
  'org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException': NotFoundError,
  'org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException': NotFoundError,
  'org.apache.hadoop.yarn.exceptions.ContainerNotFoundException': NotFoundError,
  'org.apache.hadoop.security.AccessControlException': AccessDeniedError,
  'org.apache.hadoop.security.authorize.AuthorizationException': AccessDeniedError,
  'java.lang.SecurityException': AccessDeniedError,
  'org.apache.hadoop.security.token.SecretManager$InvalidToken': AccessDeniedError,
  'org.apache.hadoop.fs.FileAlreadyExistsException': AlreadyExistsError,
  'org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException': AlreadyExistsError,
  'org.apache.hadoop.fs.ParentNotDirectoryException': ParentNotDirectoryError,
  'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException': NotEmptyError,
  'org.apache.hadoop.ipc.StandbyException': StandbyError,
  'org.apache.hadoop.hdfs.server.namenode.SafeModeException': SafeModeError,
  'org.apache.hadoop.ipc.RetriableException': RetriableError,
  'java.lang.IllegalArgumentException': InvalidRequestError,
  'java.lang.UnsupportedOperationException': InvalidRequestError,
  // Both extend IllegalArgumentException; HDFS throws them for bad path names (e.g. a ':' segment).
  'org.apache.hadoop.HadoopIllegalArgumentException': InvalidRequestError,
  'org.apache.hadoop.fs.InvalidPathException': InvalidRequestError,
  'org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException': InvalidRequestError,
  'org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException': InvalidRequestError,
  'org.apache.hadoop.yarn.exceptions.InvalidContainerReleaseException': InvalidRequestError,
  'org.apache.hadoop.yarn.exceptions.InvalidResourceBlacklistRequestException': InvalidRequestError,
  // YARN web services (RM/NM REST) wrap their answers in these.
  'org.apache.hadoop.yarn.webapp.NotFoundException': NotFoundError,
  'org.apache.hadoop.yarn.webapp.BadRequestException': InvalidRequestError,
  'org.apache.hadoop.yarn.webapp.ForbiddenException': AccessDeniedError,
};

const BY_SIMPLE_NAME: Record<string, RemoteErrorClass> = Object.fromEntries(
  Object.entries(JAVA_EXCEPTIONS).map(([fqcn, cls]) => [simpleName(fqcn), cls]),
);

function simpleName(className: string): string {
  const dot = className.lastIndexOf('.');
  return dot < 0 ? className : className.slice(dot + 1);
}

/**
 * The error class for a Java exception class name (fully qualified or simple). An HA NameNode in safe
 * mode wraps its SafeModeException in a RetriableException (NameNode#checkNameNodeSafeMode), so the
 * message decides between the two.
 */
export function errorClassFor(className: string | undefined, message = ''): RemoteErrorClass {
  if (!className) return RemoteError;
  const cls = JAVA_EXCEPTIONS[className] ?? BY_SIMPLE_NAME[simpleName(className)] ?? RemoteError;
  if (cls === RetriableError && message.includes('SafeModeException')) return SafeModeError;
  return cls;
}

/** Build the typed error for a server-side Java exception. */
export function fromJavaException(className: string | undefined, message: string, options: SpindleErrorOptions = {}): RemoteError {
  const Cls = errorClassFor(className, message);
  return new Cls(message, { ...options, exceptionClassName: className ?? options.exceptionClassName });
}
