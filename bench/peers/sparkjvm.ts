/**
 * Spark on the JVM as a peer: the workloads of bench/peers/SparkJvmBench.java (Spark's Java RDD
 * API), compiled with `javac` against the jars of the Spark the PySpark peer installed (pyspark's
 * `jars/` is a complete Spark distribution's), packed into one jar, and submitted with the same
 * spark-submit settings as PySpark (bench/peers/pyspark.ts): YARN cluster mode, `spark.yarn.jars`
 * local, one attempt, the same executors. The jar is cached under `<peers>/sparkjvm-<hash>/`, the
 * hash covering the Java sources and the Spark version, so an edited source is recompiled.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installOnce, run } from './install.js';
import { sparkSubmit, type PySpark, type SparkSubmitOptions } from './pyspark.js';

/** The Java sources, in bench/peers/. */
export const JAVA_SOURCES = ['SparkJvmBench.java', 'AvroToMap.java'] as const;
export const MAIN_CLASS = 'spindle.bench.SparkJvmBench';
/** The PySpark converter for Avro records (avro-scan), in the same jar. */
export const AVRO_CONVERTER_CLASS = 'spindle.bench.AvroToMap';

export interface SparkJvm {
  version: string;
  jar: string;
  /** The Spark (and its jars) it runs on. */
  spark: PySpark;
  /** Seconds compiling took (0 when the cached jar was used). */
  buildSeconds: number;
}

/** The cache key of a build: the Spark version and the sources' bytes. */
export function sourceHash(version: string, sources: readonly { name: string; text: string | Buffer }[]): string {
  const h = createHash('sha256').update(`spark ${version}\n`);
  for (const s of sources) h.update(`${s.name}\n`).update(s.text).update('\n');
  return h.digest('hex').slice(0, 16);
}

/** Compiles the Java sources of `sourceDir` (once per source hash) into `<peers>/sparkjvm-<hash>/spindle-bench.jar`. */
export function buildSparkJvm(spark: PySpark, peers: string, sourceDir: string): SparkJvm {
  const files = JAVA_SOURCES.map((name) => ({ name, path: join(sourceDir, name) }));
  const hash = sourceHash(
    spark.version,
    files.map((f) => ({ name: f.name, text: readFileSync(f.path) })),
  );
  const dir = join(peers, `sparkjvm-${hash}`);
  const jar = join(dir, 'spindle-bench.jar');
  const buildSeconds = installOnce(dir, `the Spark JVM benchmark jar (javac against Spark ${spark.version}'s jars)`, () => {
    const classes = join(dir, 'classes');
    mkdirSync(classes);
    run('javac', [
      '--release',
      '17',
      '-Xlint:-options',
      '-cp',
      `${join(spark.home, 'jars')}/*`,
      '-d',
      classes,
      ...files.map((f) => f.path),
    ]);
    run('jar', ['cf', jar, '-C', classes, '.']);
  });
  return { version: spark.version, jar, spark, buildSeconds };
}

/** The spark-submit command for one workload of SparkJvmBench (`workload` and its arguments). */
export function sparkJvmSubmit(
  jvm: SparkJvm,
  options: Omit<SparkSubmitOptions, 'script' | 'mainClass' | 'args'>,
  workload: string,
  args: readonly string[] = [],
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return sparkSubmit(jvm.spark, { ...options, script: jvm.jar, mainClass: MAIN_CLASS, args: [workload, ...args] });
}
