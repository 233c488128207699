/**
 * HDFS client options from a Hadoop configuration: the default file system and the NameNode web
 * endpoints WebHDFS talks to, for a single NameNode and for an HA nameservice.
 */
import { ConfigError } from '../errors/index.js';
import { connectAddress, formatHostPort, hostOf, parseHostPort } from './addresses.js';
import type { HadoopConfiguration } from './configuration.js';
import { DEFAULT_NAMENODE_HTTP_PORT, DEFAULT_NAMENODE_HTTPS_PORT, DEFAULT_NAMENODE_RPC_PORT } from './defaults.js';
import { clientScheme, httpPolicyOf, type HttpPolicy } from './http-policy.js';

export interface HdfsOptions {
  /** fs.defaultFS, normalised as Hadoop does ("local" -> "file:///", "host:port" -> "hdfs://host:port"). */
  defaultFs: string;
  /** The logical nameservice fs.defaultFS names (HA or federated), else undefined. */
  nameservice: string | undefined;
  /**
   * NameNode web base URLs (`http[s]://host:port`, no path) in configured order; for HA, one per
   * NameNode in `dfs.ha.namenodes.<ns>` order (the client fails over between them).
   */
  nameNodeHttpUrls: string[];
  /** NameNode RPC addresses (`host:port`) that can be derived; empty for a non-HDFS default FS. */
  nameNodeRpcAddresses: string[];
  /** dfs.http.policy; HTTPS_ONLY makes nameNodeHttpUrls https. */
  httpPolicy: HttpPolicy;
}

const HDFS_SCHEMES = new Set(['hdfs', 'webhdfs', 'swebhdfs']);

/**
 * Build HdfsOptions. The NameNode web address is chosen as follows:
 * - fs.defaultFS `webhdfs://h:p` / `swebhdfs://h:p`: that address (default ports 9870 / 9871);
 * - fs.defaultFS names a nameservice with `dfs.ha.namenodes.<ns>`: for each NameNode id,
 *   `dfs.namenode.http[s]-address.<ns>.<id>`, a wildcard host taking the host of
 *   `dfs.namenode.rpc-address.<ns>.<id>`;
 * - fs.defaultFS names a nameservice listed in `dfs.nameservices` without HA:
 *   `dfs.namenode.http[s]-address.<ns>`;
 * - otherwise `dfs.namenode.http[s]-address` (default 0.0.0.0:9870), a wildcard host taking the
 *   fs.defaultFS host, then the dfs.namenode.rpc-address host, then 127.0.0.1.
 * https and the https-address keys are used when dfs.http.policy is HTTPS_ONLY (or the scheme is
 * swebhdfs).
 * @throws ConfigError for an unparsable fs.defaultFS, a bad policy, or an HA NameNode with no address
 */
