import { expect } from 'chai';
import { resolveExecutorPlan } from '../../client/index.js';
import { ConfigError } from '../../protocols/errors/index.js';
import { EXECUTOR_BUNDLE_FILE, makeJobSpec } from '../../protocols/job-spec/index.js';

describe('dynamic allocation options', () => {
  it('is off without a count: the executors stay fixed, and a timeout alone is refused', () => {
    expect(resolveExecutorPlan(undefined)).to.deep.equal({ executors: 2 });
    expect(resolveExecutorPlan(5, {})).to.deep.equal({ executors: 5 });
    expect(() => resolveExecutorPlan(undefined, { executorIdleTimeoutMs: 5000, schedulerBacklogTimeoutMs: 100 })).to.throw(
      ConfigError,
      '--executor-idle-timeout, --scheduler-backlog-timeout only apply with dynamic allocation: turn it on with --min-executors',
    );
  });

  it("takes Spark's defaults: min 0, initial = min, idle 60 s, backlog 1 s, sustained = backlog, cached never", () => {
    expect(resolveExecutorPlan(undefined, { maxExecutors: 8 })).to.deep.equal({
      executors: 0,
      dynamicAllocation: {
        minExecutors: 0,
        maxExecutors: 8,
        executorIdleTimeoutMs: 60_000,
        schedulerBacklogTimeoutMs: 1000,
        sustainedSchedulerBacklogTimeoutMs: 1000,
      },
    });
    const plan = resolveExecutorPlan(undefined, { minExecutors: 2, schedulerBacklogTimeoutMs: 3000, cachedExecutorIdleTimeoutMs: 90_000 });
    expect(plan.executors).to.equal(2);
    expect(plan.dynamicAllocation).to.include({
      maxExecutors: 100_000,
      sustainedSchedulerBacklogTimeoutMs: 3000,
      cachedExecutorIdleTimeoutMs: 90_000,
    });
  });

  it('starts with the largest of --min-executors, --initial-executors and --executors, as Spark does', () => {
    expect(resolveExecutorPlan(undefined, { minExecutors: 1, maxExecutors: 9, initialExecutors: 3 }).executors).to.equal(3);
    expect(resolveExecutorPlan(4, { minExecutors: 1, maxExecutors: 9, initialExecutors: 3 }).executors).to.equal(4);
  });

  it('refuses counts that cannot be, naming the options', () => {
    expect(() => resolveExecutorPlan(undefined, { minExecutors: 5, maxExecutors: 2 })).to.throw(
      ConfigError,
      '--min-executors (5) is more than --max-executors (2)',
    );
    expect(() => resolveExecutorPlan(undefined, { maxExecutors: 0 })).to.throw(
      ConfigError,
      '--max-executors must be a whole number from 1',
    );
    expect(() => resolveExecutorPlan(undefined, { minExecutors: 2, maxExecutors: 4, initialExecutors: 1 })).to.throw(
      ConfigError,
      '--initial-executors (1) must lie between --min-executors (2) and --max-executors (4)',
    );
    expect(() => resolveExecutorPlan(8, { maxExecutors: 4 })).to.throw(
      ConfigError,
      '--executors (8) must lie between --min-executors (0) and --max-executors (4): with dynamic allocation it sets the initial executors',
    );
  });

  it('goes into the job spec, which checks it again and sizes the failure budget by the most executors', () => {
    const resource = { url: 'hdfs://nn:8020/x', size: 1, timestamp: 1, type: 'file' as const, visibility: 'application' as const };
    const base = { executorMemoryMb: 256, executorVcores: 1, executorHeapMb: 160, localResources: { [EXECUTOR_BUNDLE_FILE]: resource } };
    const plan = resolveExecutorPlan(undefined, { minExecutors: 1, maxExecutors: 6 });
    const job = makeJobSpec({ ...base, executors: plan.executors, dynamicAllocation: plan.dynamicAllocation! });
    expect(job).to.include({ executors: 1, maxExecutorFailures: 12 });
    expect(() => makeJobSpec({ ...base, executors: 7, dynamicAllocation: plan.dynamicAllocation! })).to.throw(
      ConfigError,
      'application spec: job.executors (the initial executors, 7) must lie between minExecutors (1) and maxExecutors (6)',
    );
  });
});
