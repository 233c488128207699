import { expect } from 'chai';
import {
  APP_SPEC_VERSION,
  EXECUTOR_BUNDLE_FILE,
  JOB_BUNDLE_FILE,
  makeJobSpec,
  parseAppSpec,
  type AppSpec,
} from '../../protocols/app-spec/index.js';
import { ConfigError } from '../../protocols/errors/index.js';

const resource = { url: 'hdfs://nn:8020/x', size: 1, timestamp: 1, type: 'file' as const, visibility: 'application' as const };

function spec(extra: Partial<AppSpec>): string {
  return JSON.stringify({
    version: APP_SPEC_VERSION,
    appId: 'application_1_0001',
    name: 'n',
    user: 'u',
    stagingDir: '/user/u/.spindle/application_1_0001',
    maxAttempts: 1,
    cluster: { schedulerAddresses: ['rm:8030'], nameNodes: ['http://nn:9870'], defaultFs: 'hdfs://nn:8020', rpcProtection: ['authentication'] },
    ...extra,
  });
}

describe('application spec: job mode', () => {
  const driver = { script: JOB_BUNDLE_FILE, args: ['in'], heapMb: 256, environment: {} };
  const job = makeJobSpec({
    executors: 3,
    executorMemoryMb: 512,
    executorCores: 2,
    executorHeapMb: 409,
    localResources: { [EXECUTOR_BUNDLE_FILE]: resource, [JOB_BUNDLE_FILE]: resource },
  });

  it('fills defaults: bundle names, 4 task attempts, twice the executors (at least 3) failures', () => {
    expect(job).to.include({ driverBundle: 'spindle-driver.mjs', executorBundle: 'spindle-executor.mjs', maxTaskAttempts: 4, maxExecutorFailures: 6 });
    expect(makeJobSpec({ ...job, executors: 1, maxExecutorFailures: undefined }).maxExecutorFailures).to.equal(3);
    expect(parseAppSpec(spec({ driver, job })).job).to.deep.equal(job);
  });

  it('keeps plain driver and shell specs valid', () => {
    expect(parseAppSpec(spec({ driver })).job).to.equal(undefined);
  });

  it('names the offending field', () => {
    expect(() => parseAppSpec(spec({ job }))).to.throw(ConfigError, 'application spec: job needs driver (the job bundle and its arguments)');
    expect(() => parseAppSpec(spec({ driver, job: { ...job, executors: 0 } }))).to.throw(ConfigError, /job\.executors must be a whole number >= 1, got 0/);
    expect(() => parseAppSpec(spec({ driver, job: { ...job, localResources: {} } }))).to.throw(ConfigError, /job\.localResources must include the executor bundle spindle-executor\.mjs/);
    expect(() => parseAppSpec(spec({ driver, job: { ...job, nodeBinary: '' } }))).to.throw(ConfigError, /job\.nodeBinary/);
  });
});
