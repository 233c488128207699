import { resolve } from 'node:path';
import type { TokenRenewalSpec } from '../protocols/app-spec/index.js';
import { HttpNegotiator } from '../protocols/http/index.js';
import { errorMessage } from '../protocols/errors/index.js';
import { GssapiTokenSource, GssapiUnavailableError, loadAddonFile } from '../protocols/kerberos/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';

/**
 * The AM's own Kerberos login, from the keytab the client shipped (--principal/--keytab): a WebHDFS
 * client that authenticates by SPNEGO as that principal, the only way the NameNode issues delegation
 * tokens. The login lives in a private in-memory credential cache; krb5 gets (and refreshes) its
 * tickets from the keytab, through the GSSAPI binding shipped beside it.
 */
export function keytabWebHdfs(
  renewal: TokenRenewalSpec,
  nameNodes: string[],
  workDir: string,
  env: Record<string, string | undefined>,
): WebHdfsClient {
  const keytab = resolve(workDir, renewal.keytab);
  const addon = resolve(workDir, renewal.gssapiAddon);
  const source = new GssapiTokenSource({
    login: { kind: 'keytab', principal: renewal.principal, keytab },
    env,
    load: async () => {
      try {
        return loadAddonFile(addon);
      } catch (err) {
        throw new GssapiUnavailableError(
          `the GSSAPI binding shipped with the application (${renewal.gssapiAddon}, built on the submitting machine) does not load ` +
            `on this node: ${errorMessage(err)}; the nodes need MIT krb5's GSSAPI library and the submitting machine's OS and architecture`,
          { cause: err },
        );
      }
    },
    privateCache: `MEMORY:spindle-am-${process.pid}`,
  });
  return new WebHdfsClient({ nameNodes, negotiator: new HttpNegotiator({ source }) });
}
