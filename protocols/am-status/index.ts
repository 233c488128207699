/**
 * The ApplicationMaster's status protocol: the JSON document its tracking URL serves and the
 * container list (`containers.jsonl`) it keeps in its log directory, with their readers. Shared by
 * the AM, which writes them, and the client, which reads them. The only public door of this folder.
 */
export type * from './types.js';
export { AM_STATUS_EVENTS } from './types.js';
export { formatContainerListEntry, parseAmStatus, parseContainerList, parseJobProgress } from './parse.js';
