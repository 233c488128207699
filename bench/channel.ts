/**
 * The cost of channel protection (a benchmark, not a test): two MessageChannels over a real TCP
 * connection on 127.0.0.1 in one process, protected with the keys a handshake agrees on against
 * the same channels carrying frames in the clear, alternately, several times. Two traffic shapes:
 *
 * - shuffle: `blocks` messages of 4 MiB pieces, as a block server answers a fetch, with the
 *   server's backpressure (wait for drain when congested);
 * - tasks: `status` messages of one small update each, sent in batches of 64 per tick, as an
 *   executor reports finished tasks.
 *
 *   node dist/bench/channel.js [--mib 512] [--messages 200000] [--runs 5]
 *
 * Both ends share this process's one thread, so the figure is the whole cost (seal and open) on one
 * core, the worst case: in a cluster the two ends are different processes. The end-to-end cost on
 * jobs is measured by bench/ab/jobs.mjs against a checkout without protection.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { deriveChannelKeys, type ChannelKeys, type Message, MessageChannel } from '../protocols/driver-executor/index.js';
import { errorStack } from '../protocols/errors/index.js';
import { median, mibPerSecond, numberFlags } from './lib/stats.js';

const MiB = 1024 * 1024;
const PIECE = 4 * MiB;

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  await new Promise((resolve) => client.once('connect', resolve));
  const s = await accepted;
  server.close();
  for (const x of [client, s]) x.setNoDelay(true);
  return [s, client];
}

async function channels(protect: boolean): Promise<{ sender: MessageChannel; receiver: MessageChannel; close(): void }> {
  const [a, b] = await socketPair();
  let keys: { driver: ChannelKeys; executor: ChannelKeys } | undefined;
  if (protect) {
    const [secret, ne, nd, th] = [randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32)];
    keys = { driver: deriveChannelKeys(secret, ne, nd, th, 'driver'), executor: deriveChannelKeys(secret, ne, nd, th, 'executor') };
  }
  const sender = new MessageChannel(a, undefined, undefined, keys?.driver);
  const receiver = new MessageChannel(b, undefined, undefined, keys?.executor);
  return {
    sender,
    receiver,
    close: () => {
      a.destroy();
      b.destroy();
    },
  };
}

/** Wall and CPU milliseconds of one run (CPU: this process, both ends; on a busy machine it varies far less). */
interface Took {
  ms: number;
  cpuMs: number;
}

/** Sends `bytes` of block pieces; resolves with the time until the last arrived. */
async function shuffle(protect: boolean, bytes: number): Promise<Took> {
  const { sender, receiver, close } = await channels(protect);
  const data = randomBytes(PIECE);
  const pieces = Math.ceil(bytes / PIECE);
  let got = 0;
  const done = new Promise<void>((resolve, reject) =>
    receiver.listen(
      (m) => {
        if (m.type === 'blocks' && m.data.length === PIECE && ++got === pieces) resolve();
      },
      (err) => reject(err ?? new Error('closed')),
    ),
  );
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < pieces; i++) {
    sender.send({ type: 'blocks', reqId: 1, index: 0, data, last: i === pieces - 1, error: null });
    if (sender.congested) await sender.drained();
  }
  await done;
  const took = took0(t0, c0);
  close();
  return took;
}

/** Sends `count` one-update status messages, 64 per tick; resolves with the time taken. */
async function tasks(protect: boolean, count: number): Promise<Took> {
  const { sender, receiver, close } = await channels(protect);
  let got = 0;
  const done = new Promise<void>((resolve, reject) =>
    receiver.listen(
      (m) => {
        if (m.type === 'status' && ++got === count) resolve();
      },
      (err) => reject(err ?? new Error('closed')),
    ),
  );
  const result = Buffer.from([1, 2, 3, 4]);
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < count; i++) {
    const update = { tid: i, succeeded: true, result, error: null, records: 1000, bytesRead: 65536, bytesWritten: 0, durationUs: 1200 };
    sender.send({ type: 'status', updates: [update] } as Message);
    if (i % 64 === 63) {
      await new Promise((resolve) => setImmediate(resolve));
      if (sender.congested) await sender.drained();
    }
  }
  await done;
  const took = took0(t0, c0);
  close();
  return took;
}

function took0(t0: number, c0: NodeJS.CpuUsage): Took {
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 512, messages: 200_000, runs: 5 });
  const bytes = flags.mib * MiB;
  const got = { shufflePlain: [] as Took[], shuffleSealed: [] as Took[], tasksPlain: [] as Took[], tasksSealed: [] as Took[] };
  // Warm both paths once (JIT, OpenSSL contexts).
  await shuffle(false, 64 * MiB);
  await shuffle(true, 64 * MiB);
  await tasks(false, 10_000);
  await tasks(true, 10_000);
  for (let r = 0; r < flags.runs; r++) {
    // Alternate which goes first, so a drift of the machine's speed falls on both.
    const first = r % 2 === 0;
    for (const protect of first ? [false, true] : [true, false]) {
      (protect ? got.shuffleSealed : got.shufflePlain).push(await shuffle(protect, bytes));
      (protect ? got.tasksSealed : got.tasksPlain).push(await tasks(protect, flags.messages));
    }
    const show = (t: Took): string => `${t.ms.toFixed(0)} ms (${t.cpuMs.toFixed(0)} cpu)`;
    console.log(
      `run ${r + 1}: shuffle ${show(got.shufflePlain.at(-1)!)} / ${show(got.shuffleSealed.at(-1)!)}, ` +
        `tasks ${show(got.tasksPlain.at(-1)!)} / ${show(got.tasksSealed.at(-1)!)} (clear / protected)`,
    );
  }
  const row = (what: string, plain: Took[], sealed: Took[], unit: (ms: number) => string): void => {
    for (const k of ['ms', 'cpuMs'] as const) {
      const [p, s] = [median(plain.map((t) => t[k])), median(sealed.map((t) => t[k]))];
      const ratios = plain.map((x, i) => sealed[i]![k] / x[k]).sort((a, b) => a - b);
      console.log(
        `${what.padEnd(28)} ${k === 'ms' ? 'wall' : 'CPU '}  clear ${unit(p).padStart(16)}  protected ${unit(s).padStart(16)}  ` +
          `ratio ${(s / p).toFixed(3)} (per-run ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`,
      );
    }
  };
  console.log(`\nmedians of ${flags.runs} runs, both ends in one process; rates per second of wall or CPU time:`);
  row(`shuffle, 4 MiB pieces`, got.shufflePlain, got.shuffleSealed, (ms) => `${mibPerSecond(bytes, ms).toFixed(0)} MiB/s`);
  row(`tasks, 1 update per message`, got.tasksPlain, got.tasksSealed, (ms) => `${((flags.messages / ms) * 1000).toFixed(0)} msg/s`);
}

main().catch((err: unknown) => {
  console.error(errorStack(err));
  process.exit(1);
});
