import type { Readable } from 'node:stream';
import { ConfigError } from '../errors/index.js';
import type { BlockLocation, FileStatus, UploadBody } from '../webhdfs/index.js';

/**
 * Local mode's filesystem: plain paths are the machine's own files, and `hdfs://`, `webhdfs://` or
 * `swebhdfs://` URIs go to the cluster's HDFS over WebHDFS (when one is configured), so a driver on
 * a laptop can read a cluster's files and write its own. Paths the remote side returns carry the
 * URI's `scheme://authority` again, so what a listing yields can be passed back in.
 */

/** The filesystem calls the driver and the executors make (WebHdfsClient and LocalFs have them). */
export interface JobFs {
  getFileStatus(path: string): Promise<FileStatus>;
  exists(path: string): Promise<boolean>;
  listStatus(path: string): Promise<FileStatus[]>;
  getFileBlockLocations(path: string): Promise<BlockLocation[]>;
  mkdirs(path: string): Promise<void>;
  rename(src: string, dst: string, options?: { overwrite?: boolean }): Promise<void>;
  delete(path: string, options?: { recursive?: boolean }): Promise<boolean>;
  create(path: string, body: UploadBody, options?: { overwrite?: boolean }): Promise<void>;
  open(path: string, options?: { offset?: number; length?: number }): Promise<Readable>;
  close(): void;
}

/** `scheme://authority` of an HDFS URI (group 1), the rest being its path. */
const REMOTE_URI = /^((?:hdfs|webhdfs|swebhdfs):\/\/[^/]*)(.*)$/i;

/** The `scheme://authority` prefix of an HDFS URI, or undefined for a plain path. */
export function remotePrefix(path: string): string | undefined {
  return REMOTE_URI.exec(path)?.[1];
}

export class RoutingFs implements JobFs {
  /** `remote`: the cluster's HDFS; without it, an HDFS URI fails with a ConfigError. */
  constructor(
    private readonly local: JobFs,
    private readonly remote?: JobFs,
  ) {}

  async getFileStatus(path: string): Promise<FileStatus> {
    const r = this.route(path);
    return r.prefixed(await r.fs.getFileStatus(r.path));
  }

  async exists(path: string): Promise<boolean> {
    const r = this.route(path);
    return r.fs.exists(r.path);
  }

  async listStatus(path: string): Promise<FileStatus[]> {
    const r = this.route(path);
    return (await r.fs.listStatus(r.path)).map(r.prefixed);
  }

  async getFileBlockLocations(path: string): Promise<BlockLocation[]> {
    const r = this.route(path);
    return r.fs.getFileBlockLocations(r.path);
  }

  async mkdirs(path: string): Promise<void> {
    const r = this.route(path);
    return r.fs.mkdirs(r.path);
  }

  async rename(src: string, dst: string, options?: { overwrite?: boolean }): Promise<void> {
    const from = this.route(src);
    const to = this.route(dst);
    if (from.fs !== to.fs) {
      throw new ConfigError(`rename ${src} -> ${dst}: both paths must be on the same filesystem`, { path: src });
    }
    return from.fs.rename(from.path, to.path, options);
  }

  async delete(path: string, options?: { recursive?: boolean }): Promise<boolean> {
    const r = this.route(path);
    return r.fs.delete(r.path, options);
  }

  async create(path: string, body: UploadBody, options?: { overwrite?: boolean }): Promise<void> {
    const r = this.route(path);
    return r.fs.create(r.path, body, options);
  }

  async open(path: string, options?: { offset?: number; length?: number }): Promise<Readable> {
    const r = this.route(path);
    return r.fs.open(r.path, options);
  }

  close(): void {
    this.local.close();
    this.remote?.close();
  }

  private route(path: string): { fs: JobFs; path: string; prefixed: (s: FileStatus) => FileStatus } {
    const m = REMOTE_URI.exec(path);
    if (!m) return { fs: this.local, path, prefixed: (s) => s };
    if (!this.remote) {
      throw new ConfigError(`${path}: HDFS paths need a cluster's configuration (set HADOOP_CONF_DIR); local paths need no scheme`, {
        path,
      });
    }
    const prefix = m[1]!;
    return { fs: this.remote, path: m[2] || '/', prefixed: (s) => ({ ...s, path: `${prefix}${s.path}` }) };
  }
}
