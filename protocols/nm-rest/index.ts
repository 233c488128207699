/**
 * NodeManager web services client (`/ws/v1/node/...`): container log files (listing and byte
 * ranges) and container reports. The only public door of this folder.
 */
export {
  DEFAULT_NM_REQUEST_TIMEOUT_MS,
  MAX_CATCH_UP_READS,
  NM_MAX_ANSWER_BYTES,
  NmRestClient,
  nodeBaseUrl,
  type NmRestOptions,
} from './client.js';
export { parseLogEnvelope, parseLogListing, parseNmContainer } from './parse.js';
export { keepAliveTransport, type ClosableTransport, type NmHttpRequest, type NmHttpResponse, type NmHttpTransport } from './transport.js';
export type { ContainerLogListing, LogAggregationType, LogChunk, LogFileInfo, NmContainerReport } from './types.js';
