/**
 * Liveness on the driver-executor channel. An executor sends a status message at least this often,
 * an empty one (no updates) when it has nothing else to say: a heartbeat. The driver takes an
 * executor it heard nothing from for the network timeout as lost, whatever TCP says: a stopped
 * process or a host cut off behind a firewall keeps its connection open. Spark's defaults are a
 * 10 s heartbeat and a 120 s timeout; the shorter heartbeat lets tests use short timeouts.
 */

/** How often an executor sends at least an empty status. */
export const EXECUTOR_HEARTBEAT_MS = 5_000;

/** Silence after which the driver takes an executor for lost (Spark's spark.network.timeout). */
export const DEFAULT_NETWORK_TIMEOUT_MS = 120_000;

/** The shortest timeout accepted: three heartbeats, so that one late message is not a loss. */
export const MIN_NETWORK_TIMEOUT_MS = 3 * EXECUTOR_HEARTBEAT_MS;
