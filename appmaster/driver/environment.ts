/**
 * The driver process's view of its environment, read in this one place (main.ts passes
 * `process.env`). The driver runs in the AM's container, so it sees the same credentials file.
 */
export interface DriverEnvironment {
  /** HADOOP_TOKEN_FILE_LOCATION: the container credentials (an HDFS delegation token on a secure cluster). */
  tokenFile?: string;
}

export function readDriverEnvironment(env: Record<string, string | undefined>): DriverEnvironment {
  const tokenFile = env.HADOOP_TOKEN_FILE_LOCATION?.trim();
  return tokenFile ? { tokenFile } : {};
}
