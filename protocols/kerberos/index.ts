/**
 * Kerberos for the client: SPNEGO tokens from the system GSSAPI (the optional npm package `kerberos`,
 * loaded only for a Kerberized cluster), the login options (ticket cache, or `--principal`/`--keytab`)
 * checked once, and a keytab reader for that check. Callers see the NegotiateTokenSource of
 * protocols/http; the binding's types stay here.
 */
export { installedAddonPath, loadAddonFile } from './addon.js';
export { GssapiUnavailableError, KerberosCredentialsError } from './errors.js';
export { GSSAPI_INSTALL_HINT, GSSAPI_PACKAGE, GssapiTokenSource, gssReason, type GssapiBinding, type GssapiOptions } from './gssapi.js';
export { KeytabFormatError, keytabPrincipals } from './keytab.js';
export { principalShortName, resolveKerberosLogin, type KerberosLogin, type KerberosLoginOptions } from './login.js';
