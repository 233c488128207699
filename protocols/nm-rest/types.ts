/**
 * Spindle's own view of the NodeManager web services (`/ws/v1/node/...`). The REST JSON and the
 * plain-text log envelope stay in parse.ts.
 */

/** Where the NodeManager found a container's logs. */
export type LogAggregationType = 'LOCAL' | 'AGGREGATED' | string;

/** One log file of a container (stdout, stderr, prelaunch.err, launch_container.sh, ...). */
export interface LogFileInfo {
  name: string;
  /** Bytes, when the NodeManager listed the file. */
  size: number;
  /** As the NodeManager formats it, e.g. "Tue Nov 24 14:02:43 +0000 2026". */
  lastModified?: string;
}

/** `GET /ws/v1/node/containers/{containerId}/logs`. */
export interface ContainerLogListing {
  containerId: string;
  /** host:port of the NodeManager that answered. */
  nodeId?: string;
  /**
   * LOCAL: files on the NodeManager's disks. AGGREGATED: the NodeManager found them in the log
   * aggregation directory on HDFS. Without any files, the container never ran on this node, or its
   * logs are gone (deleted after yarn.nodemanager.log.retain-seconds, or aggregated and removed).
   */
  aggregationType: LogAggregationType;
  files: LogFileInfo[];
}

/** Bytes of one log file, as read by the NodeManager at one moment. */
export interface LogChunk {
  /** Length of the whole file when the NodeManager read it. */
  fileLength: number;
  /** Offset in the file of `data`'s first byte. */
  start: number;
  data: Buffer;
  /** The NodeManager said the container was still running (the file may grow). */
  containerRunning: boolean;
}

/** `GET /ws/v1/node/containers/{containerId}`: known only while the NodeManager tracks the container. */
export interface NmContainerReport {
  id: string;
  /** NEW, LOCALIZING, RUNNING, EXITED_WITH_SUCCESS, EXITED_WITH_FAILURE, DONE, ... */
  state: string;
  /** -1000 while running. */
  exitCode: number;
  diagnostics: string;
  user: string;
  memoryMb: number;
  vcores: number;
  nodeId: string;
  logFiles: string[];
}
