import { parseAmStatus, type AmStatus } from '../protocols/am-status/index.js';

/**
 * Reading the AM's status document (protocols/am-status) from its tracking URL, through the RM's
 * web proxy (`http://<rm>/proxy/<appId>/`).
 */

export type { AmContainerEvent, AmLaunchedContainer, AmStageProgress, AmStatus } from '../protocols/am-status/index.js';
export { parseAmStatus };

/** Default time allowed for one status request. */
export const AM_STATUS_TIMEOUT_MS = 3_000;

/**
 * GETs the status through the RM proxy. Undefined when the AM is not (or no longer) there: the proxy
 * then answers a redirect or an HTML page, or nothing at all. Never throws.
 */
export async function fetchAmStatus(trackingUrl: string, timeoutMs = AM_STATUS_TIMEOUT_MS): Promise<AmStatus | undefined> {
  try {
    const res = await fetch(trackingUrl, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('json')) {
      await res.body?.cancel();
      return undefined;
    }
    return parseAmStatus(await res.json());
  } catch {
    return undefined;
  }
}
