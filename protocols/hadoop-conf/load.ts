/**
 * The environment adapter: the one place that touches the file system, the OS user and an
 * environment map to build client options. It never reads `process.env` itself; callers pass it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, errorMessage } from '../errors/index.js';
import { HadoopConfiguration, type ConfResource } from './configuration.js';
import { hdfsOptions, type HdfsOptions } from './hdfs-options.js';
import { rpcProtection, securityMode, type RpcProtection, type SecurityMode } from './security-options.js';
import { parseConfigurationXml, type ConfEntry, type ConfProperty } from './xml-reader.js';
import { yarnOptions, type YarnOptions } from './yarn-options.js';

/** Site files a client reads, in Hadoop's load order (later ones override earlier ones). */
export const CLIENT_SITE_FILES: readonly string[] = ['core-site.xml', 'hdfs-site.xml', 'yarn-site.xml'];

/** How deep `xi:include` may nest before we assume a cycle. */
export const MAX_INCLUDE_DEPTH = 8;

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigurationOptions {
  /** Answers `${env.NAME}`. Default: empty. */
  env?: Env;
  /** Answers `${user.name}` etc. Default: javaSystemProperties(). */
  systemProperties?: Readonly<Record<string, string | undefined>>;
  /** File names to read from the directory, in order. Default: CLIENT_SITE_FILES. */
  files?: readonly string[];
}

/**
 * Read the site files in `confDir` over Hadoop's defaults. A missing file is skipped (Hadoop
 * does the same); a malformed one, or an `xi:include` that cannot be resolved, is an error.
 * @throws ConfigError naming the file and what is wrong with it
 */
export function loadConfiguration(confDir: string, options: LoadConfigurationOptions = {}): HadoopConfiguration {
  const resources: ConfResource[] = [];
  for (const name of options.files ?? CLIENT_SITE_FILES) {
    const file = join(confDir, name);
    if (!existsSync(file)) continue;
    resources.push({ source: file, properties: readResource(file, 0) });
  }
  return HadoopConfiguration.fromResources(resources, {
    env: options.env ?? {},
    systemProperties: options.systemProperties ?? javaSystemProperties(),
  });
}

function readResource(file: string, depth: number): ConfProperty[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`read ${file}: ${errorMessage(cause)}`, {
      operation: 'load configuration',
      path: file,
      cause,
    });
  }
  return resolveIncludes(parseConfigurationXml(text, file), file, depth);
}

/** Replace include entries by the properties they name, relative to the including file. */
function resolveIncludes(entries: ConfEntry[], file: string, depth: number): ConfProperty[] {
  const out: ConfProperty[] = [];
  for (const entry of entries) {
    if (!('include' in entry)) {
      out.push(entry);
      continue;
    }
    const fail = (why: string): never => {
      throw new ConfigError(`read ${file}: xi:include href="${entry.include}" ${why}`, {
        operation: 'load configuration',
        path: file,
      });
    };
    if (depth >= MAX_INCLUDE_DEPTH) fail(`nests more than ${MAX_INCLUDE_DEPTH} levels deep (an include cycle?)`);
    const target = includeTarget(entry.include, file) ?? fail('is not a file path or file: URL');
    if (existsSync(target)) {
      out.push(...readResource(target, depth + 1));
    } else if (entry.fallback !== undefined) {
      out.push(...resolveIncludes(entry.fallback, file, depth));
    } else {
      fail(`names ${target}, which does not exist, and there is no xi:fallback`);
    }
  }
  return out;
}

function includeTarget(href: string, file: string): string | undefined {
  if (href.startsWith('file:')) return fileURLToPath(href);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(href)) return undefined;
  return isAbsolute(href) ? href : join(dirname(file), href);
}

/**
 * The Java system properties Hadoop configurations commonly reference, from this process:
 * `user.name` (the OS user, as in Java, not HADOOP_USER_NAME), `user.home`, `java.io.tmpdir`.
 */
export function javaSystemProperties(): Record<string, string | undefined> {
  return { 'user.name': osUserName(), 'user.home': homedir(), 'java.io.tmpdir': tmpdir() };
}

function osUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // e.g. a container uid without a passwd entry
  }
}

