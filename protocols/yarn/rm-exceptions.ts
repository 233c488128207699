import { SpindleError } from '../errors/index.js';

/**
 * Recognising the ResourceManager's answers that call for something other than a retry. The RPC
 * layer turns server exceptions into RemoteError subclasses carrying `exceptionClassName`; these
 * helpers read that field (never the message text).
 */

/** RM restarted or failed over (or the AM never registered): register again, resend all asks. */
export const AM_NOT_REGISTERED_EXCEPTION = 'org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException';
/** The RM no longer knows this attempt: the AM must shut down. */
export const ATTEMPT_NOT_FOUND_EXCEPTION = 'org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException';
/** The token was refused (e.g. an AMRMToken whose key has been retired). */
export const INVALID_TOKEN_EXCEPTION = 'org.apache.hadoop.security.token.SecretManager$InvalidToken';

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1);
}

function isJavaException(err: unknown, className: string): boolean {
  if (!(err instanceof SpindleError) || !err.exceptionClassName) return false;
  // Some paths report only the simple name; compare on that.
  return simpleName(err.exceptionClassName) === simpleName(className);
}

/** allocate/finish answered ApplicationMasterNotRegisteredException: re-register, then resend state. */
export function isNotRegistered(err: unknown): boolean {
  return isJavaException(err, AM_NOT_REGISTERED_EXCEPTION);
}

/** The attempt is gone from the RM (ApplicationAttemptNotFoundException): shut down. */
export function isAttemptNotFound(err: unknown): boolean {
  return isJavaException(err, ATTEMPT_NOT_FOUND_EXCEPTION);
}

/** The server refused the token (SecretManager$InvalidToken). */
export function isInvalidToken(err: unknown): boolean {
  return isJavaException(err, INVALID_TOKEN_EXCEPTION);
}
