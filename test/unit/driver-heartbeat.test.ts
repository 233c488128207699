import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { parseNetworkTimeout } from '../../client/cli/commands/submit.js';
import { TaskScheduler } from '../../appmaster/driver/scheduler.js';
import { TaskServer } from '../../appmaster/driver/task-server.js';
import { Executor } from '../../executor/index.js';
import { connectToDriver, type MessageChannel } from '../../protocols/driver-executor/index.js';
import { ConfigError } from '../../protocols/errors/index.js';
import { runLocalJob } from './job-local.js';

const welcome = { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' };

/** A connected executor channel; with `heartbeatMs` an Executor serves it (and sends heartbeats). */
async function executorOn(port: number, secret: Buffer, id: string, heartbeatMs?: number): Promise<MessageChannel> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const { channel } = await connectToDriver(socket, secret, { executorId: id, host: 'localhost', containerId: `c${id}`, cores: 1, pid: 1 });
  if (heartbeatMs !== undefined) {
    const runner = { run: async () => ({}) as never, addBroadcast() {}, addStage() {}, forgetStage() {}, cancel() {} };
    void new Executor(channel, runner as never, { cores: 1, log: () => {}, heartbeatMs }).run();
  }
  return channel;
}

describe('executor heartbeats and the network timeout', () => {
  it('takes an executor it hears nothing from for the network timeout as lost, and keeps one that sends heartbeats', async () => {
    const secret = randomBytes(32);
    const lost: { id: string; reason: string }[] = [];
    const scheduler = new TaskScheduler({ localityWaitMs: 0 });
    const server = new TaskServer(
      secret,
      welcome,
      scheduler,
      { disconnected: (id, reason) => lost.push({ id, reason }) },
      { networkTimeoutMs: 300 },
    );
    const port = await server.listen(0, '127.0.0.1');
    const silent = await executorOn(port, secret, '1');
    await executorOn(port, secret, '2', 50);
    const started = Date.now();
    while (lost.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    // Three more timeouts: the executor with heartbeats is still there.
    await new Promise((r) => setTimeout(r, 900));
    expect(lost.map((l) => l.id)).to.deep.equal(['1']);
    expect(lost[0]!.reason).to.match(/^nothing heard from it for \d+ s \(network timeout 0.3 s\)$/);
    expect(scheduler.hasExecutor('1')).to.equal(false);
    expect(scheduler.hasExecutor('2')).to.equal(true);
    silent.destroy();
    await server.close();
  });

  it('lets timers run while a one-core executor works through a long in-memory partition', async () => {
    let ticks = 0;
    let during = 0;
    let started = Date.now();
    let elapsed = 0;
    const timer = setInterval(() => ticks++, 20);
    try {
      const job = await runLocalJob(
        `export default async function main(ctx) {
          const n = await ctx.range(120_000_000, 1).map((x) => x * 2).count();
          return n;
        }`,
        {
          executors: 1,
          onExecutors: () => {
            ticks = 0;
            started = Date.now();
          },
        },
      );
      during = ticks;
      elapsed = Date.now() - started;
      expect(job.error).to.equal(undefined);
      expect(job.result).to.equal(120_000_000);
    } finally {
      clearInterval(timer);
    }
    // Without turns the task (seconds long) lets the timer run once or twice, before and after it;
    // with them about once per EVENT_LOOP_TURN_MS (200 ms).
    expect(elapsed, 'the task is long enough to tell').to.be.at.least(1000);
    expect(during, `timer turns while the task ran on this thread for ${elapsed} ms`).to.be.at.least(
      Math.max(3, Math.floor(elapsed / 400)),
    );
  });

  it('--network-timeout takes a duration of at least three heartbeats', () => {
    expect(parseNetworkTimeout('45s')).to.equal(45_000);
    expect(parseNetworkTimeout('2m')).to.equal(120_000);
    expect(() => parseNetworkTimeout('5s')).to.throw(
      ConfigError,
      /--network-timeout: "5s" is shorter than 15s \(three executor heartbeats\)/,
    );
    expect(() => parseNetworkTimeout('soon')).to.throw(ConfigError, /not a duration/);
  });
});