export interface ClientConfigOptions {
  /** The environment, e.g. `process.env`: HADOOP_CONF_DIR, YARN_CONF_DIR, HADOOP_USER_NAME, `${env.X}`. */
  env: Env;
  /** Configuration directory; overrides HADOOP_CONF_DIR / YARN_CONF_DIR. */
  confDir?: string;
  /** Where `confDir` came from, for messages (e.g. "--conf-dir"). Default "confDir option". */
  confDirSource?: string;
  /** Hadoop user; overrides HADOOP_USER_NAME and the OS user. */
  user?: string;
  /** Answers `${user.name}` etc. Default: javaSystemProperties(). */
  systemProperties?: Readonly<Record<string, string | undefined>>;
}

/** Everything a Spindle client needs from the Hadoop configuration. */
export interface ClientConfig {
  /** Absolute path of the directory the site files were read from. */
  confDir: string;
  /** The user Spindle acts as. */
  user: string;
  /** The layered configuration, for anything the typed options do not cover (and for shipping). */
  conf: HadoopConfiguration;
  hdfs: HdfsOptions;
  yarn: YarnOptions;
  rpcProtection: RpcProtection[];
  security: SecurityMode;
}

/**
 * Load the client configuration.
 * - conf dir: `options.confDir`, else `env.HADOOP_CONF_DIR`, else `env.YARN_CONF_DIR`;
 * - user: `options.user`, else `env.HADOOP_USER_NAME`, else the OS user (`os.userInfo()`);
 * - reads core-site.xml, hdfs-site.xml and yarn-site.xml from the conf dir (missing ones skipped).
 * @throws ConfigError when no conf dir is given or it is not a directory, no user can be
 *   determined, a site file is malformed, or an option builder rejects a value
 */
export function loadClientConfig(options: ClientConfigOptions): ClientConfig {
  const { env } = options;
  const confDir = resolveConfDir(options.confDir, env, options.confDirSource);
  const user = resolveUser(options.user, env);
  const conf = loadConfiguration(confDir, {
    env,
    systemProperties: options.systemProperties ?? javaSystemProperties(),
  });
  return {
    confDir,
    user,
    conf,
    hdfs: hdfsOptions(conf),
    yarn: yarnOptions(conf),
    rpcProtection: rpcProtection(conf),
    security: securityMode(conf),
  };
}

function resolveConfDir(explicit: string | undefined, env: Env, explicitSource = 'confDir option'): string {
  const [origin, dir] =
    explicit !== undefined
      ? [explicitSource, explicit]
      : nonEmpty(env.HADOOP_CONF_DIR)
        ? ['HADOOP_CONF_DIR', env.HADOOP_CONF_DIR!]
        : nonEmpty(env.YARN_CONF_DIR)
          ? ['YARN_CONF_DIR', env.YARN_CONF_DIR!]
          : [undefined, undefined];
  if (origin === undefined || dir === undefined) {
    throw new ConfigError(
      'no Hadoop configuration directory: set HADOOP_CONF_DIR to the directory holding ' + 'core-site.xml, hdfs-site.xml and yarn-site.xml',
      { operation: 'load configuration' },
    );
  }
  const absolute = resolve(dir);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) {
    throw new ConfigError(
      `${origin}=${dir}: ${absolute} is not a directory; ` +
        `${origin} must name the directory holding core-site.xml, hdfs-site.xml and yarn-site.xml`,
      {
        operation: 'load configuration',
        path: absolute,
      },
    );
  }
  return absolute;
}

function resolveUser(explicit: string | undefined, env: Env): string {
  if (explicit !== undefined) {
    if (!nonEmpty(explicit)) throw new ConfigError('user option is empty', { operation: 'load configuration' });
    return explicit.trim();
  }
  if (nonEmpty(env.HADOOP_USER_NAME)) return env.HADOOP_USER_NAME!.trim();
  const osUser = osUserName();
  if (osUser === undefined) {
    throw new ConfigError('cannot determine the Hadoop user: set HADOOP_USER_NAME', {
      operation: 'load configuration',
    });
  }
  return osUser;
}

function nonEmpty(s: string | undefined): boolean {
  return s !== undefined && s.trim() !== '';
}
