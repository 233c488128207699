/**
 * YARN client options from a Hadoop configuration: where the ResourceManager's REST API, client
 * RPC and scheduler RPC live (one RM or an HA set), the web proxy, and log aggregation.
 */
import { ConfigError } from '../errors/index.js';
import { connectAddress, formatHostPort, parseHostPort, type HostPort } from './addresses.js';
import type { HadoopConfiguration } from './configuration.js';
import { DEFAULT_RM_PORT, DEFAULT_RM_SCHEDULER_PORT, DEFAULT_RM_WEBAPP_HTTPS_PORT, DEFAULT_RM_WEBAPP_PORT } from './defaults.js';
import { clientScheme, httpPolicyOf, type HttpPolicy } from './http-policy.js';

export interface LogAggregationOptions {
  /** yarn.log-aggregation-enable; default false. */
  enabled: boolean;
  /** yarn.nodemanager.remote-app-log-dir; default /tmp/logs. */
  remoteAppLogDir: string;
  /** yarn.nodemanager.remote-app-log-dir-suffix; default "logs". */
  remoteAppLogDirSuffix: string;
}

export interface YarnOptions {
  /** yarn.http.policy; HTTPS_ONLY makes rmWebUrls https (port default 8090). */
  httpPolicy: HttpPolicy;
  /** yarn.resourcemanager.ha.enabled; default false. */
  haEnabled: boolean;
  /** yarn.resourcemanager.ha.rm-ids when HA is on, else []. */
  rmIds: string[];
  /** RM web base URLs (`http[s]://host:port`), one per RM, in rm-ids order. */
  rmWebUrls: string[];
  /** RM client RPC addresses (`host:port`, default port 8032), one per RM. */
  rmAddresses: string[];
  /** RM scheduler RPC addresses (`host:port`, default port 8030) the AM registers with, one per RM. */
  rmSchedulerAddresses: string[];
  /** yarn.web-proxy.address (`host:port`); undefined when the proxy runs inside the RM. */
  webProxyAddress: string | undefined;
  logAggregation: LogAggregationOptions;
  /**
   * yarn.scheduler.include-port-in-node-name: the scheduler names nodes `host:port` (several
   * NodeManagers on one host), so a container request naming a host matches no node.
   */
  nodeNamesWithPort: boolean;
}

/** The RM address kinds: configuration key prefix and the port used with `hostname.<id>`. */
const RM_ADDRESS = { key: 'yarn.resourcemanager.address', port: DEFAULT_RM_PORT };
const RM_SCHEDULER = { key: 'yarn.resourcemanager.scheduler.address', port: DEFAULT_RM_SCHEDULER_PORT };
const RM_WEBAPP = { key: 'yarn.resourcemanager.webapp.address', port: DEFAULT_RM_WEBAPP_PORT };
const RM_WEBAPP_HTTPS = { key: 'yarn.resourcemanager.webapp.https.address', port: DEFAULT_RM_WEBAPP_HTTPS_PORT };

type AddressKind = typeof RM_ADDRESS;

/**
 * Build YarnOptions. Without HA each address is its key (Hadoop's defaults derive them from
 * yarn.resourcemanager.hostname). With yarn.resourcemanager.ha.enabled, each id in
 * yarn.resourcemanager.ha.rm-ids uses `<key>.<id>`, else `yarn.resourcemanager.hostname.<id>` plus
 * the default port, as Hadoop's HAUtil does. Wildcard hosts follow the rule in addresses.ts.
 * @throws ConfigError for bad booleans/policies/addresses, HA without ids, or an id with no address
 */
export function yarnOptions(conf: HadoopConfiguration): YarnOptions {
  const httpPolicy = httpPolicyOf(conf, 'yarn.http.policy');
  const scheme = clientScheme(httpPolicy);
  const webapp = scheme === 'https' ? RM_WEBAPP_HTTPS : RM_WEBAPP;
  const haEnabled = conf.getBoolean('yarn.resourcemanager.ha.enabled', false);
  const rmIds = haEnabled ? conf.getTrimmedStrings('yarn.resourcemanager.ha.rm-ids') : [];
  if (haEnabled && rmIds.length === 0) {
    throw new ConfigError('yarn.resourcemanager.ha.rm-ids is empty, but yarn.resourcemanager.ha.enabled is true', {
      operation: 'read configuration',
    });
  }
  // One "instance" per RM; without HA a single one with no key suffix.
  const suffixes = haEnabled ? rmIds.map((id) => `.${id}`) : [''];
  const rms = suffixes.map((suffix) => rmInstance(conf, suffix, webapp));
  return {
    httpPolicy,
    haEnabled,
    rmIds,
    rmWebUrls: rms.map((rm) => `${scheme}://${formatHostPort(rm.webapp)}`),
    rmAddresses: rms.map((rm) => formatHostPort(rm.address)),
    rmSchedulerAddresses: rms.map((rm) => formatHostPort(rm.scheduler)),
    webProxyAddress: webProxyAddress(conf),
    nodeNamesWithPort: conf.getBoolean('yarn.scheduler.include-port-in-node-name', false),
    logAggregation: {
      enabled: conf.getBoolean('yarn.log-aggregation-enable', false),
      remoteAppLogDir: conf.getTrimmed('yarn.nodemanager.remote-app-log-dir') || '/tmp/logs',
      remoteAppLogDirSuffix: conf.getTrimmed('yarn.nodemanager.remote-app-log-dir-suffix') || 'logs',
    },
  };
}

function rmInstance(
  conf: HadoopConfiguration,
  suffix: string,
  webapp: AddressKind,
): { address: HostPort; scheduler: HostPort; webapp: HostPort } {
  const hostnameKey = `yarn.resourcemanager.hostname${suffix}`;
  const raw = {
    address: rmAddress(conf, RM_ADDRESS, suffix),
    scheduler: rmAddress(conf, RM_SCHEDULER, suffix),
    webapp: rmAddress(conf, webapp, suffix),
  };
  // Hosts a wildcard address may borrow: the RM's hostname, then its other addresses.
  const related = [conf.getTrimmed(hostnameKey), raw.address.host, raw.scheduler.host, raw.webapp.host];
  return {
    address: connectAddress(raw.address, related),
    scheduler: connectAddress(raw.scheduler, related),
    webapp: connectAddress(raw.webapp, related),
  };
}

function rmAddress(conf: HadoopConfiguration, kind: AddressKind, suffix: string): HostPort {
  const key = kind.key + suffix;
  const value = conf.getTrimmed(key);
  if (value) return parseHostPort(value, key, kind.port);
  const hostnameKey = `yarn.resourcemanager.hostname${suffix}`;
  const hostname = conf.getTrimmed(hostnameKey);
  if (!hostname) {
    throw new ConfigError(`set ${hostnameKey} or ${key} (ResourceManager HA id ${suffix.slice(1)})`, {
      operation: 'read configuration',
    });
  }
  return { host: hostname, port: kind.port };
}

function webProxyAddress(conf: HadoopConfiguration): string | undefined {
  const key = 'yarn.web-proxy.address';
  const value = conf.getTrimmed(key);
  if (!value) return undefined;
  // A stand-alone proxy bound to a wildcard has no related address we could borrow a host from.
  return formatHostPort(connectAddress(parseHostPort(value, key), []));
}
