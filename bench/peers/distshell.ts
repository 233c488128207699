/**
 * Hadoop's DistributedShell as a peer, and Hadoop's own FsShell (bench/lib/fsshell.ts) beside it.
 *
 * `hadoop-yarn-applications-distributedshell` 3.5.0 is not on Maven Central; 3.4.2 is, and runs
 * against the 3.5.0 cluster with the 3.5.0 client jars, with one gap: its Client and
 * ApplicationMaster still refer to Jersey 1 (`com.sun.jersey...ClientHandlerException`, for the
 * timeline service), which 3.5.0 no longer ships (it moved to Jersey 2), so both fail with
 * NoClassDefFoundError. The AM only sees the localized AM jar and `yarn.application.classpath`, so
 * the install merges the DistributedShell classes with jersey-client and jersey-core 1.19.4 into
 * one AM jar (their META-INF/services left out, so that nothing Jersey 1 registers itself).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JPMS_OPTS } from '../lib/fsshell.js';
import { installOnce, run } from './install.js';

export const DISTSHELL_VERSION = '3.4.2';
export const JERSEY1_VERSION = '1.19.4';
const ARTIFACTS = [
  `org.apache.hadoop:hadoop-yarn-applications-distributedshell:${DISTSHELL_VERSION}:jar`,
  `com.sun.jersey:jersey-client:${JERSEY1_VERSION}:jar`,
  `com.sun.jersey:jersey-core:${JERSEY1_VERSION}:jar`,
];
/** The merged jar: DistributedShell's client and AM plus Jersey 1. */
const AM_JAR = 'distributedshell-am.jar';
/** Heap of the DistributedShell client JVM (the `yarn` launcher's default would be 1/4 of RAM). */
export const DS_CLIENT_HEAP = '512m';
/** DistributedShell's AM container: 512 MB (its default of 100 MB is below a JVM's footprint). */
export const DS_MASTER_MEMORY_MB = 512;

export interface DistShell {
  version: string;
  jar: string;
  installSeconds: number;
}

/** Resolves the jars with Maven (once) and builds the merged AM jar in `<peers>/distributedshell-<v>`. */
export function installDistShell(peers: string): DistShell {
  const dir = join(peers, `distributedshell-${DISTSHELL_VERSION}`);
  const installSeconds = installOnce(
    dir,
    `hadoop-yarn-applications-distributedshell ${DISTSHELL_VERSION} + jersey ${JERSEY1_VERSION} (Maven)`,
    () => {
      const jars = join(dir, 'jars');
      for (const artifact of ARTIFACTS) {
        run('mvn', ['-B', '-q', '-Dstyle.color=never', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${jars}`], {
          cwd: dir,
        });
      }
      const classes = join(dir, 'classes');
      mkdirSync(classes);
      for (const jar of readdirSync(jars)) run('jar', ['xf', join(jars, jar)], { cwd: classes });
      rmSync(join(classes, 'META-INF'), { recursive: true, force: true });
      run('jar', ['cf', join(dir, AM_JAR), '-C', classes, '.']);
      rmSync(classes, { recursive: true, force: true });
    },
  );
  return { version: DISTSHELL_VERSION, jar: join(dir, AM_JAR), installSeconds };
}

export interface DistShellOptions {
  name: string;
  tag: string;
  containers: number;
  containerMemoryMb: number;
  shellCommand: string;
  confDir: string;
  /** The Hadoop client classpath (.cluster/cp-<version>.txt). */
  hadoopClasspath: string;
}

/** The java command line for one DistributedShell application, as `yarn jar` would run it. */
export function distShellCommand(ds: DistShell, options: DistShellOptions): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const args = [
    `-Xmx${DS_CLIENT_HEAP}`,
    '-Djava.net.preferIPv4Stack=true',
    ...JPMS_OPTS,
    '-cp',
    `${options.confDir}:${options.hadoopClasspath}:${ds.jar}`,
    'org.apache.hadoop.yarn.applications.distributedshell.Client',
    '-jar',
    ds.jar,
    '-appname',
    options.name,
    '-application_tags',
    options.tag,
    '-num_containers',
    String(options.containers),
    '-container_memory',
    String(options.containerMemoryMb),
    '-master_memory',
    String(DS_MASTER_MEMORY_MB),
    '-shell_command',
    options.shellCommand,
  ];
  return { command: 'java', args, env: { ...process.env, HADOOP_CONF_DIR: options.confDir } };
}
