/**
 * The local filesystem behind WebHdfsClient's calls (local mode), and the filesystem that sends
 * HDFS URIs to the cluster and everything else to the machine's own files.
 */
export { LOCAL_BLOCK_SIZE, LocalFs, type LocalBody, localFsError } from './local-fs.js';
export { type JobFs, RoutingFs, remotePrefix } from './routing-fs.js';
