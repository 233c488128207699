/**
 * In-process fake NameNode/DataNode HTTP servers on port 0 for the WebHDFS unit tests.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface FakeServer {
  /** Base URL, e.g. http://127.0.0.1:12345 */
  url: string;
  host: string;
  /** Every request URL received, in order. */
  requests: URL[];
  close(): Promise<void>;
}

/** Start a server calling `handler` for each request. */
export async function fakeServer(handler: Handler): Promise<FakeServer> {
  const requests: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(url);
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL where nothing listens (connections are refused). */
export async function refusedUrl(): Promise<string> {
  const s = await fakeServer(() => undefined);
  await s.close();
  return s.url;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A WebHDFS error answer. */
export function sendRemoteException(res: ServerResponse, status: number, javaClassName: string, message: string): void {
  sendJson(res, status, {
    RemoteException: { exception: javaClassName.slice(javaClassName.lastIndexOf('.') + 1), javaClassName, message },
  });
}

/** A FileStatus as the NameNode renders it. */
export function wireStatus(pathSuffix: string, type: 'FILE' | 'DIRECTORY' = 'FILE', length = 0): Record<string, unknown> {
  return {
    accessTime: 1,
    blockSize: type === 'FILE' ? 134217728 : 0,
    childrenNum: 0,
    fileId: 16400,
    group: 'supergroup',
    length,
    modificationTime: 1700000000000,
    owner: 'alice',
    pathSuffix,
    permission: type === 'FILE' ? '644' : '755',
    replication: type === 'FILE' ? 1 : 0,
    storagePolicy: 0,
    type,
  };
}

/** Read a request body whole. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Recorded sleeps that return at once: a fake clock for retry delays. */
export function fakeSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}