export function hdfsOptions(conf: HadoopConfiguration): HdfsOptions {
  const httpPolicy = httpPolicyOf(conf, 'dfs.http.policy');
  const defaultFs = normalizeFsName(conf.getTrimmed('fs.defaultFS') || 'file:///');
  const uri = parseFsUri(defaultFs);
  const scheme = uri.protocol.slice(0, -1).toLowerCase();
  const host = uri.hostname;
  const web = webKeys(scheme === 'webhdfs' ? 'http' : scheme === 'swebhdfs' ? 'https' : clientScheme(httpPolicy));
  const base = { defaultFs, httpPolicy };

  if (HDFS_SCHEMES.has(scheme) && host !== '') {
    const namenodeIds = conf.getTrimmedStrings(`dfs.ha.namenodes.${host}`);
    const suffixes =
      namenodeIds.length > 0
        ? namenodeIds.map((id) => `.${host}.${id}`)
        : conf.getTrimmedStrings('dfs.nameservices').includes(host)
          ? [`.${host}`]
          : [];
    if (suffixes.length > 0) {
      const nameNodes = suffixes.map((suffix) => logicalNameNode(conf, web, suffix, host));
      return {
        ...base,
        nameservice: host,
        nameNodeHttpUrls: nameNodes.map((n) => n.httpUrl),
        nameNodeRpcAddresses: nameNodes.flatMap((n) => (n.rpcAddress ? [n.rpcAddress] : [])),
      };
    }
    if (scheme !== 'hdfs') {
      // webhdfs://host:port is itself the NameNode web address.
      const port = uri.port === '' ? web.port : Number(uri.port);
      const url = `${web.scheme}://${formatHostPort({ host, port })}`;
      return { ...base, nameservice: undefined, nameNodeHttpUrls: [url], nameNodeRpcAddresses: [] };
    }
  }

  const fsHost = scheme === 'hdfs' && host !== '' ? host : undefined;
  const rpcValue = conf.getTrimmed('dfs.namenode.rpc-address');
  const httpValue = conf.getTrimmed(web.key) || `0.0.0.0:${web.port}`;
  const http = connectAddress(parseHostPort(httpValue, web.key, web.port), [fsHost, hostOf(rpcValue)]);
  const rpcPort = uri.port === '' ? DEFAULT_NAMENODE_RPC_PORT : Number(uri.port);
  return {
    ...base,
    nameservice: undefined,
    nameNodeHttpUrls: [`${web.scheme}://${formatHostPort(http)}`],
    nameNodeRpcAddresses: fsHost === undefined ? [] : [formatHostPort({ host: fsHost, port: rpcPort })],
  };
}

interface WebKeys {
  scheme: 'http' | 'https';
  key: string;
  port: number;
}

/**
 * One NameNode of a logical nameservice; `suffix` is `.<ns>.<id>` (HA) or `.<ns>` (federation
 * without HA). Like Hadoop, a NameNode without its own web address gets the default
 * (0.0.0.0:port), which the wildcard rule turns into the host of its RPC address.
 */
function logicalNameNode(
  conf: HadoopConfiguration,
  web: WebKeys,
  suffix: string,
  ns: string,
): { httpUrl: string; rpcAddress: string | undefined } {
  const httpKey = web.key + suffix;
  const rpcKey = `dfs.namenode.rpc-address${suffix}`;
  const httpValue = conf.getTrimmed(httpKey);
  const rpcValue = conf.getTrimmed(rpcKey);
  const rpcHost = hostOf(rpcValue);
  if (!httpValue && rpcHost === undefined) {
    throw new ConfigError(`${httpKey} is not set (nor ${rpcKey} to derive it from), but fs.defaultFS names nameservice ${ns}`, {
      operation: 'read configuration',
    });
  }
  const http = connectAddress(parseHostPort(httpValue || `0.0.0.0:${web.port}`, httpKey, web.port), [rpcHost]);
  const rpc = rpcValue && connectAddress(parseHostPort(rpcValue, rpcKey, DEFAULT_NAMENODE_RPC_PORT), [http.host]);
  return { httpUrl: `${web.scheme}://${formatHostPort(http)}`, rpcAddress: rpc ? formatHostPort(rpc) : undefined };
}

function webKeys(scheme: 'http' | 'https'): WebKeys {
  return scheme === 'https'
    ? { scheme, key: 'dfs.namenode.https-address', port: DEFAULT_NAMENODE_HTTPS_PORT }
    : { scheme, key: 'dfs.namenode.http-address', port: DEFAULT_NAMENODE_HTTP_PORT };
}

/** Hadoop's FileSystem.fixName. */
function normalizeFsName(name: string): string {
  if (name === 'local') return 'file:///';
  if (!name.includes('/')) return `hdfs://${name}`;
  return name;
}

function parseFsUri(defaultFs: string): URL {
  try {
    return new URL(defaultFs);
  } catch (cause) {
    throw new ConfigError(`fs.defaultFS: "${defaultFs}" is not a URI`, { operation: 'read configuration', cause });
  }
}
