/**
 * PySpark as a peer: installed from PyPI into a virtualenv, submitted with its own `spark-submit` to
 * the local YARN cluster in cluster mode, configured as a user of a shared cluster would:
 *  - `spark.yarn.jars=local:<pyspark>/jars/*`: every NodeManager of this single-host cluster sees the
 *    same path, so Spark neither zips nor uploads its ~400 MB of jars on each run (on a real cluster
 *    the same effect comes from `spark.yarn.archive` on HDFS, which NodeManagers cache);
 *  - PYSPARK_ARCHIVES_PATH with `local:` pyspark.zip and py4j, for the same reason;
 *  - the virtualenv's python for driver and executors (they must match);
 *  - one application attempt, as Spindle makes.
 * Everything else (driver memory, UI, scheduler intervals) stays at Spark's defaults.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installOnce, run } from './install.js';

/** PyPI `pyspark`: 4.3.0 is built for Java 17 (class files v61) with hadoop-client 3.5.0 and spark-yarn. */
export const PYSPARK_VERSION = '4.3.0';
/** The py4j pyspark 4.3.0 requires (">=0.10.9.7,<0.10.9.10"), pinned too. */
export const PY4J_VERSION = '0.10.9.9';
/** pyspark 4.x needs Python 3.11 or later (its setup.py). */
const MIN_PYTHON: [number, number] = [3, 11];

/** Sizes given to both Spindle and Spark so they run with the same executors. */
export interface ExecutorShape {
  executors: number;
  cores: number;
  memoryMb: number;
}

export interface PySpark {
  version: string;
  /** The virtualenv's python. */
  python: string;
  /** `<site-packages>/pyspark`, Spark's home. */
  home: string;
  /** Seconds the install took (0 when it was already there). */
  installSeconds: number;
}

/** Installs PySpark (once) into `<peers>/pyspark-<version>` and describes it. */
export function installPySpark(peers: string, python = 'python3'): PySpark {
  const dir = join(peers, `pyspark-${PYSPARK_VERSION}`);
  const venvPython = join(dir, 'bin', 'python');
  const installSeconds = installOnce(dir, `pyspark ${PYSPARK_VERSION} (pip, virtualenv)`, () => {
    checkPython(python);
    run(python, ['-m', 'venv', dir]);
    run(venvPython, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-q',
      `pyspark==${PYSPARK_VERSION}`,
      `py4j==${PY4J_VERSION}`,
    ]);
  });
  const site = run(venvPython, ['-c', 'import pyspark, os; print(os.path.dirname(pyspark.__file__))']).trim();
  return { version: PYSPARK_VERSION, python: venvPython, home: site, installSeconds };
}

function checkPython(python: string): void {
  const version = run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).trim();
  const [major, minor] = version.split('.').map(Number) as [number, number];
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(`pyspark ${PYSPARK_VERSION} needs Python >= ${MIN_PYTHON.join('.')}; ${python} is ${version}`);
  }
}

export interface SparkSubmitOptions {
  /** Application name (shown by YARN). */
  name: string;
  /** YARN application tag, to find the application if its id is not in the output. */
  tag: string;
  executors: ExecutorShape;
  confDir: string;
  /** The Python program, or (Spark on the JVM) the application jar with `mainClass`. */
  script: string;
  /** Set for a JVM application: the class spark-submit runs from the jar in `script`. */
  mainClass?: string;
  /** Extra jars for the driver and executors (`--jars`). */
  jars?: string[];
  args?: string[];
}

/**
 * The spark-submit command line and environment for one Spark application in YARN cluster mode: a
 * PySpark program, or a JVM one when `options.mainClass` is set (then nothing Python is configured).
 */
export function sparkSubmit(spark: PySpark, options: SparkSubmitOptions): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const python = options.mainClass === undefined;
  const lib = join(spark.home, 'python', 'lib');
  const py4j = existsSync(lib) ? readdirSync(lib).find((f) => /^py4j-.*-src\.zip$/.test(f)) : undefined;
  if (python && (!py4j || !existsSync(join(lib, 'pyspark.zip'))))
    throw new Error(`no pyspark.zip / py4j zip in ${lib}: reinstall (rm -r ${join(spark.home, '..')})`);
  const conf: Record<string, string> = {
    'spark.yarn.jars': `local:${join(spark.home, 'jars')}/*`,
    'spark.yarn.tags': options.tag,
    'spark.yarn.maxAppAttempts': '1',
    ...(python ? { 'spark.pyspark.python': spark.python, 'spark.pyspark.driver.python': spark.python } : {}),
  };
  const e = options.executors;
  const args = [
    '--master',
    'yarn',
    '--deploy-mode',
    'cluster',
    '--name',
    options.name,
    '--num-executors',
    String(e.executors),
    '--executor-cores',
    String(e.cores),
    '--executor-memory',
    `${e.memoryMb}m`,
    ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
    ...(options.jars?.length ? ['--jars', options.jars.join(',')] : []),
    ...(python ? [] : ['--class', options.mainClass!]),
    options.script,
    ...(options.args ?? []),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HADOOP_CONF_DIR: options.confDir,
    YARN_CONF_DIR: options.confDir,
    SPARK_HOME: spark.home,
  };
  if (python) {
    env.PYSPARK_PYTHON = spark.python;
    env.PYSPARK_ARCHIVES_PATH = [join(lib, 'pyspark.zip'), join(lib, py4j!)].map((p) => `local:${p}`).join(',');
  }
  return { command: join(spark.home, 'bin', 'spark-submit'), args, env };
}
