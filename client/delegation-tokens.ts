import { lookup } from 'node:dns/promises';
import { createToken, decodeTokenUrlString, TokenKinds, type Token } from '../protocols/credentials/index.js';
import { ConfigError } from '../protocols/errors/index.js';
import { parseHostPort, rmPrincipal, type ClientConfig } from '../protocols/hadoop-conf/index.js';
import { GSSAPI_INSTALL_HINT, installedAddonPath } from '../protocols/kerberos/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';

/**
 * The HDFS delegation token an application on a Kerberized cluster is submitted with. The AM and its
 * containers hold no Kerberos credentials: the NodeManagers localize their files, and the AM, driver
 * and executors call WebHDFS (`delegation=`), with this token, which the ResourceManager renews until
 * its maximum lifetime.
 *
 * WebHDFS hands out the token under the kind "WEBHDFS delegation"; the identifier and password are
 * HDFS's own, so it goes into the credentials as an HDFS_DELEGATION_TOKEN whose service is the
 * NameNode's RPC address (`ip:port`, hadoop.security.token.service.use_ip) or `ha-hdfs:<nameservice>`:
 * what the RM's renewer dials and what the NodeManagers' HDFS clients select tokens by.
 */

/** What the client needs to know to obtain the application's tokens. */
export interface TokenPlan {
  /** The RM's principal: the renewer recorded in the token (the NameNode keeps its short name). */
  renewer: string;
  /** The token's service string. */
  service: string;
  /**
   * A keytab login (--principal/--keytab) to ship to the AM, which then obtains fresh tokens for as
   * long as the application runs; without it the application must end within the token's lifetime.
   */
  keytab?: { principal: string; path: string };
}

/** The renewer and service for `config`'s cluster. @throws ConfigError when they cannot be derived. */
export async function tokenPlanFor(config: ClientConfig, keytab?: TokenPlan['keytab']): Promise<TokenPlan> {
  const rmAddress = config.yarn.rmAddresses[0];
  if (rmAddress === undefined) throw new ConfigError('no ResourceManager address in the configuration');
  const renewer = rmPrincipal(config.conf, parseHostPort(rmAddress, 'yarn.resourcemanager.address', 8032).host);
  return { renewer, service: await hdfsTokenService(config), ...(keytab ? { keytab } : {}) };
}

/** Names of the keytab and the GSSAPI binding in the AM container's working directory. */
export const SHIPPED_KEYTAB = 'spindle.keytab';
export const SHIPPED_GSSAPI_ADDON = 'spindle-kerberos.node';

/**
 * The `kerberos` package's addon, to ship with a keytab: the AM loads it to log in. It is built for
 * this machine, so it fits the cluster's nodes only if this is Linux on their architecture.
 * @throws ConfigError when it is not installed or this is not Linux
 */
export function gssapiAddonToShip(platform: string = process.platform, find: () => string | undefined = installedAddonPath): string {
  if (platform !== 'linux') {
    throw new ConfigError(
      `--keytab: the ApplicationMaster obtains fresh delegation tokens with the GSSAPI binding built on this machine (${platform}), ` +
        "and it runs only on Linux nodes: submit from Linux on the nodes' architecture, or leave out --keytab " +
        "(the application must then end within the HDFS delegation token's maximum lifetime)",
    );
  }
  const path = find();
  if (path === undefined) throw new ConfigError(`--keytab: the GSSAPI binding is not installed; install it with: ${GSSAPI_INSTALL_HINT}`);
  return path;
}

async function hdfsTokenService(config: ClientConfig): Promise<string> {
  const { hdfs } = config;
  if (hdfs.nameservice !== undefined) return `ha-hdfs:${hdfs.nameservice}`;
  const rpc = hdfs.nameNodeRpcAddresses[0];
  if (rpc === undefined) {
    throw new ConfigError(
      `fs.defaultFS is ${hdfs.defaultFs}: on a Kerberized cluster Spindle needs an hdfs:// default file system ` +
        '(its containers get an HDFS delegation token for that NameNode)',
      { operation: 'read configuration' },
    );
  }
  const { host, port } = parseHostPort(rpc, 'fs.defaultFS', 8020);
  // Java resolves to IPv4 first; so does the service string the NodeManagers' clients compute.
  const address = await lookup(host, { family: 4 })
    .catch(() => lookup(host))
    .then((a) => a.address)
    .catch(() => host);
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Obtains an HDFS delegation token over WebHDFS (the client must be authenticated by Kerberos) and
 * relabels it for the credentials. The token is secret: it goes into the submission, never a log.
 */
export async function obtainHdfsToken(hdfs: WebHdfsClient, plan: TokenPlan): Promise<Token> {
  // The NameNode's own error (it names GETDELEGATIONTOKEN) keeps its class, and so its exit code.
  const urlString = await hdfs.getDelegationToken(plan.renewer);
  const issued = decodeTokenUrlString(urlString);
  return createToken({ identifier: issued.identifier, password: issued.password, kind: TokenKinds.HDFS_DELEGATION, service: plan.service });
}
