import { parseAmStatus, type AmStatus } from '../protocols/am-status/index.js';
import { ConnectionError, ProtocolError, TimeoutError } from '../protocols/errors/index.js';
import { exchange, plainWords, type HttpNegotiator, type HttpResponse } from '../protocols/http/index.js';

/**
 * Reading the AM's status document (protocols/am-status) from its tracking URL, through the RM's
 * web proxy (`http://<rm>/proxy/<appId>/`).
 */

export type { AmContainerEvent, AmLaunchedContainer, AmStageProgress, AmStatus } from '../protocols/am-status/index.js';
export { parseAmStatus };

/** Default time allowed for one status request. */
export const AM_STATUS_TIMEOUT_MS = 3_000;

/** Largest status document read (the AM keeps its lists bounded; this is far above them). */
export const AM_STATUS_MAX_BYTES = 4 * 1024 * 1024;

/**
 * GETs the status through the RM proxy (with SPNEGO when `negotiator` is given). Undefined when the AM is not (or no longer) there: the proxy
 * then answers a redirect or an HTML page, or the connection fails or stays silent. An answer that
 * claims to be JSON and is not, or is too large, is a ProtocolError: the AM and this client ship
 * together, so that is a bug to report, not an absence.
 */
export async function fetchAmStatus(
  trackingUrl: string,
  timeoutMs = AM_STATUS_TIMEOUT_MS,
  negotiator?: HttpNegotiator,
): Promise<AmStatus | undefined> {
  const request = {
    method: 'GET',
    url: trackingUrl,
    headers: { accept: 'application/json' },
    timeoutMs,
    maxBytes: AM_STATUS_MAX_BYTES,
  } as const;
  let res: HttpResponse;
  try {
    // On a Kerberized cluster the RM's proxy wants SPNEGO, as the RM itself does.
    res = await exchange(request, { words: plainWords(request, { label: 'AM status' }), ...(negotiator ? { negotiator } : {}) });
  } catch (err) {
    // The AM has just exited, or has not started serving yet: its status is absent, which callers expect.
    if (err instanceof ConnectionError || err instanceof TimeoutError) return undefined;
    throw err;
  }
  if (res.status !== 200 || !(res.headers['content-type'] ?? '').includes('json')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`AM status: the answer from ${new URL(trackingUrl).origin} is not JSON`, { cause: err, server: trackingUrl });
  }
  return parseAmStatus(body);
}
