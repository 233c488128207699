import { expect } from 'chai';
import * as client from '../../client/index.js';
import {
  DEFAULT_EXCLUDE_ON_FAILURE,
  DEFAULT_EXECUTOR_MEMORY_MB,
  DEFAULT_EXECUTOR_VCORES,
  DEFAULT_EXECUTORS,
  EXECUTOR_BUNDLE_FILE,
  JOB_BUNDLE_FILE,
  makeJobSpec,
  parseJobAppSpec,
  type JobAppSpec,
} from '../../protocols/job-spec/index.js';
import { APP_SPEC_VERSION, parseAppSpec } from '../../protocols/app-spec/index.js';
import { ConfigError } from '../../protocols/errors/index.js';

const resource = { url: 'hdfs://nn:8020/x', size: 1, timestamp: 1, type: 'file' as const, visibility: 'application' as const };

function spec(extra: Partial<JobAppSpec>): string {
  return JSON.stringify({
    version: APP_SPEC_VERSION,
    appId: 'application_1_0001',
    name: 'n',
    user: 'u',
    stagingDir: '/user/u/.spindle/application_1_0001',
    maxAttempts: 1,
    cluster: {
      schedulerAddresses: ['rm:8030'],
      nameNodes: ['http://nn:9870'],
      defaultFs: 'hdfs://nn:8020',
      rpcProtection: ['authentication'],
    },
    ...extra,
  });
}

