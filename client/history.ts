/**
 * Reading event logs back from HDFS for `spindle history`: one application's log, folded into its
 * summary, and the list of logs in a history directory with each one's final state (read from the
 * log's tail, so listing costs one small read per log however large they are).
 */
import { ConfigError, NotFoundError } from '../protocols/errors/index.js';
import {
  decodeEventLog,
  resolveDir,
  summarizeEvents,
  type HistoryState,
  type HistorySummary,
  type LogEvent,
} from '../protocols/event-log/index.js';
import type { FileStatus } from '../protocols/webhdfs/index.js';

/** The WebHDFS operations history reading uses (WebHdfsClient has them). */
export interface HistoryFs {
  open(path: string, options?: { offset?: number }): Promise<AsyncIterable<Buffer | string>>;
  listStatus(path: string): Promise<FileStatus[]>;
}

/** Bytes read from the end of each log by `listEventLogs` to find its last events. */
export const LIST_TAIL_BYTES = 16 * 1024;

async function readText(fs: HistoryFs, path: string, offset?: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await fs.open(path, offset ? { offset } : {})) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** The summary of `appId`'s log in `dir` (default: the user's history directory). */
export async function readHistory(
  fs: HistoryFs,
  user: string,
  appId: string,
  dir?: string,
): Promise<{ path: string; summary: HistorySummary; skippedLines: number; events: LogEvent[] }> {
  const { path, events, skippedLines } = await readEventLog(fs, user, appId, dir);
  return { path, summary: summarizeEvents(events, appId), skippedLines, events };
}

/** The events of `appId`'s log in `dir` (default: the user's history directory); for `spindle history` and `spindle ui`. */
export async function readEventLog(
  fs: HistoryFs,
  user: string,
  appId: string,
  dir?: string,
): Promise<{ path: string; events: LogEvent[]; skippedLines: number }> {
  const path = `${resolveDir(user, dir)}/${appId}`;
  let text: string;
  try {
    text = await readText(fs, path);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new ConfigError(
        `no event log for ${appId} at ${path}: the application did not record one there (it ran with --event-log off or ` +
          '--event-log <dir>: pass that directory with --dir), or it is not an application of this user (--user); ' +
          'spindle history --list shows the logs there',
        { cause: err },
      );
    }
    throw err;
  }
  const decoded = decodeEventLog(text);
  return { path, events: decoded.events, skippedLines: decoded.skipped };
}

export interface HistoryListEntry {
  appId: string;
  path: string;
  bytes: number;
  modified: number;
  /** From the last AppStart/AppEnd in the log's tail; RUNNING when it has no AppEnd. */
  state: HistoryState | 'UNKNOWN';
  startTime?: number;
  endTime?: number;
}

/** The logs in `dir` (default: the user's history directory), newest first. Empty if there is none. */
export async function listEventLogs(fs: HistoryFs, user: string, dir?: string): Promise<{ dir: string; logs: HistoryListEntry[] }> {
  const resolved = resolveDir(user, dir);
  let files: FileStatus[];
  try {
    files = await fs.listStatus(resolved);
  } catch (err) {
    if (err instanceof NotFoundError) return { dir: resolved, logs: [] };
    throw err;
  }
  const logs = files.filter((f) => f.type === 'file' && /^application_\d+_\d+$/.test(f.name));
  const out: HistoryListEntry[] = [];
  // A few reads at a time: enough to hide latency, few enough to spare the NameNode.
  for (let i = 0; i < logs.length; i += 8) {
    out.push(...(await Promise.all(logs.slice(i, i + 8).map((f) => listEntry(fs, f)))));
  }
  out.sort((a, b) => b.modified - a.modified || b.appId.localeCompare(a.appId));
  return { dir: resolved, logs: out };
}

async function listEntry(fs: HistoryFs, f: FileStatus): Promise<HistoryListEntry> {
  const entry: HistoryListEntry = { appId: f.name, path: f.path, bytes: f.length, modified: f.modificationTime, state: 'UNKNOWN' };
  if (f.length === 0) return entry;
  const offset = Math.max(0, f.length - LIST_TAIL_BYTES);
  let text: string;
  try {
    text = await readText(fs, f.path, offset);
  } catch {
    return entry;
  }
  // Cut mid-file: the first line may be a piece of one (unparsable, skipped).
  const { events } = decodeEventLog(text);
  // AppEnd is the last event of an attempt's log; without one at the end, the application runs (or its driver died).
  const last = [...events].reverse().find((e) => e.type === 'AppEnd' || e.type === 'AppStart');
  if (last?.type === 'AppEnd') {
    entry.state = last.state;
    entry.endTime = last.time;
  } else entry.state = 'RUNNING';
  // The start is in the tail only for short logs; the first event's time is read when it is.
  if (offset === 0 && events[0]?.type === 'AppStart') entry.startTime = events[0].time;
  return entry;
}
