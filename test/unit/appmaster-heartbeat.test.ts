import { expect } from 'chai';
import { Heartbeat, HeartbeatFailedError, type HeartbeatClock } from '../../appmaster/heartbeat.js';
import { ConnectionError, InvalidRequestError } from '../../protocols/errors/index.js';

/** A clock whose sleeps are recorded and resolve at once (or when woken). */
function fakeClock(): HeartbeatClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

describe('appmaster heartbeat', () => {
  it('ticks fast while the tick asks for it, slowly when idle, and stops when told', async () => {
    const clock = fakeClock();
    const plan = ['fast', 'fast', 'idle', 'stop'] as const;
    let i = 0;
    await new Heartbeat({ fastIntervalMs: 100, idleIntervalMs: 1000 }, clock).run(async () => plan[i++]!, new AbortController().signal);
    expect(i).to.equal(4);
    expect(clock.sleeps).to.deep.equal([100, 100, 1000]);
  });

  it('tolerates retriable failures up to the limit, then fails with the cause', async () => {
    const clock = fakeClock();
    let calls = 0;
    const hb = new Heartbeat({ maxConsecutiveFailures: 3, idleIntervalMs: 500 }, clock);
    const err = await hb
      .run(async () => {
        calls += 1;
        throw new ConnectionError('connection refused');
      }, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(HeartbeatFailedError);
    expect((err as Error).message).to.match(/3 heartbeats in a row: connection refused/);
    expect((err as Error).cause).to.be.instanceOf(ConnectionError);
    expect(calls).to.equal(3);
    expect(clock.sleeps).to.deep.equal([500, 500]);
  });

  it('resets the failure count after a success', async () => {
    const clock = fakeClock();
    const script: (() => Promise<'fast' | 'idle' | 'stop'>)[] = [
      async () => {
        throw new ConnectionError('x');
      },
      async () => {
        throw new ConnectionError('x');
      },
      async () => 'fast',
      async () => {
        throw new ConnectionError('x');
      },
      async () => {
        throw new ConnectionError('x');
      },
      async () => 'stop',
    ];
    let i = 0;
    await new Heartbeat({ maxConsecutiveFailures: 3 }, clock).run(() => script[i++]!(), new AbortController().signal);
    expect(i).to.equal(6);
  });

  it('ends at once on a non-retriable error', async () => {
    const err = await new Heartbeat({}, fakeClock())
      .run(async () => {
        throw new InvalidRequestError('bad ask');
      }, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(InvalidRequestError);
  });

  it('ticks again at once when woken during a tick', async () => {
    const clock = fakeClock();
    let ticks = 0;
    const hb = new Heartbeat({ idleIntervalMs: 1000 }, clock);
    await hb.run(async () => {
      ticks += 1;
      if (ticks === 1) hb.wake();
      return ticks === 3 ? 'stop' : 'idle';
    }, new AbortController().signal);
    expect(clock.sleeps, 'no sleep after the woken tick').to.deep.equal([1000]);
  });

  it('stops when the signal aborts, and wake() cuts a wait short', async () => {
    const ac = new AbortController();
    let woken = 0;
    const hb = new Heartbeat(
      { idleIntervalMs: 60_000 },
      {
        // Resolves only when aborted: by wake() or by the signal.
        sleep: (_ms, signal) =>
          new Promise<void>((r) =>
            signal.addEventListener(
              'abort',
              () => {
                woken += 1;
                r();
              },
              { once: true },
            ),
          ),
      },
    );
    let ticks = 0;
    const running = hb.run(async () => {
      ticks += 1;
      // Both land while the loop sleeps (a timer fires after the sleep has started).
      if (ticks === 1) setTimeout(() => hb.wake(), 5);
      if (ticks === 2) setTimeout(() => ac.abort(), 5);
      return 'idle';
    }, ac.signal);
    await running;
    expect(ticks).to.equal(2);
    expect(woken).to.equal(2);
  });

  it('rejects nonsense intervals', () => {
    expect(() => new Heartbeat({ fastIntervalMs: 0 })).to.throw(RangeError, /fastIntervalMs/);
  });
});
