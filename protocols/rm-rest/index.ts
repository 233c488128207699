/**
 * ResourceManager REST client (`/ws/v1/cluster/...`): cluster info and metrics, nodes, application
 * submission, reports, listing and kill, with RM HA failover. The only public door of this folder.
 */
export { RmRestClient, isFinalState, type WaitOptions } from './client.js';
export {
  DEFAULT_KILL_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RM_RETRY,
  resolveRmRestOptions,
  type ResolvedRmRestOptions,
  type RmRestOptions,
} from './options.js';
export { toSubmissionJson, validateSubmission } from './submission.js';
export {
  parseAppResponse,
  parseApps,
  parseAttempts,
  parseClusterInfo,
  parseClusterMetrics,
  parseContainers,
  parseNewApplication,
  parseNodes,
  xmlElementText,
} from './parse.js';
export { nodeHttpTransport, nodeTransport, type HttpMethod, type HttpRequest, type HttpResponse, type HttpTransport } from './transport.js';
export * from './types.js';
/** Forgiving JSON readers, shared with the NodeManager client (same web framework, same quirks). */
export { asObject, bool, listOf, num, optNumber, optString, str, stringList, type JsonObject } from './lenient.js';
