/**
 * Keep-alive agents (http and https) for one client: sockets are reused across calls to the same
 * server, most recently used first, and `destroy()` ends them all, open streams included.
 */
import http from 'node:http';
import https from 'node:https';

/** Sockets per host when the client does not say. */
export const DEFAULT_MAX_SOCKETS = 8;

export class HttpAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;

  constructor(maxSocketsPerHost = DEFAULT_MAX_SOCKETS) {
    const options = { keepAlive: true, maxSockets: maxSocketsPerHost, maxFreeSockets: maxSocketsPerHost, scheduling: 'lifo' as const };
    this.http = new http.Agent(options);
    this.https = new https.Agent(options);
  }

  /** The agent for `url`'s scheme. */
  for(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.https : this.http;
  }

  /** End every connection, pooled or in use. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
