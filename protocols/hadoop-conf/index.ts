/**
 * Hadoop configuration adapter: reads HADOOP_CONF_DIR with Hadoop's semantics (layering, final,
 * `${var}` expansion, trimming) and turns it into Spindle's own typed options. The only module
 * that knows Hadoop key names; it never reads `process.env` itself.
 */
export {
  loadClientConfig,
  loadConfiguration,
  javaSystemProperties,
  CLIENT_SITE_FILES,
  MAX_INCLUDE_DEPTH,
} from './load.js';
export type { ClientConfig, ClientConfigOptions, LoadConfigurationOptions } from './load.js';
export { HadoopConfiguration, canonicalKey } from './configuration.js';
export type { ConfResource, ConfigurationOptions, IgnoredOverride } from './configuration.js';
export { parseConfigurationXml } from './xml-reader.js';
export type { ConfEntry, ConfInclude, ConfProperty } from './xml-reader.js';
export { toHadoopXml } from './xml-writer.js';
export { expandVariables, MAX_SUBSTITUTIONS } from './expansion.js';
export { hdfsOptions } from './hdfs-options.js';
export type { HdfsOptions } from './hdfs-options.js';
export { yarnOptions } from './yarn-options.js';
export type { LogAggregationOptions, YarnOptions } from './yarn-options.js';
export { rmPrincipal, rpcProtection, securityMode } from './security-options.js';
export type { RpcProtection, SecurityMode } from './security-options.js';
export type { HttpPolicy } from './http-policy.js';
export { connectAddress, formatHostPort, isWildcardHost, parseHostPort, LOOPBACK_HOST } from './addresses.js';
export type { HostPort } from './addresses.js';
export {
  DEFAULT_RESOURCES,
  DEFAULT_NAMENODE_HTTP_PORT,
  DEFAULT_NAMENODE_HTTPS_PORT,
  DEFAULT_NAMENODE_RPC_PORT,
  DEFAULT_RM_PORT,
  DEFAULT_RM_SCHEDULER_PORT,
  DEFAULT_RM_WEBAPP_HTTPS_PORT,
  DEFAULT_RM_WEBAPP_PORT,
} from './defaults.js';
