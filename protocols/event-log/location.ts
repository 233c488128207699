/**
 * Where an application's event log lives: `<dir>/<appId>`, by default under the user's home,
 * `/user/<user>/.spindle/history/<appId>` (beside the cache and staging directories).
 */

/** The job's event-log setting (the job spec's `eventLog`); absent: on, in the default directory. */
export interface EventLogSettings {
  enabled: boolean;
  /** Directory of the logs; a relative one is under /user/<user>. Default: {@link historyDir}. */
  dir?: string;
}

/** The default directory of a user's event logs. */
export function historyDir(user: string): string {
  return `/user/${user}/.spindle/history`;
}

/** The log of `appId`, in `dir` (relative: from /user/<user>), or in the user's default directory. */
export function eventLogPath(user: string, appId: string, dir?: string): string {
  return `${resolveDir(user, dir)}/${appId}`;
}

/** `dir` as an absolute path without a trailing slash; the default directory when absent. */
export function resolveDir(user: string, dir?: string): string {
  if (dir === undefined) return historyDir(user);
  const abs = dir.startsWith('/') ? dir : `/user/${user}/${dir}`;
  return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
}
