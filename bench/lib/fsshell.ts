/**
 * Runs Hadoop's own FsShell (`hadoop fs`) from the jars scripts/cluster resolved, the way the `hadoop`
 * launcher would: the configuration directory first on the classpath, the JPMS flags Hadoop adds on
 * Java 17 (HADOOP-19310), a heap cap.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The same --add-opens list scripts/cluster passes to the daemons. */
export const JPMS_OPTS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.io',
    'java.lang',
    'java.lang.reflect',
    'java.math',
    'java.net',
    'java.text',
    'java.util',
    'java.util.concurrent',
    'java.util.zip',
    'sun.security.util',
    'sun.security.x509',
    'sun.net.dns',
    'sun.net.util',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
];

/** Heap for the FsShell JVM (the `hadoop` launcher's client default is the JVM's; we cap it). */
export const FSSHELL_HEAP = '512m';

export interface FsShell {
  /** Run `FsShell <args>`; stdout is discarded. Resolves when it exits 0, rejects with its stderr otherwise. */
  run(args: string[]): Promise<void>;
  /** Run `FsShell <args>` and hand each stdout chunk to `onData`. */
  runWithOutput(args: string[], onData: (chunk: Buffer) => void): Promise<void>;
}

/**
 * An FsShell runner for the cluster whose client configuration is `confDir`; the classpath comes from
 * `<repoRoot>/.cluster/cp-<hadoopVersion>.txt`.
 */
export function fsShell(repoRoot: string, confDir: string, hadoopVersion: string): FsShell {
  const cpFile = join(repoRoot, '.cluster', `cp-${hadoopVersion}.txt`);
  const jars = readFileSync(cpFile, 'utf8').trim();
  const argsFor = (args: string[]): string[] => [
    `-Xmx${FSSHELL_HEAP}`,
    '-Djava.net.preferIPv4Stack=true',
    ...JPMS_OPTS,
    '-cp',
    `${confDir}:${jars}`,
    'org.apache.hadoop.fs.FsShell',
    ...args,
  ];
  const exec = (args: string[], onData?: (chunk: Buffer) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn('java', argsFor(args), {
        stdio: ['ignore', onData ? 'pipe' : 'ignore', 'pipe'],
        env: { ...process.env, HADOOP_CONF_DIR: confDir },
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
      if (onData) child.stdout!.on('data', onData);
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`FsShell ${args.join(' ')} exited with ${code}:\n${stderr}`)),
      );
    });
  return { run: (args) => exec(args), runWithOutput: (args, onData) => exec(args, onData) };
}
