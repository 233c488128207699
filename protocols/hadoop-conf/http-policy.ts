/** `dfs.http.policy` / `yarn.http.policy`: which scheme clients use for a daemon's web endpoints. */
import { ConfigError } from '../errors/index.js';
import type { HadoopConfiguration } from './configuration.js';

export type HttpPolicy = 'HTTP_ONLY' | 'HTTPS_ONLY' | 'HTTP_AND_HTTPS';

const POLICIES: readonly HttpPolicy[] = ['HTTP_ONLY', 'HTTPS_ONLY', 'HTTP_AND_HTTPS'];

/** Hadoop's `HttpConfig.Policy.fromString`: case-insensitive; unset means HTTP_ONLY. */
export function httpPolicyOf(conf: HadoopConfiguration, key: string): HttpPolicy {
  const v = conf.getTrimmed(key);
  if (v === undefined || v === '') return 'HTTP_ONLY';
  const policy = POLICIES.find((p) => p === v.toUpperCase());
  if (policy === undefined) {
    throw new ConfigError(`${key}: "${v}" is not one of ${POLICIES.join(', ')}`, { operation: 'read configuration' });
  }
  return policy;
}

/** Clients use https only under HTTPS_ONLY (Hadoop's DFSUtil.getHttpClientScheme / YarnConfiguration.useHttps). */
export function clientScheme(policy: HttpPolicy): 'http' | 'https' {
  return policy === 'HTTPS_ONLY' ? 'https' : 'http';
}
