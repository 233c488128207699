import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AlreadyExistsError, NotFoundError, RemoteError } from '../protocols/errors/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import type { LocalResource } from '../protocols/yarn/index.js';

/**
 * A content-addressed file cache on HDFS, `/user/<user>/.spindle/cache/<sha256>[.ext]`: anything we
 * ship (the AM bundle, a job bundle, --file/--archive, the Node binary) is uploaded once and then
 * found by its hash. Entries never change, so the NodeManagers' own per-user cache (PRIVATE
 * visibility) keeps them localized across applications too: an unchanged AM bundle is neither
 * uploaded nor downloaded twice.
 *
 * Writes are atomic: upload to a temporary name in the same directory, then rename; a concurrent
 * writer of the same content loses the rename and removes its copy.
 *
 * Use is recorded for `spindle cache gc` (cache-gc.ts): a hit sets the entry's access time to now.
 * Never its modification time: YARN refuses to localize a resource whose mtime differs from the
 * timestamp in the submission, and other submissions hold the entry's mtime already. A hit whose
 * entry vanished before it was marked (gc took it) uploads it again.
 */

/**
 * Whether an error is the NameNode's refusal to set an access time because access times are off
 * ("Access time for hdfs is not configured. Please set dfs.namenode.accesstime.precision ...").
 */
export function isAccessTimeOff(err: unknown): boolean {
  return err instanceof RemoteError && /access time .*not configured|accesstime\.precision/i.test(err.message);
}

export function cacheDirFor(user: string): string {
  return `/user/${user}/.spindle/cache`;
}

/** What to cache: a local file or bytes in memory. */
export type CacheSource = { localPath: string } | { bytes: Uint8Array | string };

export interface CachePutOptions {
  type?: 'file' | 'archive';
  /**
   * Kept on the cached name. YARN decides how to unpack an archive from its name (.zip, .jar,
   * .tar, .tar.gz, .tgz), so archives need theirs.
   */
  extension?: string;
}

export interface CachedFile {
  resource: LocalResource;
  sha256: string;
  /** False when the content was already in the cache. */
  uploaded: boolean;
  /** HDFS path of the entry. */
  path: string;
}

/** Extensions YARN's localizer unpacks (FSDownload), longest first. */
export const ARCHIVE_EXTENSIONS = ['.tar.gz', '.tgz', '.tar', '.zip', '.jar'] as const;

/** The archive extension of a file name, or undefined when YARN would not unpack it. */
export function archiveExtension(name: string): string | undefined {
  const lower = name.toLowerCase();
  return ARCHIVE_EXTENSIONS.find((e) => lower.endsWith(e));
}

/** SHA-256 of a local file (streamed) or of bytes, as lower-case hex. */
export async function sha256Of(source: CacheSource): Promise<string> {
  const hash = createHash('sha256');
  if ('bytes' in source) return hash.update(source.bytes).digest('hex');
  for await (const chunk of createReadStream(source.localPath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class HdfsCache {
  private created = false;
  /** Entries found in the cache / uploaded to it, by this instance. */
  hits = 0;
  uploads = 0;

  constructor(
    private readonly hdfs: WebHdfsClient,
    /** fs.defaultFS, e.g. hdfs://127.0.0.1:8020; resource URLs are built on it. */
    private readonly defaultFs: string,
    readonly dir: string,
    /** Notes for --verbose. */
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** The entry for `source`, uploading it first if the cache does not have it. */
  async put(source: CacheSource, options: CachePutOptions = {}): Promise<CachedFile> {
    const type = options.type ?? 'file';
    const localSize = 'bytes' in source ? Buffer.byteLength(source.bytes) : (await stat(source.localPath)).size;
    const sha256 = await sha256Of(source);
    const path = `${this.dir}/${sha256}${options.extension ?? ''}`;
    let uploaded = false;
    let status = await this.statusOf(path);
    if (status && status.length === localSize && !(await this.markUsed(path))) status = undefined;
    if (!status || status.length !== localSize) {
      await this.upload(source, path, status !== undefined);
      uploaded = true;
      status = await this.hdfs.getFileStatus(path);
    }
    if (uploaded) this.uploads++;
    else this.hits++;
    this.log(`${uploaded ? 'uploaded' : 'cached'} ${'localPath' in source ? source.localPath : `${localSize} bytes`} as ${path}`);
    return {
      sha256,
      uploaded,
      path,
      resource: {
        url: `${this.defaultFs.replace(/\/+$/, '')}${encodeURI(path)}`,
        size: status.length,
        // The real mtime of the cached file: the NodeManager checks it before localizing.
        timestamp: status.modificationTime,
        type,
        visibility: 'private',
      },
    };
  }

  /**
   * Sets the entry's access time to now, so that gc keeps it; false if the entry is gone. On a
   * NameNode with access times off (dfs.namenode.accesstime.precision=0) nothing can be recorded, and
   * gc refuses to run there, so the hit stands.
   */
  private async markUsed(path: string): Promise<boolean> {
    try {
      await this.hdfs.setTimes(path, { accessTime: Date.now() });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      if (isAccessTimeOff(err)) {
        this.log(`cannot record the use of ${path}: access times are off on this NameNode`);
        return true;
      }
      throw err;
    }
  }

  private async statusOf(path: string) {
    try {
      return await this.hdfs.getFileStatus(path);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Upload under a temporary name, then rename into place. */
  private async upload(source: CacheSource, path: string, replaceBroken: boolean): Promise<void> {
    if (!this.created) {
      // 700: other users must not read our code. The parents first, with HDFS's default permission
      // (MKDIRS would give them 700 too; see StagingDir.create).
      await this.hdfs.mkdirs(this.dir.slice(0, this.dir.lastIndexOf('/')));
      await this.hdfs.mkdirs(this.dir, { permission: '700' });
      this.created = true;
    }
    const tmp = `${this.dir}/.tmp-${randomBytes(6).toString('hex')}-${path.slice(this.dir.length + 1)}`;
    let renamed = false;
    try {
      const body = 'bytes' in source ? source.bytes : createReadStream(source.localPath);
      await this.hdfs.create(tmp, body, { overwrite: false, permission: '600' });
      try {
        // A same-named entry of the wrong size (a hash collision we will not see in practice, or a
        // copy someone wrote without this protocol) is replaced.
        await this.hdfs.rename(tmp, path, { overwrite: replaceBroken });
        renamed = true;
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        // Someone else cached the same content first; theirs is as good as ours.
      }
    } finally {
      if (!renamed) await this.hdfs.delete(tmp).catch(() => false);
    }
  }
}
