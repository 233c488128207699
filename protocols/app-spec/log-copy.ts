/**
 * The copy of its container's stdout and stderr an ApplicationMaster keeps on HDFS on a secure
 * cluster, where a NodeManager without Hadoop's native library cannot serve log files: where it
 * lives, how big it may be, and its one-line header. The AM writes it (appmaster/log-copy.ts) and the
 * client reads it (client/log-copies.ts); this module is what the two agree on.
 *
 *   /user/<user>/.spindle/logs/                          700
 *     <appId>/                                           700, one per application
 *       <containerId>/                                   700, one per AM attempt
 *         stdout, stderr                                 600
 *
 * Each file is a header line, then the last bytes of the container's file, cut at a line start:
 *
 *   spindle log copy: stdout of container_…_000001, 1234 of 1234 bytes\n          (whole)
 *   spindle log copy: stdout of container_…_000001, the last 99 of 20000000 bytes\n (tail only)
 *   <the bytes>
 */
import { ProtocolError } from '../errors/index.js';

/** The AM container's files that are copied. */
export const LOG_COPY_FILES: readonly string[] = ['stdout', 'stderr'];
/** At most this many bytes of each file are kept: the last ones, where a job's result is. */
export const LOG_COPY_MAX_BYTES = 16 * 1024 * 1024;
/** A cut falling inside a line moves to the next line start, unless that is further than this. */
const MAX_LINE_SEARCH_BYTES = 64 * 1024;
/** Copies of applications whose copy is older than this are removed by a later application's AM. */
export const LOG_COPY_RETENTION_MS = 7 * 24 * 3_600_000;

const APP_ID = /^application_\d+_\d+$/;
const HEADER = /^spindle log copy: ([\w.-]+) of (container_[\w]+), (?:the last )?(\d+) of (\d+) bytes$/;

/** The directory holding every application's copies: `/user/<user>/.spindle/logs`. */
export function logCopyRoot(user: string): string {
  return `/user/${user}/.spindle/logs`;
}

/** One application's copies: `/user/<user>/.spindle/logs/<appId>`. */
export function logCopyDir(user: string, appId: string): string {
  return `${logCopyRoot(user)}/${appId}`;
}

/** The copy of one file of one AM container. */
export function logCopyPath(user: string, appId: string, containerId: string, file: string): string {
  return `${logCopyDir(user, appId)}/${containerId}/${file}`;
}

/** A copy as read back: the bytes, and where they stood in the container's file. */
export interface LogCopy {
  file: string;
  containerId: string;
  /** Bytes of the container's file left out at its start (0: the copy is whole). */
  droppedBytes: number;
  /** The container's file's length when it was copied. */
  totalBytes: number;
  /** The container's file from byte `droppedBytes` to its end. */
  data: Buffer;
}

/**
 * Which part of a file of `totalBytes` a copy keeps, given its last `tail` bytes (`tail.length`
 * at most `maxBytes`, `totalBytes - tail.length` before it): the whole when it fits, else from the
 * first line start in the tail, so the copy begins with a whole line.
 */
export function keptTail(tail: Buffer, totalBytes: number): { start: number; data: Buffer } {
  const before = totalBytes - tail.length;
  if (before <= 0) return { start: 0, data: tail };
  const nl = tail.subarray(0, MAX_LINE_SEARCH_BYTES).indexOf(10);
  const skip = nl >= 0 ? nl + 1 : 0;
  return { start: before + skip, data: tail.subarray(skip) };
}

/** A copy's bytes: the header, then `data` (the file from byte `start` of `totalBytes`). */
export function encodeLogCopy(file: string, containerId: string, start: number, totalBytes: number, data: Buffer): Buffer {
  const what = start === 0 ? `${data.length} of ${totalBytes}` : `the last ${data.length} of ${totalBytes}`;
  return Buffer.concat([Buffer.from(`spindle log copy: ${file} of ${containerId}, ${what} bytes\n`), data]);
}

/** Reads a copy back; ProtocolError when `bytes` does not start with a header (not a copy of ours). */
export function decodeLogCopy(bytes: Buffer, where: string): LogCopy {
  const nl = bytes.indexOf(10);
  const m = nl >= 0 ? HEADER.exec(bytes.subarray(0, nl).toString('utf8')) : null;
  if (!m) throw new ProtocolError(`${where}: not a Spindle log copy (no header line)`, { path: where });
  const data = bytes.subarray(nl + 1);
  const totalBytes = Number(m[4]);
  return { file: m[1]!, containerId: m[2]!, droppedBytes: Math.max(0, totalBytes - data.length), totalBytes, data };
}

/**
 * The application directories under {@link logCopyRoot} to remove: those last changed more than
 * `retentionMs` before `now`, except `ownAppId`'s. A copy is written once, as its AM ends, so an old
 * directory belongs to an application that ended long ago. Entries that are not application
 * directories are not ours and stay.
 */
export function expiredLogCopies(
  entries: readonly { name: string; type: string; modificationTime: number }[],
  now: number,
  retentionMs: number,
  ownAppId?: string,
): string[] {
  return entries
    .filter((e) => e.type === 'directory' && APP_ID.test(e.name) && e.name !== ownAppId && now - e.modificationTime > retentionMs)
    .map((e) => e.name);
}
