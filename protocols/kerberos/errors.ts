/** The Kerberos door's errors: both are AuthenticationErrors (the CLI's exit 3), told apart by class. */
import { AuthenticationError, type SpindleErrorOptions } from '../errors/index.js';

/**
 * No usable Kerberos credentials: no ticket, an expired one, a keytab the KDC refuses. `principal` is
 * the one we tried to use, when known (from --principal); `detail` is the GSSAPI library's own reason.
 */
export class KerberosCredentialsError extends AuthenticationError {
  override readonly name: string = 'KerberosCredentialsError';
  readonly principal: string | undefined;
  readonly detail: string;

  constructor(message: string, fields: { principal?: string; detail: string }, options: SpindleErrorOptions = {}) {
    super(message, options);
    this.principal = fields.principal;
    this.detail = fields.detail;
  }
}

/** The GSSAPI binding (the optional npm package `kerberos`) is not installed, or did not build. */
export class GssapiUnavailableError extends AuthenticationError {
  override readonly name: string = 'GssapiUnavailableError';
}
