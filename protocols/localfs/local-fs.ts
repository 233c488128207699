import { createWriteStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AccessDeniedError,
  AlreadyExistsError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  type SpindleError,
} from '../errors/index.js';
import type { BlockLocation, FileStatus } from '../webhdfs/index.js';

/**
 * The machine's own filesystem behind the same calls as WebHdfsClient, for jobs run in local mode:
 * the same results (FileStatus, block locations) and the same error classes, so the readers, the
 * writers and the output committer work on it unchanged. What HDFS does differently from POSIX is
 * done here the HDFS way: `create` makes missing parents, `rename` never replaces an existing
 * destination (nor moves into a directory), and a file is split into blocks of LOCAL_BLOCK_SIZE.
 */

/** Block size reported for local files: Hadoop's `fs.local.block.size` default (32 MiB). */
export const LOCAL_BLOCK_SIZE = 32 * 1024 * 1024;

/** The body of `create`: bytes, text, or a stream of chunks. */
export type LocalBody = AsyncIterable<Uint8Array | string> | Uint8Array | string;

/** One of our error classes for a Node filesystem error, naming the operation and the path. */
export function localFsError(err: unknown, operation: string, path: string): SpindleError | unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const o = { operation, path, cause: err };
  switch (code) {
    case 'ENOENT':
      return new NotFoundError(`${operation} ${path}: no such file or directory`, o);
    case 'EEXIST':
      return new AlreadyExistsError(`${operation} ${path}: already exists`, o);
    case 'ENOTDIR':
      return new ParentNotDirectoryError(`${operation} ${path}: a parent is not a directory`, o);
    case 'ENOTEMPTY':
      return new NotEmptyError(`${operation} ${path}: the directory is not empty`, o);
    case 'EACCES':
    case 'EPERM':
      return new AccessDeniedError(`${operation} ${path}: permission denied`, o);
    default:
      return err;
  }
}

function fileStatus(path: string, s: Stats): FileStatus {
  const dir = s.isDirectory();
  return {
    path,
    name: basename(path),
    type: dir ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'file',
    length: dir ? 0 : s.size,
    modificationTime: s.mtimeMs,
    accessTime: s.atimeMs,
    blockSize: dir ? 0 : LOCAL_BLOCK_SIZE,
    replication: dir ? 0 : 1,
    owner: String(s.uid),
    group: String(s.gid),
    permission: s.mode & 0o7777,
  };
}

export class LocalFs {
  /** Status of one path (symbolic links followed); NotFoundError if it does not exist. */
  async getFileStatus(path: string): Promise<FileStatus> {
    const p = resolve(path);
    return fileStatus(p, await stat(p).catch((err: unknown) => Promise.reject(localFsError(err, 'GETFILESTATUS', p))));
  }

  /** Whether `path` exists. */
  async exists(path: string): Promise<boolean> {
    try {
      await lstat(resolve(path));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw localFsError(err, 'GETFILESTATUS', path);
    }
  }

  /** The entries of a directory sorted by name (for a file, the file itself), as WebHDFS lists them. */
  async listStatus(path: string): Promise<FileStatus[]> {
    const p = resolve(path);
    const own = await this.getFileStatus(p);
    if (own.type !== 'directory') return [own];
    const names = await readdir(p).catch((err: unknown) => Promise.reject(localFsError(err, 'LISTSTATUS', p)));
    names.sort();
    const out: FileStatus[] = [];
    for (const name of names) {
      const child = `${p === '/' ? '' : p}/${name}`;
      // An entry removed since readdir, or a dangling link, is not listed.
      const s = await stat(child).catch(() => undefined);
      if (s) out.push(fileStatus(child, s));
    }
    return out;
  }

