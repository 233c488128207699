import { open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeLogCopy,
  expiredLogCopies,
  keptTail,
  LOG_COPY_FILES,
  LOG_COPY_MAX_BYTES,
  LOG_COPY_RETENTION_MS,
  logCopyDir,
  logCopyRoot,
} from '../protocols/app-spec/index.js';
import { errorMessage, NotFoundError } from '../protocols/errors/index.js';
import { WebHdfsClient, type WebHdfsOptions } from '../protocols/webhdfs/index.js';

/**
 * On a secure cluster a NodeManager without Hadoop's native library lists log files but cannot serve
 * them, so the client could never show a job's result (the driver's stdout). Once the driver has
 * ended, and before the AM unregisters (a client that sees the application finished finds the copy
 * complete), the AM copies its container's stdout and stderr to HDFS (protocols/app-spec/log-copy.ts
 * has the layout): the last LOG_COPY_MAX_BYTES of each, written under a temporary name and renamed, so
 * a reader never sees half a file. Then it removes the copies of applications older than
 * LOG_COPY_RETENTION_MS. Nothing here fails the application: problems are logged.
 */

/** The whole copy, sweep included, may take this long before the AM unregisters without it. */
export const LOG_COPY_TIMEOUT_MS = 30_000;

/** The WebHDFS calls the copy makes; WebHdfsClient has them. */
export interface LogCopyFs {
  mkdirs(path: string, options: { permission: string }): Promise<void>;
  create(path: string, body: Buffer, options: { overwrite: boolean; permission: string }): Promise<void>;
  rename(src: string, dst: string, options: { overwrite: boolean }): Promise<void>;
  listStatus(path: string): Promise<{ name: string; type: string; modificationTime: number }[]>;
  delete(path: string, options: { recursive: boolean }): Promise<boolean>;
}

export interface CopyAmLogsOptions {
  appId: string;
  /** The application's user: the copies go to its `.spindle` directory. */
  user: string;
  /** The AM's container. */
  containerId: string;
  /** LOG_DIRS: the container's log directories (its stdout is in one of them). */
  logDirs: readonly string[];
  fs: LogCopyFs;
  log: (message: string) => void;
  /** Default {@link LOG_COPY_MAX_BYTES}. */
  maxBytes?: number;
  /** Default {@link LOG_COPY_RETENTION_MS}. */
  retentionMs?: number;
  /** Default Date.now. */
  now?: () => number;
}

/**
 * Copies the files, and meanwhile sweeps expired copies; logs what failed, never throws. The files
 * are copied side by side: each is a few WebHDFS round trips, and the AM unregisters only after them.
 */
export async function copyAmLogs(o: CopyAmLogsOptions): Promise<void> {
  const dir = `${logCopyDir(o.user, o.appId)}/${o.containerId}`;
  const copy = async (): Promise<void> => {
    try {
      // 700 for the new directories (the `logs` root and the application's, too): logs are private.
      await o.fs.mkdirs(dir, { permission: '700' });
      const copied = await Promise.all(LOG_COPY_FILES.map((file) => copyFile(o, dir, file)));
      const what = copied.filter((c) => c !== undefined).join(' and ') || 'nothing';
      o.log(`copied ${what} to ${dir} (the NodeManagers of a secure cluster may be unable to serve them)`);
    } catch (err) {
      o.log(`could not copy the container's logs to ${dir}: ${errorMessage(err)}`);
    }
  };
  await Promise.all([copy(), sweep(o)]);
}

/** One file's copy, written under a temporary name and renamed; what was copied, for the log. */
async function copyFile(o: CopyAmLogsOptions, dir: string, file: string): Promise<string | undefined> {
  const tail = await readTail(o.logDirs, file, o.maxBytes ?? LOG_COPY_MAX_BYTES);
  if (!tail) return undefined;
  const kept = keptTail(tail.data, tail.totalBytes);
  const tmp = `${dir}/.${file}.tmp`;
  const bytes = encodeLogCopy(file, o.containerId, kept.start, tail.totalBytes, kept.data);
  await o.fs.create(tmp, bytes, { overwrite: true, permission: '600' });
  await o.fs.rename(tmp, `${dir}/${file}`, { overwrite: true });
  return kept.start > 0 ? `${file} (its last ${kept.data.length} of ${tail.totalBytes} bytes)` : file;
}

/** Removes other applications' expired copies. */
async function sweep(o: CopyAmLogsOptions): Promise<void> {
  const root = logCopyRoot(o.user);
  try {
    const entries = await o.fs.listStatus(root);
    const expired = expiredLogCopies(entries, (o.now ?? Date.now)(), o.retentionMs ?? LOG_COPY_RETENTION_MS, o.appId);
    for (const name of expired) await o.fs.delete(`${root}/${name}`, { recursive: true });
    if (expired.length) o.log(`removed ${expired.length} expired log cop${expired.length === 1 ? 'y' : 'ies'} from ${root}`);
  } catch (err) {
    if (!(err instanceof NotFoundError)) o.log(`could not remove expired log copies from ${root}: ${errorMessage(err)}`);
  }
}

/**
 * The last `maxBytes` of `file` in the first log directory that has it, with the file's length;
 * undefined when none has it.
 */
export async function readTail(
  logDirs: readonly string[],
  file: string,
  maxBytes: number,
): Promise<{ data: Buffer; totalBytes: number } | undefined> {
  for (const dir of logDirs) {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(join(dir, file), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      const n = Math.min(size, maxBytes);
      const data = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(data, got, n - got, size - n + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return { data: data.subarray(0, got), totalBytes: size - n + got };
    } finally {
      await fh.close();
    }
  }
  return undefined;
}

/**
 * The AM's hook: copies its logs over WebHDFS with the application's delegation token, within
 * {@link LOG_COPY_TIMEOUT_MS} (a slow HDFS must not keep the AM from unregistering: its calls are cut).
 */
export async function keepLogCopy(
  spec: { appId: string; user: string; cluster: { nameNodes: string[] } },
  env: { containerId: string; logDirs: string[] },
  hdfsAuth: Pick<WebHdfsOptions, 'delegationToken'>,
  log: (message: string) => void,
  timeoutMs = LOG_COPY_TIMEOUT_MS,
): Promise<void> {
  const fs = new WebHdfsClient({ nameNodes: spec.cluster.nameNodes, user: spec.user, ...hdfsAuth });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log(`copying the container's logs took more than ${timeoutMs} ms; unregistering without waiting for it`);
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([
      copyAmLogs({ appId: spec.appId, user: spec.user, containerId: env.containerId, logDirs: env.logDirs, fs, log }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    fs.close();
  }
}
