import { expect } from 'chai';
import { ConfigError } from '../../protocols/errors/index.js';
import { toSubmissionJson, type AppSubmission } from '../../protocols/rm-rest/index.js';

function minimal(): AppSubmission {
  return {
    applicationId: 'application_1700000000000_0007',
    name: 'wordcount',
    amContainerSpec: { commands: ['sleep', '60'] },
    resource: { memoryMb: 256, vcores: 1 },
  };
}

describe('rm-rest AppSubmission → REST JSON', () => {
  it('renders the minimal submission with empty entry lists and one command string', () => {
    expect(toSubmissionJson(minimal())).to.deep.equal({
      'application-id': 'application_1700000000000_0007',
      'application-name': 'wordcount',
      'am-container-spec': {
        'local-resources': { entry: [] },
        environment: { entry: [] },
        commands: { command: 'sleep 60' },
      },
      resource: { memory: 256, vCores: 1 },
    });
  });

  it('renders every field under its REST name', () => {
    const secret = new Uint8Array([0, 1, 2, 250, 255]);
    const body = toSubmissionJson({
      ...minimal(),
      queue: 'default',
      priority: 3,
      amContainerSpec: {
        localResources: {
          'am.js': {
            url: 'hdfs://127.0.0.1:8020/user/alice/.spindle/am.js',
            type: 'file',
            visibility: 'application',
            size: 1234,
            timestamp: 1700000000123,
          },
        },
        environment: { PATH: '/usr/bin:/bin', SPINDLE_ROLE: 'am' },
        commands: ['/usr/bin/node', 'am.js', '1><LOG_DIR>/stdout', '2><LOG_DIR>/stderr'],
        credentials: { tokens: { 'hdfs-token': 'HAAEYWxpY2U' }, secrets: { 'app-secret': secret } },
      },
      applicationType: 'SPINDLE',
      maxAppAttempts: 1,
      keepContainers: false,
      tags: ['Job-42', 'nightly'],
      unmanagedAm: false,
      attemptFailuresValidityIntervalMs: 60_000,
      logAggregationContext: { includePattern: '.*', rolledExcludePattern: 'tmp.*' },
      nodeLabel: 'fast',
      amNodeLabel: 'small',
    });
    expect(body).to.deep.equal({
      'application-id': 'application_1700000000000_0007',
      'application-name': 'wordcount',
      queue: 'default',
      priority: 3,
      'am-container-spec': {
        'local-resources': {
          entry: [
            {
              key: 'am.js',
              value: {
                resource: 'hdfs://127.0.0.1:8020/user/alice/.spindle/am.js',
                type: 'FILE',
                visibility: 'APPLICATION',
                size: 1234,
                timestamp: 1700000000123,
              },
            },
          ],
        },
        environment: {
          entry: [
            { key: 'PATH', value: '/usr/bin:/bin' },
            { key: 'SPINDLE_ROLE', value: 'am' },
          ],
        },
        commands: { command: '/usr/bin/node am.js 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr' },
        credentials: {
          tokens: { entry: [{ key: 'hdfs-token', value: 'HAAEYWxpY2U' }] },
          secrets: { entry: [{ key: 'app-secret', value: 'AAEC+v8=' }] },
        },
      },
      resource: { memory: 256, vCores: 1 },
      'application-type': 'SPINDLE',
      'max-app-attempts': 1,
      'keep-containers-across-application-attempts': false,
      'application-tags': { tag: ['Job-42', 'nightly'] },
      'unmanaged-AM': false,
      'attempt-failures-validity-interval': 60000,
      'log-aggregation-context': { 'log-include-pattern': '.*', 'rolled-log-exclude-pattern': 'tmp.*' },
      'app-node-label-expression': 'fast',
      'am-container-node-label-expression': 'small',
    });
  });

  it('sends a single tag as a one-element list (accepted by 3.5.0)', () => {
    expect(toSubmissionJson({ ...minimal(), tags: ['only'] })['application-tags']).to.deep.equal({ tag: ['only'] });
  });

  it('leaves out empty tags so the RM keeps its default', () => {
    expect(toSubmissionJson({ ...minimal(), tags: [] })).to.not.have.property('application-tags');
  });

  const invalid: [string, (s: AppSubmission) => void, RegExp][] = [
    ['a made-up application id', (s) => (s.applicationId = 'app-1'), /applicationId/],
    ['an empty name', (s) => (s.name = ''), /name/],
    ['no commands', (s) => (s.amContainerSpec.commands = []), /commands must not be empty/],
    ['zero memory', (s) => (s.resource.memoryMb = 0), /resource\.memoryMb/],
    ['fractional vcores', (s) => (s.resource.vcores = 1.5), /resource\.vcores/],
    ['zero attempts', (s) => (s.maxAppAttempts = 0), /maxAppAttempts/],
    ['a tag with a comma', (s) => (s.tags = ['a,b']), /tags/],
    [
      'a relative resource URL',
      (s) => (s.amContainerSpec.localResources = { x: { url: 'am.js', type: 'file', visibility: 'application', size: 1, timestamp: 1 } }),
      /localResources\["x"\]\.url/,
    ],
    [
      'a resource without timestamp',
      (s) =>
        (s.amContainerSpec.localResources = { x: { url: 'hdfs://nn/x', type: 'file', visibility: 'application', size: 1, timestamp: 0 } }),
      /localResources\["x"\]\.timestamp/,
    ],
  ];
  for (const [label, mutate, field] of invalid) {
    it(`rejects ${label} with a ConfigError naming the field`, () => {
      const s = minimal();
      mutate(s);
      expect(() => toSubmissionJson(s)).to.throw(ConfigError, field);
    });
  }

  it('allows an unmanaged AM without commands', () => {
    const s = { ...minimal(), unmanagedAm: true, amContainerSpec: { commands: [] } };
    expect(toSubmissionJson(s)['unmanaged-AM']).to.equal(true);
  });
});
