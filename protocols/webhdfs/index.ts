/**
 * WebHDFS: a typed, promise- and stream-based client for HDFS over its REST API.
 *
 *   const hdfs = new WebHdfsClient({ nameNodes: ['http://127.0.0.1:9870'], user: 'alice' });
 *   await hdfs.create('/data/x', createReadStream('x'));
 *   (await hdfs.open('/data/x', { offset: 10, length: 100 })).pipe(process.stdout);
 */
export { WebHdfsClient } from './client.js';
export { delegationTokenRefusal } from './remote-error.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_SOCKETS_PER_HOST,
  DEFAULT_REQUEST_TIMEOUT_MS,
  JOB_PROCESS_RETRY,
  resolveWebHdfsOptions,
  type ResolvedWebHdfsOptions,
  type WebHdfsOptions,
} from './options.js';
export type {
  AppendOptions,
  BlockLocation,
  BlockLocationOptions,
  ContentSummary,
  CreateOptions,
  DeleteOptions,
  FileChecksum,
  FileStatus,
  FileType,
  MkdirsOptions,
  OpenOptions,
  RenameOptions,
  SetOwnerOptions,
  SetTimesOptions,
  UploadBody,
} from './types.js';
