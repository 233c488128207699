/**
 * YARN's own container exit statuses (org.apache.hadoop.yarn.api.records.ContainerExitStatus,
 * values checked against hadoop-yarn-api 3.5.0). A finished container reports either its
 * process's exit code or one of these negative codes; `classifyExit` puts them into words. This is
 * the one place their numbers are written down: everything else names them.
 */
export const ContainerExitStatus = {
  SUCCESS: 0,
  /** Not set: the container has not finished, or YARN does not know (ContainerStatusProto's default). */
  INVALID: -1000,
  /** Released by the AM, or lost with its node. */
  ABORTED: -100,
  DISKS_FAILED: -101,
  PREEMPTED: -102,
  KILLED_EXCEEDED_VMEM: -103,
  KILLED_EXCEEDED_PMEM: -104,
  KILLED_BY_APPMASTER: -105,
  KILLED_BY_RESOURCEMANAGER: -106,
  KILLED_AFTER_APP_COMPLETION: -107,
  /** An opportunistic container killed to make room for guaranteed ones. */
  KILLED_BY_CONTAINER_SCHEDULER: -108,
  KILLED_FOR_EXCESS_LOGS: -109,
} as const;

/** The exit status YARN reports when it has none: "unknown" (ContainerExitStatus.INVALID). */
export const EXIT_STATUS_UNKNOWN: number = ContainerExitStatus.INVALID;
