/**
 * The slice of Hadoop's *-default.xml files that Spindle reads. Values are copied from Hadoop
 * 3.4's core-default.xml, hdfs-default.xml and yarn-default.xml; keys no client reads are left out.
 * They form the lowest layer of every HadoopConfiguration, under the site files.
 */
import type { ConfProperty } from './xml-reader.js';

/** A default resource: the Hadoop file it stands for, and its properties. */
export interface DefaultResource {
  source: string;
  properties: readonly ConfProperty[];
}

const p = (name: string, value: string): ConfProperty => ({ name, value, final: false });

export const CORE_DEFAULTS: DefaultResource = {
  source: 'core-default.xml',
  properties: [
    p('fs.defaultFS', 'file:///'),
    p('hadoop.tmp.dir', '/tmp/hadoop-${user.name}'),
    p('hadoop.security.authentication', 'simple'),
    p('hadoop.rpc.protection', 'authentication'),
    p('hadoop.http.staticuser.user', 'dr.who'),
  ],
};

export const HDFS_DEFAULTS: DefaultResource = {
  source: 'hdfs-default.xml',
  properties: [
    p('dfs.namenode.http-address', '0.0.0.0:9870'),
    p('dfs.namenode.https-address', '0.0.0.0:9871'),
    p('dfs.http.policy', 'HTTP_ONLY'),
    p('dfs.webhdfs.enabled', 'true'),
  ],
};

export const YARN_DEFAULTS: DefaultResource = {
  source: 'yarn-default.xml',
  properties: [
    p('yarn.resourcemanager.hostname', '0.0.0.0'),
    p('yarn.resourcemanager.address', '${yarn.resourcemanager.hostname}:8032'),
    p('yarn.resourcemanager.scheduler.address', '${yarn.resourcemanager.hostname}:8030'),
    p('yarn.resourcemanager.webapp.address', '${yarn.resourcemanager.hostname}:8088'),
    p('yarn.resourcemanager.webapp.https.address', '${yarn.resourcemanager.hostname}:8090'),
    p('yarn.resourcemanager.ha.enabled', 'false'),
    p('yarn.http.policy', 'HTTP_ONLY'),
    p('yarn.log-aggregation-enable', 'false'),
    p('yarn.nodemanager.remote-app-log-dir', '/tmp/logs'),
    p('yarn.nodemanager.remote-app-log-dir-suffix', 'logs'),
  ],
};

/** Default resources in load order. */
export const DEFAULT_RESOURCES: readonly DefaultResource[] = [CORE_DEFAULTS, HDFS_DEFAULTS, YARN_DEFAULTS];

/** Default ports used when an HA address is derived from `<prefix>.hostname.<id>`. */
export const DEFAULT_RM_PORT = 8032;
export const DEFAULT_RM_SCHEDULER_PORT = 8030;
export const DEFAULT_RM_WEBAPP_PORT = 8088;
export const DEFAULT_RM_WEBAPP_HTTPS_PORT = 8090;
export const DEFAULT_NAMENODE_RPC_PORT = 8020;
export const DEFAULT_NAMENODE_HTTP_PORT = 9870;
export const DEFAULT_NAMENODE_HTTPS_PORT = 9871;

/**
 * Old key -> current key, for the deprecated names we still meet in real configurations. As in
 * Hadoop, a value written under the old name is stored (and read) under the new one.
 */
export const DEPRECATED_KEYS: Readonly<Record<string, string>> = {
  'fs.default.name': 'fs.defaultFS',
  'dfs.http.address': 'dfs.namenode.http-address',
  'dfs.https.address': 'dfs.namenode.https-address',
  'dfs.federation.nameservices': 'dfs.nameservices',
};
