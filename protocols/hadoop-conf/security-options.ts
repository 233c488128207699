/** Security settings a client needs before it opens a connection: auth mode and SASL QOP. */
import { ConfigError } from '../errors/index.js';
import type { HadoopConfiguration } from './configuration.js';

/** SASL quality of protection, as Hadoop names it in `hadoop.rpc.protection`. */
export type RpcProtection = 'authentication' | 'integrity' | 'privacy';

/** `hadoop.security.authentication`. */
export type SecurityMode = 'simple' | 'kerberos';

const PROTECTIONS: readonly RpcProtection[] = ['authentication', 'integrity', 'privacy'];
const MODES: readonly SecurityMode[] = ['simple', 'kerberos'];

/**
 * `hadoop.rpc.protection` (default "authentication") as a list in configured order, which is
 * the order of preference offered in SASL negotiation. Case-insensitive, as Hadoop's
 * `QualityOfProtection.valueOf(toUpperCase)`; duplicates are dropped.
 * @throws ConfigError for an empty list or an unknown level
 */
export function rpcProtection(conf: HadoopConfiguration): RpcProtection[] {
  const key = 'hadoop.rpc.protection';
  const items = conf.getTrimmedStrings(key);
  if (items.length === 0) {
    throw new ConfigError(`${key} is empty; use one or more of ${PROTECTIONS.join(', ')}`, {
      operation: 'read configuration',
    });
  }
  const out: RpcProtection[] = [];
  for (const item of items) {
    const level = PROTECTIONS.find((p) => p === item.toLowerCase());
    if (level === undefined) {
      throw new ConfigError(`${key}: "${item}" is not one of ${PROTECTIONS.join(', ')}`, {
        operation: 'read configuration',
      });
    }
    if (!out.includes(level)) out.push(level);
  }
  return out;
}

/**
 * `hadoop.security.authentication` (default "simple"), case-insensitive.
 * @throws ConfigError for any other mode
 */
export function securityMode(conf: HadoopConfiguration): SecurityMode {
  const key = 'hadoop.security.authentication';
  const value = conf.getTrimmed(key) || 'simple';
  const mode = MODES.find((m) => m === value.toLowerCase());
  if (mode === undefined) {
    throw new ConfigError(`${key}: "${value}" is not supported; use simple or kerberos`, {
      operation: 'read configuration',
    });
  }
  return mode;
}

/**
 * The ResourceManager's Kerberos principal (`yarn.resourcemanager.principal`), `_HOST` replaced by
 * `rmHost` in lower case as Hadoop's SecurityUtil does: the renewer named in the delegation tokens
 * an application is submitted with (the RM renews them while the application runs).
 * @throws ConfigError when the key is missing (a secure cluster's clients always have it)
 */
export function rmPrincipal(conf: HadoopConfiguration, rmHost: string): string {
  const key = 'yarn.resourcemanager.principal';
  const value = conf.getTrimmed(key);
  if (!value) {
    throw new ConfigError(
      `${key} is not set: on a Kerberized cluster the client names the ResourceManager as the renewer of the ` +
        "application's delegation tokens; copy yarn-site.xml from the cluster into the configuration directory",
      { operation: 'read configuration' },
    );
  }
  return value.replace(/\/_HOST@/, `/${rmHost.toLowerCase()}@`).replace(/\/_HOST$/, `/${rmHost.toLowerCase()}`);
}
