/**
 * Step 2 of CREATE and APPEND: stream the bytes to the DataNode URL the NameNode named.
 *
 *   PUT|POST <datanode url, query kept intact>
 *   Content-Type: application/octet-stream
 *   Transfer-Encoding: chunked            (Content-Length for buffers and strings)
 *        <- 100 Continue                  (the DataNode sends it whether asked or not; Node skips it)
 *   ...body...
 *        <- 201 Created (CREATE) / 200 OK (APPEND), or an error with a RemoteException body
 *
 * The DataNode opens the HDFS file as soon as the headers arrive, so "already exists" or "permission
 * denied" can come back while we are still sending: a response that arrives early stops the upload.
 * The DataNode closes the connection right after such an answer; with our bytes still unread on its
 * side the close becomes a reset, which can overtake the answer (observed on Hadoop 3.5: then all we
 * can report is a ConnectionError). Writes wait for a fresh poll so an answer already received wins.
 *
 * The body is written with backpressure (constant memory); the idle timer runs only while we wait for
 * the DataNode to drain, so a slow source never times out. The body is taken from its source only
 * once the connection to the DataNode is up: a DataNode that cannot be reached (restarting, say)
 * fails the upload with nothing consumed (`isUnsentUpload`), and the caller may start over. Once
 * bytes went out, the upload is never retried (a stream cannot be replayed).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { ProtocolError, TimeoutError } from '../errors/index.js';
import { abortRequest } from '../http/index.js';
import { callTimeout, contextFields, readText, type WebHdfsTransport } from './http.js';
import { errorFromResponse, type CallContext } from './remote-error.js';
import type { UploadBody } from './types.js';

/** Errors of uploads that failed before any byte of the body was taken from its source. */
const unsent = new WeakSet<object>();

/** Whether `err` ended an upload before any byte of its body was taken: starting over is safe. */
export function isUnsentUpload(err: unknown): boolean {
  return typeof err === 'object' && err !== null && unsent.has(err);
}

/** Largest answer we read from a DataNode after an upload. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface UploadTimeouts {
  /** For the final answer once the body is sent (the DataNode closes the HDFS file first). */
  requestTimeoutMs: number;
  /** Longest wait for the DataNode to accept more bytes. */
  idleTimeoutMs: number;
}

/** Send `body` to `url` and check the answer has status `expectStatus`. */
export async function uploadToDataNode(
  transport: WebHdfsTransport,
  method: 'PUT' | 'POST',
  url: URL,
  body: UploadBody,
  ctx: CallContext,
  timeouts: UploadTimeouts,
  expectStatus: number,
): Promise<void> {
  const whole = typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (whole !== undefined) headers['content-length'] = String(whole.byteLength);
  const { req, response } = transport.start(method, url, ctx, headers);
  const connected = new Promise<boolean>((resolve) => {
    req.once('socket', (socket) => {
      if (!socket.connecting) resolve(true);
      else socket.once('connect', () => resolve(true));
    });
    req.once('error', () => resolve(false)).once('close', () => resolve(false));
  });

  // The request is over from the sender's point of view once an answer came or it failed.
  let over = false;
  req.once('response', () => (over = true)).once('close', () => (over = true));

  if (!(await connected)) {
    // Not even connected: the request failed before the body was touched.
    await response.then(
      () => undefined,
      (err: unknown) => {
        if (typeof err === 'object' && err !== null) unsent.add(err);
        throw err;
      },
    );
  }

  if (whole !== undefined) req.end(whole);
  else {
    await pump(req, body as AsyncIterable<Uint8Array | string>, () => over, ctx, timeouts.idleTimeoutMs);
    if (!over) req.end();
  }

  const timer = setTimeout(() => abortRequest(req, callTimeout(ctx, timeouts.requestTimeoutMs)), timeouts.requestTimeoutMs);
  try {
    const res = await response;
    await checkAnswer(res, req, ctx, expectStatus);
  } finally {
    clearTimeout(timer);
    // An early answer leaves our body unfinished; the connection cannot be reused.
    if (!req.writableFinished) req.destroy();
  }
}

/** Write the source into the request with backpressure until it ends or the request is over. */
async function pump(
  req: ClientRequest,
  source: AsyncIterable<Uint8Array | string>,
  isOver: () => boolean,
  ctx: CallContext,
  idleTimeoutMs: number,
): Promise<void> {
  try {
    for await (const chunk of source) {
      if (chunk.length === 0) continue;
      await afterFreshPoll();
      if (isOver()) return;
      if (!req.write(chunk) && !isOver()) await drained(req, ctx, idleTimeoutMs);
    }
  } catch (err) {
    // The caller's source failed: give up on the request and report the source's own error.
    req.destroy();
    throw err;
  }
}

/**
 * Resolve after the event loop has polled its sockets once more. The DataNode may already have
 * answered (e.g. "already exists") and closed; a write issued before that answer is read fails with
 * EPIPE, and Node then destroys the socket with the answer still unread in the kernel buffer. An
 * immediate scheduled from the check phase runs after the next poll, hence two.
 */
async function afterFreshPoll(): Promise<void> {
  await new Promise(setImmediate);
  await new Promise(setImmediate);
}

/**
 * Resolve when `req` drains, an answer arrives or the request fails; abort it if the DataNode stalls
 * too long. Listeners are removed each time, so a long upload accumulates nothing.
 */
function drained(req: ClientRequest, ctx: CallContext, idleTimeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      abortRequest(
        req,
        new TimeoutError(
          `${ctx.operation} ${ctx.path}: DataNode ${ctx.server} accepted no data for ${idleTimeoutMs} ms`,
          contextFields(ctx),
        ),
      );
    }, idleTimeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      req.off('drain', done).off('response', done).off('close', done).off('error', done);
      resolve();
    };
    req.once('drain', done).once('response', done).once('close', done).once('error', done);
  });
}

async function checkAnswer(res: IncomingMessage, req: ClientRequest, ctx: CallContext, expectStatus: number): Promise<void> {
  const status = res.statusCode ?? 0;
  const text = await readText(res, req, ctx, MAX_ANSWER_BYTES);
  if (status >= 400) throw errorFromResponse(status, text, ctx);
  if (status !== expectStatus) {
    throw new ProtocolError(`${ctx.operation} ${ctx.path}: unexpected HTTP ${status} from DataNode ${ctx.server}`, {
      ...contextFields(ctx),
      status,
    });
  }
}
