import { expect } from 'chai';
import { cliWithoutCluster as cli } from './cli-in-process.js';

describe('spindle ui (no cluster)', () => {
  it('explains itself in --help', async () => {
    const r = await cli('ui', '--help');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/Usage: spindle ui \[options\] <appId>/);
    expect(r.stdout).to.include('--port <port>').and.include('/user/<user>/.spindle/history/<appId>');
  });

  it('refuses a bad id, port or directory before reaching any cluster (exit 2, no stack trace)', async () => {
    for (const [argv, message] of [
      [['ui', 'app_1'], /^spindle: "app_1" is not an application id/],
      [['ui', 'application_1_0001', '--port', 'http'], /^spindle: --port: "http" is not a port number \(0 to 65535\)/],
      [['ui', 'application_1_0001', '--port', '70000'], /^spindle: --port: "70000" is not a port number/],
      [['ui', 'application_1_0001', '--dir', 'hdfs://nn/x'], /^spindle: --dir: "hdfs:\/\/nn\/x" is a URL, not an HDFS path/],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.not.match(/\n\s+at /);
    }
  });
});
