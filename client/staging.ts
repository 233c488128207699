import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import type { LocalResource } from '../protocols/yarn/index.js';

/**
 * The application's staging directory on HDFS (`/user/<user>/.spindle/<appId>/`): everything the AM and
 * its containers download before they start. YARN checks each file's size and modification time
 * against what the submission says, so both come from the file status WebHDFS reports after upload.
 */

export function stagingDirFor(user: string, appId: string): string {
  return `/user/${user}/.spindle/${appId}`;
}

export class StagingDir {
  constructor(
    private readonly hdfs: WebHdfsClient,
    /** fs.defaultFS, e.g. hdfs://127.0.0.1:8020; resource URLs are built on it. */
    private readonly defaultFs: string,
    readonly path: string,
  ) {}

  async create(): Promise<void> {
    // MKDIRS gives the parents it creates the requested permission too (plus u+wx): on a fresh
    // cluster a first submission would leave /user itself 700, closed to every other user. So the
    // parents get HDFS's default first.
    await this.hdfs.mkdirs(this.path.slice(0, this.path.lastIndexOf('/')));
    // 700: other users must not read an application's code and configuration.
    await this.hdfs.mkdirs(this.path, { permission: '700' });
  }

  /** Uploads bytes or a local file under `name` and returns it as a YARN local resource. */
  async put(
    name: string,
    content: Uint8Array | string | { localPath: string },
    type: LocalResource['type'] = 'file',
  ): Promise<LocalResource> {
    const target = `${this.path}/${name}`;
    if (typeof content === 'object' && 'localPath' in content) {
      await stat(content.localPath); // a clear ENOENT before anything is sent
      await this.hdfs.create(target, createReadStream(content.localPath), { overwrite: true, permission: '600' });
    } else {
      await this.hdfs.create(target, content, { overwrite: true, permission: '600' });
    }
    const status = await this.hdfs.getFileStatus(target);
    return {
      url: `${this.defaultFs.replace(/\/+$/, '')}${encodeURI(target)}`,
      size: status.length,
      timestamp: status.modificationTime,
      type,
      visibility: 'application',
    };
  }

  /** Removes the directory and everything in it; a missing directory is fine. */
  async remove(): Promise<void> {
    await this.hdfs.delete(this.path, { recursive: true });
  }
}
