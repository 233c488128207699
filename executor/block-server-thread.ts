import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Welcome } from '../protocols/driver-executor/index.js';
import { BlockServer } from './block-server.js';

/**
 * The block server on a thread of its own. In an executor with one core the task runs on the main
 * thread, and a task busy sorting or merging for a second held back every fetch other executors
 * sent it meanwhile: their reducers waited (fetch wait grew 1.5 s → 10 s over a join's reduce stage
 * when tasks held more in memory). Spark serves blocks from Netty's threads for the same reason.
 * The served counters live in shared memory, so reading them costs the main thread nothing.
 */

const ROLE = 'spindle-block-server';

interface ServerSetup {
  role: typeof ROLE;
  secret: Uint8Array;
  dir: string;
  welcome: Welcome;
  /** [bytes, blocks] served, written by the server thread. */
  served: SharedArrayBuffer;
}

type FromServer = { kind: 'listening'; port: number } | { kind: 'failed'; message: string };

export interface BlockServerHandle {
  port: number;
  /** Map output sent to other executors so far. */
  readonly served: { readonly bytes: number; readonly blocks: number };
  close(): Promise<void>;
}

/** Whether this thread is a block server thread (started by startBlockServerThread). */
export function isBlockServerThread(): boolean {
  return parentPort !== null && (workerData as Partial<ServerSetup> | undefined)?.role === ROLE;
}

/**
 * Starts a block server thread from `entry` (the executor's own module, which calls
 * runBlockServerThread when isBlockServerThread()); resolves once it listens.
 */
export async function startBlockServerThread(entry: URL, secret: Buffer, dir: string, welcome: Welcome): Promise<BlockServerHandle> {
  const shared = new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT);
  const counts = new Float64Array(shared);
  const setup: ServerSetup = { role: ROLE, secret: new Uint8Array(secret), dir, welcome: { ...welcome }, served: shared };
  // Pieces are read and sent 4 MiB at a time, as Buffers outside the heap: a small heap does.
  const worker = new Worker(entry, { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: FromServer) => (m.kind === 'listening' ? resolve(m.port) : reject(new Error(m.message))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the block server thread exited (${code}) before it listened`)));
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  // After start-up a failure of the thread is the executor's end: other executors could no longer fetch its output.
  worker.on('error', (err) => {
    process.stderr.write(`block server thread failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
  let closing = false;
  worker.on('exit', (code) => {
    if (closing) return;
    process.stderr.write(`block server thread exited (${code})\n`);
    process.exit(1);
  });
  worker.unref();
  return {
    port,
    served: {
      get bytes() {
        return counts[0]!;
      },
      get blocks() {
        return counts[1]!;
      },
    },
    async close() {
      closing = true;
      worker.postMessage('close');
      await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    },
  };
}

/** The server thread's life: listen, count into shared memory, close when told. */
export async function runBlockServerThread(): Promise<void> {
  const setup = workerData as ServerSetup;
  const counts = new Float64Array(setup.served);
  const served = {
    get bytes() {
      return counts[0]!;
    },
    set bytes(v: number) {
      counts[0] = v;
    },
    get blocks() {
      return counts[1]!;
    },
    set blocks(v: number) {
      counts[1] = v;
    },
  };
  const server = new BlockServer(Buffer.from(setup.secret), setup.dir, setup.welcome, served);
  try {
    const port = await server.listen(0);
    parentPort!.postMessage({ kind: 'listening', port } satisfies FromServer);
  } catch (err) {
    parentPort!.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromServer);
    return;
  }
  parentPort!.once('message', () => {
    void server.close().then(() => process.exit(0));
  });
}
