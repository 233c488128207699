import { expect } from 'chai';
import { ConfigError, ConnectionError, NotFoundError } from '../../protocols/errors/index.js';
import { DEFAULT_RETRY_OPTIONS, backoffDelay, resolveRetryOptions, retry } from '../../protocols/retry/index.js';
import { JOB_PROCESS_RETRY } from '../../protocols/webhdfs/index.js';

const policy = resolveRetryOptions({ maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3, jitter: 0.5 });

describe('retry policy (protocols/retry)', () => {
  it('grows delays exponentially up to the cap', () => {
    const mid = () => 0.5; // no jitter at the midpoint
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, mid))).to.deep.equal([100, 300, 900, 1000]);
  });

  it('spreads delays by the jitter fraction, never above the cap', () => {
    expect(backoffDelay(1, policy, () => 0)).to.equal(50);
    expect(backoffDelay(1, policy, () => 0.999999)).to.equal(150);
    expect(backoffDelay(4, policy, () => 0.999999)).to.equal(1000);
  });

  it('retries retriable errors with the computed delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new ConnectionError('down');
        return 'ok';
      },
      policy,
      { sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    );
    expect(result).to.equal('ok');
    expect(calls).to.equal(3);
    expect(delays).to.deep.equal([100, 300]);
  });

  it('does not retry an error that is not retriable', async () => {
    let calls = 0;
    const err = await retry(
      async () => {
        calls++;
        throw new NotFoundError('gone');
      },
      policy,
      { sleep: async () => undefined },
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotFoundError);
    expect(calls).to.equal(1);
  });

  it("the job processes' policy rides out a DataNode restart: 10 attempts over about 37 s of backoff", async () => {
    const delays: number[] = [];
    let calls = 0;
    const err = await retry(
      async () => {
        throw new ConnectionError(`refused ${++calls}`);
      },
      resolveRetryOptions(JOB_PROCESS_RETRY),
      { sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    ).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('refused 10');
    expect(delays).to.deep.equal([200, 400, 800, 1600, 3200, 6400, 8000, 8000, 8000]);
    expect(delays.reduce((a, b) => a + b, 0)).to.equal(36_600);
  });

  it('rethrows the last error after maxAttempts', async () => {
    let calls = 0;
    const err = await retry(
      async () => {
        throw new ConnectionError(`down ${++calls}`);
      },
      policy,
      { sleep: async () => undefined },
    ).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('down 4');
    expect(calls).to.equal(4);
  });

  it('stops when the next wait would pass maxElapsedMs (fake clock)', async () => {
    let now = 0;
    const delays: number[] = [];
    let calls = 0;
    const err = await retry(
      async () => {
        calls++;
        throw new ConnectionError('down');
      },
      { ...policy, maxAttempts: 10, maxElapsedMs: 450 },
      {
        now: () => now,
        random: () => 0.5,
        sleep: async (ms) => {
          delays.push(ms);
          now += ms;
        },
      },
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect(delays).to.deep.equal([100, 300]); // 100 + 300 + 900 > 450
    expect(calls).to.equal(3);
  });

  it('lets shouldRetry, adjustDelay and onRetry shape the loop', async () => {
    const seen: Array<[number, number]> = [];
    const delays: number[] = [];
    await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`plain ${attempt}`);
      },
      policy,
      {
        random: () => 0.5,
        shouldRetry: (err) => err instanceof Error,
        adjustDelay: (_err, attempt, backoff) => (attempt === 1 ? 0 : backoff),
        onRetry: (_err, attempt, delay) => void seen.push([attempt, delay]),
        sleep: async (ms) => void delays.push(ms),
      },
    );
    expect(seen).to.deep.equal([
      [1, 0],
      [2, 300],
    ]);
    expect(delays).to.deep.equal([0, 300]);
  });

  it('validates options, naming the field', () => {
    expect(resolveRetryOptions()).to.deep.equal(DEFAULT_RETRY_OPTIONS);
    expect(() => resolveRetryOptions({ maxDelayMs: 10, initialDelayMs: 20 }, 'rpc.retry')).to.throw(
      ConfigError,
      'rpc.retry.maxDelayMs must be a number >= initialDelayMs (got 10)',
    );
    expect(() => resolveRetryOptions({ multiplier: 0.5 })).to.throw(ConfigError, 'retry.multiplier');
    expect(() => resolveRetryOptions({ maxElapsedMs: -1 })).to.throw(ConfigError, 'retry.maxElapsedMs');
    expect(resolveRetryOptions({ maxAttempts: undefined }).maxAttempts).to.equal(DEFAULT_RETRY_OPTIONS.maxAttempts);
  });
});
