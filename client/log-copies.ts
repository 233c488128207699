import type { Readable } from 'node:stream';
import { decodeLogCopy, LOG_COPY_FILES, LOG_COPY_MAX_BYTES, logCopyPath, type LogCopy } from '../protocols/app-spec/index.js';
import { NotFoundError, ProtocolError } from '../protocols/errors/index.js';
import type { LogLine } from './container-logs.js';

/**
 * Reading the copies of their container's stdout and stderr that ApplicationMasters keep on HDFS on
 * secure clusters (protocols/app-spec/log-copy.ts; written by appmaster/log-copy.ts), for when the
 * NodeManager cannot serve the files themselves.
 */

/** Where the copies come from: HDFS, or a fake in tests. */
export interface LogCopySource {
  /** The copy of `file` of an AM container (and where it is), or undefined when there is none. */
  read(user: string, appId: string, containerId: string, file: string): Promise<(LogCopy & { path: string }) | undefined>;
}

/** A copy is a header line and at most LOG_COPY_MAX_BYTES; anything much bigger is not one of ours. */
const MAX_COPY_BYTES = LOG_COPY_MAX_BYTES + 4096;

/** Copies read over WebHDFS. */
export function hdfsLogCopies(hdfs: { open(path: string): Promise<Readable> }): LogCopySource {
  return {
    async read(user, appId, containerId, file) {
      if (!LOG_COPY_FILES.includes(file)) return undefined;
      const path = logCopyPath(user, appId, containerId, file);
      let stream: Readable;
      try {
        stream = await hdfs.open(path);
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > MAX_COPY_BYTES) {
          stream.destroy();
          throw new ProtocolError(`${path}: larger than a Spindle log copy can be (${MAX_COPY_BYTES} bytes)`, { path });
        }
        chunks.push(chunk);
      }
      return { ...decodeLogCopy(Buffer.concat(chunks), path), path };
    },
  };
}

/**
 * A copy's lines from byte `offset` of the container's file on (what a reader already showed from
 * the NodeManager is not shown twice), and how many bytes before that are not in the copy.
 */
export function copyLines(copy: LogCopy, offset = 0): { lines: LogLine[]; missingBytes: number } {
  const skip = Math.max(0, offset - copy.droppedBytes);
  const missingBytes = Math.max(0, copy.droppedBytes - offset);
  const text = copy.data.subarray(Math.min(skip, copy.data.length)).toString('utf8');
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return { lines: parts.map((p) => ({ file: copy.file, text: p.replace(/\r$/, '') })), missingBytes };
}

/** What a reader says when a copy is not whole. */
export function truncationNote(copy: LogCopy & { path: string }, missingBytes: number): string {
  const mib = LOG_COPY_MAX_BYTES / (1024 * 1024);
  return `${copy.file} of ${copy.containerId}: its first ${missingBytes} of ${copy.totalBytes} bytes are not in its copy ${copy.path}, which keeps the last ${mib} MiB`;
}