describe('application spec: job mode', () => {
  const driver = { script: JOB_BUNDLE_FILE, args: ['in'], heapMb: 256, environment: {} };
  const job = makeJobSpec({
    executors: 3,
    executorMemoryMb: 512,
    executorVcores: 2,
    executorHeapMb: 409,
    localResources: { [EXECUTOR_BUNDLE_FILE]: resource, [JOB_BUNDLE_FILE]: resource },
  });

  it('fills defaults: bundle names, 4 task attempts, twice the executors (at least 3) failures', () => {
    expect(job).to.include({
      driverBundle: 'spindle-driver.mjs',
      executorBundle: 'spindle-executor.mjs',
      maxTaskAttempts: 4,
      maxExecutorFailures: 6,
    });
    expect(makeJobSpec({ ...job, executors: 1, maxExecutorFailures: undefined }).maxExecutorFailures).to.equal(3);
    expect(parseJobAppSpec(spec({ driver, job })).job).to.deep.equal(job);
  });

  it("carries the executors' cache memory when given, checked as a whole number of MB; submit refuses more than the heap", async () => {
    expect(job).to.not.have.property('cacheMemoryMb');
    const cached = makeJobSpec({ ...job, cacheMemoryMb: 64 });
    expect(parseJobAppSpec(spec({ driver, job: cached })).job).to.deep.equal(cached);
    expect(parseJobAppSpec(spec({ driver, job: { ...cached, cacheMemoryMb: 0 } })).job?.cacheMemoryMb).to.equal(0);
    expect(() => parseJobAppSpec(spec({ driver, job: { ...cached, cacheMemoryMb: 1.5 } }))).to.throw(ConfigError, /job\.cacheMemoryMb/);
    // Checked before the cluster is asked anything (the deps are never touched).
    const submit = (cacheMemoryMb: number) =>
      client.submitDriverApp({} as never, { bundle: 'x', executorMemoryMb: 512, cacheMemoryMb }).then(
        () => undefined,
        (err: unknown) => err,
      );
    const tooBig = await submit(1000);
    expect(tooBig).to.be.instanceOf(ConfigError);
    expect((tooBig as Error).message).to.match(
      /^--cache-memory 1000m is more than the executor heap of \d+ MB \(--executor-memory 512m\): lower --cache-memory .* or raise --executor-memory$/,
    );
    expect(((await submit(-1)) as Error).message).to.match(/--cache-memory must be a whole number from 0/);
  });

  it("carries exclusion-on-failure settings: Spark's defaults with the changes given, checked field by field", () => {
    expect(job).to.not.have.property('excludeOnFailure');
    const off = makeJobSpec({ ...job, excludeOnFailure: { enabled: false } });
    expect(off.excludeOnFailure).to.deep.equal({ ...DEFAULT_EXCLUDE_ON_FAILURE, enabled: false });
    expect(DEFAULT_EXCLUDE_ON_FAILURE).to.deep.equal({
      enabled: true,
      maxTaskAttemptsPerExecutor: 1,
      maxTaskAttemptsPerNode: 2,
      stageMaxFailedTasksPerExecutor: 2,
      stageMaxFailedExecutorsPerNode: 2,
      appMaxFailedTasksPerExecutor: 2,
      appMaxFailedExecutorsPerNode: 2,
      timeoutMs: 3_600_000,
    });
    expect(parseJobAppSpec(spec({ driver, job: off })).job).to.deep.equal(off);
    const bad = { ...off, excludeOnFailure: { ...off.excludeOnFailure!, appMaxFailedExecutorsPerNode: 0 } };
    expect(() => parseJobAppSpec(spec({ driver, job: bad }))).to.throw(
      ConfigError,
      'application spec: job.excludeOnFailure.appMaxFailedExecutorsPerNode must be a whole number >= 1, got 0',
    );
    const noFlag = { ...off, excludeOnFailure: { ...off.excludeOnFailure!, enabled: 'no' as never } };
    expect(() => parseJobAppSpec(spec({ driver, job: noFlag }))).to.throw(
      ConfigError,
      /job\.excludeOnFailure\.enabled must be true or false/,
    );
  });

  it('keeps plain driver and shell specs valid', () => {
    expect(parseJobAppSpec(spec({ driver })).job).to.equal(undefined);
    expect(parseJobAppSpec(spec({ driver }))).to.not.have.property('job');
  });

  it('names the offending field', () => {
    expect(() => parseJobAppSpec(spec({ job }))).to.throw(
      ConfigError,
      'application spec: job needs driver (the job bundle and its arguments)',
    );
    expect(() => parseJobAppSpec(spec({ driver, job: { ...job, executors: 0 } }))).to.throw(
      ConfigError,
      /job\.executors must be a whole number >= 1, got 0/,
    );
    expect(() => parseJobAppSpec(spec({ driver, job: { ...job, localResources: {} } }))).to.throw(
      ConfigError,
      /job\.localResources must include the executor bundle spindle-executor\.mjs/,
    );
    expect(() => parseJobAppSpec(spec({ driver, job: { ...job, nodeBinary: '' } }))).to.throw(ConfigError, /job\.nodeBinary/);
  });

  it('leaves the section to the job contract: the application spec only places it', () => {
    const loose = JSON.parse(spec({ driver })) as Record<string, unknown>;
    const text = JSON.stringify({ ...loose, job: { ...job, executors: 0 } });
    expect(parseAppSpec(text).job).to.deep.include({ executors: 0 });
    expect(() => parseJobAppSpec(text)).to.throw(ConfigError, /job\.executors/);
    expect(() => parseAppSpec(JSON.stringify({ ...loose, job: 3 }))).to.throw(ConfigError, 'application spec: job must be an object');
  });

  it('defines the executor defaults once, named as YARN names them', () => {
    expect([client.DEFAULT_EXECUTORS, client.DEFAULT_EXECUTOR_MEMORY_MB, client.DEFAULT_EXECUTOR_VCORES]).to.deep.equal([
      DEFAULT_EXECUTORS,
      DEFAULT_EXECUTOR_MEMORY_MB,
      DEFAULT_EXECUTOR_VCORES,
    ]);
    expect([DEFAULT_EXECUTORS, DEFAULT_EXECUTOR_MEMORY_MB, DEFAULT_EXECUTOR_VCORES]).to.deep.equal([2, 512, 1]);
  });
});
