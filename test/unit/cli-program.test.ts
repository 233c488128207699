import { expect } from 'chai';
import { cliWithoutCluster as cli } from './cli-in-process.js';

describe('spindle command line (no cluster)', () => {
  it('shows help with examples for the program and every command', async () => {
    const top = await cli('--help');
    expect(top.code).to.equal(0);
    expect(top.stdout).to.match(/Usage: spindle \[options\] \[command\]/);
    expect(top.stdout).to.include('Examples:');
    expect(top.stdout).to.include('Exit codes: 0 success, 1 the application failed or was killed, 2 usage error');
    for (const sub of [
      'run',
      'submit',
      'status',
      'list',
      'kill',
      'logs',
      'fs',
      'fs ls',
      'fs put',
      'fs get',
      'fs cat',
      'fs rm',
      'fs mkdir',
      'fs mv',
      'fs du',
      'fs stat',
    ]) {
      const h = await cli(...sub.split(' '), '--help');
      expect(h.code, sub).to.equal(0);
      expect(h.stdout, sub).to.match(/Examples?:\n {2}\$ spindle /);
    }
  });

  it('documents the run and submit options the brief names', async () => {
    const run = (await cli('run', '--help')).stdout;
    for (const o of [
      '--containers',
      '--memory',
      '--vcores',
      '--queue',
      '--name',
      '--env',
      '--file',
      '--archive',
      '--node-label',
      '--priority',
      '--tags',
      '--max-attempts',
      '--max-failures',
      '--timeout',
      '--detach',
      '--node',
      '--ship-node',
    ]) {
      expect(run, o).to.include(o);
    }
    const submit = (await cli('submit', '--help')).stdout;
    for (const o of ['--executors', '--executor-memory', '--executor-cores', '--driver-memory', '--file', '--timeout'])
      expect(submit, o).to.include(o);
  });

  it('prints the version', async () => {
    const v = await cli('--version');
    expect(v.code).to.equal(0);
    expect(v.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown option', ['run', '--bogus', '--', 'true'], /^spindle: unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /^spindle: unknown command 'frobnicate'/],
    ['a missing command', ['run'], /^spindle: missing required argument 'command'/],
    [
      'a bad size',
      ['run', '--memory', '5x', '--', 'true'],
      /^spindle: --memory: "5x" is not a size; use e\.g\. 512m, 2g or 1\.5g \(a number alone is MB\)\n$/,
    ],
    ['a bad count', ['run', '-n', '0', '--', 'true'], /^spindle: --containers: 0 is less than 1; use a whole number from 1 to 100000\n$/],
    [
      'a count past the ceiling',
      ['submit', '--executors', '1000000000', 'job.mjs'],
      /^spindle: --executors: 1000000000 is more than 100000, the most Spindle accepts; use a whole number from 0 to 100000\n$/,
    ],
    [
      'a count in exponent form',
      ['run', '-n', '1e3', '--', 'true'],
      /^spindle: --containers: "1e3" is not a whole number; use a whole number from 1 to 100000, digits only \(no sign, decimal point, exponent or 0x\)\n$/,
    ],
    ['a bad duration', ['run', '--timeout', 'soon', '--', 'true'], /^spindle: --timeout: "soon" is not a duration/],
    [
      'an --env NAME not set here',
      ['run', '--env', 'SPINDLE_TEST_UNSET', '--', 'true'],
      /^spindle: --env SPINDLE_TEST_UNSET: SPINDLE_TEST_UNSET is not set here; export it first, or pass SPINDLE_TEST_UNSET=value\n$/,
    ],
    ['a bad --env', ['run', '--env', 'NO-EQUALS', '--', 'true'], /^spindle: --env: "NO-EQUALS" is neither NAME=value nor a variable name/],
    ['a bad alias', ['run', '--file', 'a#b/c', '--', 'true'], /^spindle: --file: alias "b\/c" must be a plain file name/],
    ['a bad application id', ['status', 'app_1'], /^spindle: "app_1" is not an application id/],
    ['a bad list state', ['list', '--state', 'sleeping'], /^spindle: --state: "sleeping" is not a YARN state/],
    ['--node with --ship-node', ['run', '--node', '/opt/node', '--ship-node', '--', 'true'], /cannot be used with option '--node/],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 for ${what}`, async () => {
      const r = await cli(...argv);
      expect(r.stderr).to.match(message);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.equal('');
    });
  }

  it('exits 2 without a Hadoop configuration, saying what to set', async () => {
    const r = await cli('list');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      'spindle: no Hadoop configuration directory: set HADOOP_CONF_DIR to the directory holding core-site.xml, hdfs-site.xml and yarn-site.xml\n',
    );
  });

  it('accepts global options after the command, and job arguments after the job file', async () => {
    const r = await cli('submit', '--verbose', 'does-not-exist.ts', '--executors', '3');
    // The job file is checked before anything else; --executors after it belongs to the job.
    expect(r.stderr).to.match(/^spindle: job file does-not-exist\.ts: no such file/);
    expect(r.stderr).to.match(/ConfigError: job file/); // --verbose took effect: the stack follows
    expect(r.code).to.equal(2);
  });
});
