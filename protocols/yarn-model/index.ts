/**
 * YARN's records (application report, node report, resource, local resource) and special container
 * exit statuses, declared once for every protocol that carries them. Plain data; no protocol code.
 * The only public door of this folder.
 */
export type * from './records.js';
export { FINAL_APP_STATES } from './records.js';
export { ContainerExitStatus, EXIT_STATUS_UNKNOWN } from './exit-codes.js';
