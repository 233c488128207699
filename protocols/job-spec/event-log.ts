import { invalidSpec } from '../app-spec/index.js';
import type { EventLogSettings } from '../event-log/index.js';

/**
 * The job section's `eventLog`: `{ enabled: false }` turns the application's event log off,
 * `{ enabled: true, dir }` puts it in `dir` (absolute, or relative to /user/<user>).
 */

/**
 * Why `dir` cannot name an HDFS directory, or undefined if it can. HDFS refuses path components
 * "." and ".." and names with ":" (DFSUtil.isValidName); URLs are not paths here.
 */
export function eventLogDirProblem(dir: string): string | undefined {
  if (dir.trim() === '') return 'is empty';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(dir)) return 'contains a control character';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) return 'is a URL, not an HDFS path';
  if (dir.includes(':')) return 'contains ":", which HDFS refuses in names';
  if (dir.split('/').some((c) => c === '.' || c === '..')) return 'has a "." or ".." component, which HDFS refuses';
  return undefined;
}

/** Checks a spec's `job.eventLog`; throws ConfigError naming the bad field. */
export function checkEventLogSettings(section: unknown): EventLogSettings {
  if (!section || typeof section !== 'object') invalidSpec('job.eventLog', 'must be an object');
  const s = section as Partial<EventLogSettings>;
  if (typeof s.enabled !== 'boolean') invalidSpec('job.eventLog.enabled', `must be true or false, got ${String(s.enabled)}`);
  if (s.dir !== undefined) {
    if (typeof s.dir !== 'string') invalidSpec('job.eventLog.dir', 'must be a string');
    const problem = eventLogDirProblem(s.dir);
    if (problem) invalidSpec('job.eventLog.dir', problem);
  }
  return s as EventLogSettings;
}
