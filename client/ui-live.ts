import { ConnectionError, TimeoutError } from '../protocols/errors/index.js';
import { exchange, plainWords, type HttpNegotiator, type HttpResponse } from '../protocols/http/index.js';
import { UI_SERVED_BY_HEADER, type UiResponse } from '../protocols/web-ui/index.js';
import type { UiHandler } from './ui-server.js';

/**
 * `spindle ui` while the application runs: the local server forwards each page to the AM's UI
 * through the RM's web proxy, with the user's credentials (SPNEGO on a Kerberized cluster), so a
 * browser on the user's machine needs neither a Kerberos setup nor a route to the proxy's
 * warnings. Once the AM no longer answers and the RM says the application has ended, the same URL
 * serves the pages from the event log: one URL for the whole life of the application.
 */

/** Time allowed for one forwarded request (the AM renders pages from memory). */
export const UI_FORWARD_TIMEOUT_MS = 10_000;
/** Largest page forwarded (a stage page with its capped task rows is far below this). */
export const UI_FORWARD_MAX_BYTES = 16 * 1024 * 1024;

/**
 * GETs `path` (with its query) of the UI at `trackingUrl`. Undefined when the answer is not the AM's
 * (the proxy's own redirect or page once the application has ended) or nobody answers.
 */
export async function forwardToAm(
  trackingUrl: string,
  url: URL,
  accept: string,
  negotiator?: HttpNegotiator,
): Promise<UiResponse | undefined> {
  const request = {
    method: 'GET',
    url: `${trackingUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`,
    headers: { accept },
    timeoutMs: UI_FORWARD_TIMEOUT_MS,
    maxBytes: UI_FORWARD_MAX_BYTES,
  } as const;
  let res: HttpResponse;
  try {
    res = await exchange(request, { words: plainWords(request, { label: 'web UI' }), ...(negotiator ? { negotiator } : {}) });
  } catch (err) {
    if (err instanceof ConnectionError || err instanceof TimeoutError) return undefined;
    throw err;
  }
  if (res.headers[UI_SERVED_BY_HEADER] === undefined) return undefined;
  return { status: res.status, type: res.headers['content-type'] ?? 'application/octet-stream', body: res.body.toString('utf8') };
}

export interface LiveUiOptions {
  trackingUrl: string;
  negotiator?: HttpNegotiator;
  /** Whether the application has reached a final state (asked when the AM does not answer). */
  ended: () => Promise<boolean>;
  /** The handler serving from the event log, made once, after the application ended. */
  fromLog: () => Promise<UiHandler>;
  /** A page for a request the AM did not answer while the application still runs. */
  unavailable: (url: URL) => UiResponse;
  /** Called once, when the handler switches to the event log. */
  onSwitch?: () => void;
  forward?: typeof forwardToAm;
}

/** The handler for a running application: the AM's pages, then the event log's once it has ended. */
export function liveHandler(o: LiveUiOptions): UiHandler {
  const forward = o.forward ?? forwardToAm;
  let fromLog: Promise<UiHandler> | undefined;
  return async (url, accept) => {
    if (!fromLog) {
      const page = await forward(o.trackingUrl, url, accept, o.negotiator);
      if (page) return page;
      // The AM did not answer: ended, or not serving for a moment (starting, a new attempt coming up).
      if (!(await o.ended())) return o.unavailable(url);
      if (!fromLog) {
        o.onSwitch?.();
        fromLog = o.fromLog();
      }
    }
    return (await fromLog)(url, accept);
  };
}
