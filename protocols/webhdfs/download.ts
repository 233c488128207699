/**
 * Step 2 of OPEN: read the bytes from the DataNode URL the NameNode named. The DataNode answers
 * `200`, `Content-Type: application/octet-stream`, `Content-Length: <n>`, `Connection: close`, then
 * streams the range. The returned Readable applies backpressure to the socket (constant memory for any
 * file size), fails with ConnectionError if the connection breaks or ends short, and with TimeoutError
 * if the DataNode goes silent while we wait for it.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ConnectionError, ProtocolError, SpindleError, TimeoutError } from '../errors/index.js';
import { abortRequest, describeError } from '../http/index.js';
import { callTimeout, contextFields, readText, type WebHdfsTransport } from './http.js';
import { errorFromResponse, type CallContext } from './remote-error.js';

/**
 * Bytes buffered ahead of the consumer. Large enough that a fast consumer rarely pauses the socket,
 * small enough to be irrelevant for memory.
 */
export const READ_HIGH_WATER_MARK = 1024 * 1024;

/** Largest error body we read from a DataNode. */
const MAX_ERROR_BYTES = 1024 * 1024;

export interface DownloadTimeouts {
  /** Until the response headers arrive. */
  requestTimeoutMs: number;
  /** Longest silence while we wait for data. */
  idleTimeoutMs: number;
}

/** GET `url` from a DataNode; resolves once the headers are in, to a stream of the body. */
export async function openDataNodeStream(
  transport: WebHdfsTransport,
  url: URL,
  ctx: CallContext,
  timeouts: DownloadTimeouts,
): Promise<Readable> {
  const { req, response } = transport.start('GET', url, ctx);
  const timer = setTimeout(() => abortRequest(req, callTimeout(ctx, timeouts.requestTimeoutMs)), timeouts.requestTimeoutMs);
  try {
    req.end();
    const res = await response;
    const status = res.statusCode ?? 0;
    if (status >= 400) throw errorFromResponse(status, await readText(res, req, ctx, MAX_ERROR_BYTES), ctx);
    if (status !== 200) {
      req.destroy();
      throw new ProtocolError(`${ctx.operation} ${ctx.path}: unexpected HTTP ${status} from DataNode ${ctx.server}`, {
        ...contextFields(ctx),
        status,
      });
    }
    const header = res.headers['content-length'];
    const expected = header === undefined ? undefined : Number(header);
    return new DataNodeReadStream(res, req, ctx, timeouts.idleTimeoutMs, Number.isFinite(expected) ? expected : undefined);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Re-emits a DataNode response under our error types. The socket is paused whenever our buffer is
 * full, and the idle timer only runs while we are the ones waiting, so a slow consumer never times out.
 */
class DataNodeReadStream extends Readable {
  private received = 0;
  /** True while the consumer wants data and the socket is flowing. */
  private waiting = false;
  private readonly idle: NodeJS.Timeout;

  constructor(
    private readonly response: IncomingMessage,
    // Not named `req`: stream.finished/destroyer would take us for an HTTP response and abort it
    // instead of destroying us.
    private readonly request: ClientRequest,
    private readonly ctx: CallContext,
    private readonly idleTimeoutMs: number,
    private readonly expected: number | undefined,
  ) {
    super({ highWaterMark: READ_HIGH_WATER_MARK });
    this.idle = setTimeout(() => this.onIdle(), idleTimeoutMs);
    response.on('data', (chunk: Buffer) => this.onData(chunk));
    response.pause();
    response.once('end', () => this.onEnd());
    response.on('error', (err) => this.fail(err));
    response.once('close', () => {
      if (!response.complete) this.fail(new Error('connection closed before the end of the body'));
    });
  }

  override _read(): void {
    this.waiting = true;
    this.idle.refresh();
    this.response.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idle);
    if (!this.response.complete) this.request.destroy();
    callback(err);
  }

  private onData(chunk: Buffer): void {
    this.received += chunk.length;
    if (this.push(chunk)) {
      this.idle.refresh();
    } else {
      this.waiting = false;
      this.response.pause();
    }
  }

  private onEnd(): void {
    clearTimeout(this.idle);
    if (this.expected !== undefined && this.received !== this.expected) {
      this.fail(new Error(`body ended after ${this.received} of ${this.expected} bytes`));
      return;
    }
    this.push(null);
  }

  private onIdle(): void {
    if (!this.waiting || this.destroyed) return;
    const { ctx } = this;
    this.destroy(
      new TimeoutError(
        `${ctx.operation} ${ctx.path}: no data from DataNode ${ctx.server} for ${this.idleTimeoutMs} ms ` + `(after ${this.progress()})`,
        contextFields(ctx),
      ),
    );
  }

  private fail(cause: unknown): void {
    if (this.destroyed || this.readableEnded) return;
    if (cause instanceof SpindleError) {
      this.destroy(cause);
      return;
    }
    const { ctx } = this;
    this.destroy(
      new ConnectionError(
        `${ctx.operation} ${ctx.path}: connection to DataNode ${ctx.server} broke after ${this.progress()} ` + `(${describeError(cause)})`,
        { ...contextFields(ctx), cause },
      ),
    );
  }

  private progress(): string {
    return this.expected === undefined ? `${this.received} bytes` : `${this.received} of ${this.expected} bytes`;
  }
}
