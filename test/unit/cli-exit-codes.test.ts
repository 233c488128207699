import { expect } from 'chai';
import {
  AccessDeniedError,
  AlreadyExistsError,
  AuthenticationError,
  ConfigError,
  ConnectionError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ProtocolError,
  RemoteError,
  RetriableError,
  SafeModeError,
  StandbyError,
  TimeoutError,
} from '../../protocols/errors/index.js';
import { describeError, EXIT_APP_FAILED, EXIT_CLUSTER, EXIT_USAGE } from '../../client/cli/exit-codes.js';
import { JobBundleError } from '../../client/job-bundle.js';

const CTX = {
  confDir: '/etc/hadoop/conf',
  confDirSource: 'HADOOP_CONF_DIR',
  rmUrls: ['http://rm1:8088'],
  nameNodes: ['http://nn1:9870'],
};

describe('cli exit codes and error messages', () => {
  const cases: [string, unknown, number][] = [
    ['ConfigError', new ConfigError('bad'), EXIT_USAGE],
    ['JobBundleError', new JobBundleError('job.ts:1:1: error'), EXIT_USAGE],
    ['NotFoundError', new NotFoundError('nope'), EXIT_USAGE],
    ['InvalidRequestError', new InvalidRequestError('bad request'), EXIT_USAGE],
    ['AlreadyExistsError', new AlreadyExistsError('exists'), EXIT_USAGE],
    ['NotEmptyError', new NotEmptyError('not empty'), EXIT_USAGE],
    ['ConnectionError', new ConnectionError('down'), EXIT_CLUSTER],
    ['TimeoutError', new TimeoutError('slow'), EXIT_CLUSTER],
    ['AuthenticationError', new AuthenticationError('sasl'), EXIT_CLUSTER],
    ['AccessDeniedError', new AccessDeniedError('denied'), EXIT_CLUSTER],
    ['StandbyError', new StandbyError('standby'), EXIT_CLUSTER],
    ['SafeModeError', new SafeModeError('safe mode'), EXIT_CLUSTER],
    ['RetriableError', new RetriableError('try again later'), EXIT_CLUSTER],
    ['ProtocolError', new ProtocolError('garbage'), EXIT_CLUSTER],
    ['RemoteError', new RemoteError('java.lang.Whatever'), EXIT_CLUSTER],
    ['a plain Error (a bug)', new Error('oops'), EXIT_APP_FAILED],
    ['a local ENOENT', Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', syscall: 'open', path: '/x' }), EXIT_USAGE],
  ];
  for (const [name, err, code] of cases) {
    it(`${name} → exit ${code}`, () => expect(describeError(err, CTX).exitCode).to.equal(code));
  }

  it('names the unreachable ResourceManager, the configuration directory and --rm', () => {
    const err = new ConnectionError(
      'list applications: cannot reach the ResourceManager (http://rm1:8088: ECONNREFUSED); check HADOOP_CONF_DIR (yarn.resourcemanager.webapp.address) or pass --rm',
      { server: 'http://rm1:8088' },
    );
    const d = describeError(err, CTX);
    expect(d.exitCode).to.equal(EXIT_CLUSTER);
    expect(d.message).to.equal(
      'spindle: list applications: cannot reach the ResourceManager (http://rm1:8088: ECONNREFUSED)\n' +
        '  is the ResourceManager at http://rm1:8088 running? Its address comes from yarn.resourcemanager.webapp.address in HADOOP_CONF_DIR=/etc/hadoop/conf; override it with --rm <url>',
    );
  });

  it('names the unreachable NameNode and --namenode', () => {
    const d = describeError(new ConnectionError('GETFILESTATUS /x: connection refused by nn1:9870', { server: 'nn1:9870' }), CTX);
    expect(d.message).to.include('is the NameNode at http://nn1:9870 running?');
    expect(d.message).to.include('dfs.namenode.http-address in HADOOP_CONF_DIR=/etc/hadoop/conf; override it with --namenode <url>');
  });

  it('says where the configuration directory came from', () => {
    const d = describeError(new ConnectionError('x', { server: 'http://rm1:8088' }), { ...CTX, confDirSource: '--conf-dir' });
    expect(d.message).to.include('in --conf-dir=/etc/hadoop/conf');
  });

  it('points to spindle list for an unknown application', () => {
    const d = describeError(new NotFoundError('application application_1_0001: not found', { appId: 'application_1_0001' }), CTX);
    expect(d.message).to.equal('spindle: application application_1_0001: not found\n  list applications with: spindle list --all-users');
  });

  it('words local file errors without a stack', () => {
    const err = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: 'ENOENT', syscall: 'open', path: '/x' });
    expect(describeError(err, CTX).message).to.equal('spindle: open /x: no such file or directory');
  });

  it('adds the stack and the cause chain only with --verbose', () => {
    const err = new ConfigError('outer', { cause: new Error('inner cause') });
    expect(describeError(err, CTX).message).to.equal('spindle: outer');
    const verbose = describeError(err, CTX, true).message;
    expect(verbose).to.match(/^spindle: outer\nConfigError: outer\n\s+at /);
    expect(verbose).to.include('caused by: Error: inner cause');
  });
});
