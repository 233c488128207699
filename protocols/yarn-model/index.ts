/**
 * YARN's records (application report, node report, resource, local resource), declared once for
 * every protocol that carries them. Plain data; no protocol code. The only public door of this folder.
 */
export type * from './records.js';
export { FINAL_APP_STATES } from './records.js';
