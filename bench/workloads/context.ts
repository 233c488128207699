/**
 * What every workload gets: the cluster, the installed peers, how to run Spindle, the AM memory
 * sampler, and the set of applications a run has started and not yet seen end (killed on abort).
 */
import type { RmRestClient } from '../../protocols/rm-rest/index.js';
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import type { AmRssSampler } from '../lib/am-rss.js';
import type { BenchOptions } from '../lib/options.js';
import type { Row } from '../lib/results.js';
import type { DistShell } from '../peers/distshell.js';
import type { ExecutorShape, PySpark } from '../peers/pyspark.js';
import type { SparkJvm } from '../peers/sparkjvm.js';
import type { SpindleCommands } from '../spindle/commands.js';

export interface BenchContext {
  options: BenchOptions;
  repoRoot: string;
  /** Client configuration directory of the cluster (HADOOP_CONF_DIR). */
  confDir: string;
  /** fs.defaultFS, e.g. hdfs://127.0.0.1:8020. */
  defaultFs: string;
  user: string;
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  /** The cluster's Hadoop version (scripts/cluster's HADOOP_VERSION). */
  hadoopVersion: string;
  /** The Hadoop client classpath (jars) of that version. */
  hadoopClasspath: string;
  spark: PySpark;
  /** Spark on the JVM: the compiled bench/peers/SparkJvmBench.java on the same Spark. */
  sparkJvm: SparkJvm;
  ds: DistShell;
  spindle: SpindleCommands;
  sampler: AmRssSampler;
  /** Executors both Spindle and Spark get in the job workloads. */
  executors: ExecutorShape;
  /** Unique per invocation; in application names, tags and HDFS paths. */
  session: string;
  /** HDFS directory for this invocation's scratch files (removed at the end). */
  hdfsScratch: string;
  /** Local scratch directory (removed at the end). */
  tmp: string;
  /** Applications seen starting and not yet seen ending. */
  liveApps: Set<string>;
}

/** A workload produces one or more rows. */
export interface Workload {
  /** The rows it produces (an --only naming any of them runs the workload). */
  rows: readonly string[];
  run(ctx: BenchContext): Promise<Row[]>;
}