  /** The file's blocks of LOCAL_BLOCK_SIZE, all on this machine (no host preference). */
  async getFileBlockLocations(path: string): Promise<BlockLocation[]> {
    const { length } = await this.getFileStatus(path);
    const blocks: BlockLocation[] = [];
    for (let offset = 0; offset < length; offset += LOCAL_BLOCK_SIZE) {
      const size = Math.min(LOCAL_BLOCK_SIZE, length - offset);
      blocks.push({ offset, length: size, hosts: [], names: [], topologyPaths: [], cachedHosts: [], storageTypes: [], corrupt: false });
    }
    return blocks;
  }

  /** Creates a directory and any missing parents; succeeds if it exists; AlreadyExistsError for a file. */
  async mkdirs(path: string): Promise<void> {
    const p = resolve(path);
    await mkdir(p, { recursive: true }).catch((err: unknown) => Promise.reject(localFsError(err, 'MKDIRS', p)));
    const s = await stat(p);
    if (!s.isDirectory()) throw new AlreadyExistsError(`MKDIRS ${p}: a file exists there`, { operation: 'MKDIRS', path: p });
  }

  /**
   * Renames `src` to `dst` in one step (POSIX rename). As HDFS's rename2: AlreadyExistsError if
   * `dst` exists (unless `overwrite`, which replaces a file or an empty directory), NotFoundError if
   * `src` or the parent of `dst` does not exist.
   */
  async rename(src: string, dst: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const from = resolve(src);
    const to = resolve(dst);
    const target = `${from} -> ${to}`;
    await lstat(from).catch((err: unknown) => Promise.reject(localFsError(err, 'RENAME', from)));
    const existing = await lstat(to).catch(() => undefined);
    if (existing && !options.overwrite)
      throw new AlreadyExistsError(`RENAME ${target}: the destination exists`, { operation: 'RENAME', path: to });
    await stat(dirname(to)).catch((err: unknown) => Promise.reject(localFsError(err, 'RENAME', dirname(to))));
    await rename(from, to).catch((err: unknown) => Promise.reject(localFsError(err, 'RENAME', target)));
  }

  /** Deletes a file or directory; false if nothing was there; NotEmptyError for a non-empty directory unless `recursive`. */
  async delete(path: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    const p = resolve(path);
    const s = await lstat(p).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw localFsError(err, 'DELETE', p);
    });
    if (!s) return false;
    if (s.isDirectory() && !options.recursive) await rmdir(p).catch((err: unknown) => Promise.reject(localFsError(err, 'DELETE', p)));
    else await rm(p, { recursive: true, force: true }).catch((err: unknown) => Promise.reject(localFsError(err, 'DELETE', p)));
    return true;
  }

  /** Writes a file, making missing parents; AlreadyExistsError if it exists and `overwrite` is not set. */
  async create(path: string, body: LocalBody, options: { overwrite?: boolean } = {}): Promise<void> {
    const p = resolve(path);
    await mkdir(dirname(p), { recursive: true }).catch((err: unknown) => Promise.reject(localFsError(err, 'CREATE', p)));
    const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : Readable.from(body);
    const sink = createWriteStream(p, { flags: options.overwrite ? 'w' : 'wx' });
    await pipeline(source, sink).catch((err: unknown) => Promise.reject(localFsError(err, 'CREATE', p)));
  }

  /** The file's bytes from `offset` (default 0), at most `length` of them. */
  async open(path: string, options: { offset?: number; length?: number } = {}): Promise<Readable> {
    const p = resolve(path);
    const handle = await open(p, 'r').catch((err: unknown) => Promise.reject(localFsError(err, 'OPEN', p)));
    const s = await handle.stat();
    if (s.isDirectory()) {
      await handle.close();
      throw new NotFoundError(`OPEN ${p}: is a directory, not a file`, { operation: 'OPEN', path: p });
    }
    const start = options.offset ?? 0;
    const end = options.length !== undefined ? start + options.length - 1 : undefined;
    if (end !== undefined && end < start) {
      await handle.close();
      return Readable.from([]);
    }
    return handle.createReadStream({ start, ...(end !== undefined ? { end } : {}), highWaterMark: 64 * 1024 });
  }

  /** Nothing to release; here for the same shape as WebHdfsClient. */
  close(): void {}
}
