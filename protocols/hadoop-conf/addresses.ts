/**
 * host:port values from Hadoop configuration, and the rule that turns a server's bind address
 * into an address a client can dial.
 *
 * The wildcard rule: a wildcard host (`0.0.0.0`, `::`, or an empty host as in `:8088`) means
 * "every interface of this host" to the server that binds it. A client cannot dial it, so we
 * substitute the host of a related address of the same daemon, the first that is not itself a
 * wildcard (for the NameNode: the fs.defaultFS host, then dfs.namenode.rpc-address; for the
 * ResourceManager: yarn.resourcemanager.hostname, then its RPC/scheduler/webapp addresses; for an
 * HA instance the same keys with the `.<id>` suffix). With no such host we use 127.0.0.1.
 * Hadoop's own NetUtils.getConnectAddress uses the local host name instead, which is only right
 * when the client runs on the server's machine; a related address also serves remote clients.
 */
import { ConfigError } from '../errors/index.js';

/** Host substituted for a wildcard when no related address names a host. */
export const LOOPBACK_HOST = '127.0.0.1';

export interface HostPort {
  host: string;
  port: number;
}

/** Whether `host` is a bind-to-everything address. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * Parse `host:port`, `[v6]:port`, `host` (with `defaultPort`), or a URI such as `hdfs://h:8020/`.
 * @param key the configuration key, named in errors
 * @throws ConfigError for a missing port (and no default) or a port outside 0..65535
 */
export function parseHostPort(value: string, key: string, defaultPort?: number): HostPort {
  const fail = (why: string): never => {
    throw new ConfigError(`${key}: ${why} in "${value}"`, { operation: 'read configuration' });
  };
  let rest = value.trim();
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    rest = rest.split(/[/?#]/, 1)[0]!;
    rest = rest.slice(rest.lastIndexOf('@') + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('unclosed "[" in IPv6 address');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('unexpected text after "]"');
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) fail('IPv6 addresses must be written as [address]:port');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
  }
  let port: number;
  if (portText === undefined || portText === '') {
    if (defaultPort === undefined) return fail('no port');
    port = defaultPort;
  } else {
    if (!/^\d+$/.test(portText)) fail(`port "${portText}" is not a number`);
    port = Number(portText);
    if (port > 65535) fail(`port ${port} is out of range`);
  }
  return { host, port };
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Apply the wildcard rule (see the file comment): keep a concrete host, else take the first
 * related host that is set and not a wildcard, else LOOPBACK_HOST.
 */
export function connectAddress(address: HostPort, relatedHosts: ReadonlyArray<string | undefined>): HostPort {
  if (!isWildcardHost(address.host)) return address;
  // A host still holding an unresolved ${...} reference names nothing we could dial.
  const related = relatedHosts.find((h): h is string => h !== undefined && !isWildcardHost(h) && !h.includes('${'));
  return { host: related ?? LOOPBACK_HOST, port: address.port };
}

/** Host part of a `host:port` value, or undefined when the value is unset or unparsable. */
export function hostOf(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return parseHostPort(value, 'related address', 0).host;
  } catch {
    return undefined;
  }
}
