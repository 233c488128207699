/**
 * The event log's sink on HDFS (through WebHDFS): the first batch creates the file, each later one
 * is an APPEND. Each append ends with the file closed, so a reader sees every batch written so far
 * (HDFS shows a file being written only up to its last complete block; a closed one in full).
 *
 * The file may exist already: an earlier ApplicationMaster attempt wrote it, or a create that failed
 * after the NameNode made it. Then the batch is appended, after a newline that ends a line the
 * earlier writer may have left torn.
 */
import { AlreadyExistsError } from '../errors/index.js';
import type { EventLogSink } from './writer.js';

/** The WebHDFS operations the sink uses (WebHdfsClient has them). */
export interface EventLogFs {
  mkdirs(path: string, options?: { permission?: number | string }): Promise<void>;
  create(path: string, body: Uint8Array, options?: { overwrite?: boolean; permission?: number | string }): Promise<void>;
  append(path: string, body: Uint8Array): Promise<void>;
}

/** Mode of the logs directory and files: the user's and group's (as Spark's 770 event-log directory). */
export const EVENT_LOG_DIR_PERMISSION = '750';
export const EVENT_LOG_FILE_PERMISSION = '640';

export function hdfsEventLogSink(fs: EventLogFs, path: string): EventLogSink {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return {
    async write(text, first) {
      const body = Buffer.from(text);
      if (!first) return fs.append(path, body);
      await fs.mkdirs(dir, { permission: EVENT_LOG_DIR_PERMISSION });
      try {
        await fs.create(path, body, { overwrite: false, permission: EVENT_LOG_FILE_PERMISSION });
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        await fs.append(path, Buffer.concat([Buffer.from('\n'), body]));
      }
    },
  };
}
