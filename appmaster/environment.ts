import { ConfigError } from '../protocols/errors/index.js';

/**
 * What the NodeManager tells a container about itself, read from the environment in this one place
 * (core code never reads process.env). Variable names are YARN's (ApplicationConstants.Environment).
 */
export interface AmEnvironment {
  /** CONTAINER_ID: our container; its attempt id is this AM's attempt. */
  containerId: string;
  /** NM_HOST: the host the AM runs on (what the RM and the web proxy can reach). */
  host: string;
  nmPort: number;
  nmHttpPort: number;
  /** HADOOP_TOKEN_FILE_LOCATION: credentials (AMRMToken, any delegation tokens). */
  tokenFile: string;
  /** LOG_DIRS: the container's log directories. */
  logDirs: string[];
  /** PWD: the container's working directory. */
  workDir: string;
  /** APPLICATION_WEB_PROXY_BASE: path prefix the RM proxy serves us under. */
  webProxyBase?: string;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (!v) {
    throw new ConfigError(`${name} is not set: the ApplicationMaster must be started by a YARN NodeManager`);
  }
  return v;
}

export function readAmEnvironment(env: Record<string, string | undefined>): AmEnvironment {
  const nmPort = Number(required(env, 'NM_PORT'));
  const nmHttpPort = Number(env.NM_HTTP_PORT ?? '0');
  return {
    containerId: required(env, 'CONTAINER_ID'),
    host: required(env, 'NM_HOST'),
    nmPort,
    nmHttpPort,
    tokenFile: required(env, 'HADOOP_TOKEN_FILE_LOCATION'),
    logDirs: (env.LOG_DIRS ?? '').split(',').filter(Boolean),
    workDir: env.PWD ?? process.cwd(),
    ...(env.APPLICATION_WEB_PROXY_BASE ? { webProxyBase: env.APPLICATION_WEB_PROXY_BASE } : {}),
  };
}
