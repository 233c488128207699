import { expect } from 'chai';
import { cliWithoutCluster as cli } from './cli-in-process.js';

describe('spindle history and --event-log (no cluster)', () => {
  it('has help with examples', async () => {
    const r = await cli('history', '--help');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/Usage: spindle history \[options\] \[appId\]/);
    expect(r.stdout).to.include('spindle history --list');
    expect(r.stdout).to.include('/user/<user>/.spindle/history/<appId>');
  });

  it('refuses a missing or bad application id, both an id and --list, and a bad --dir: exit 2, one line, no stack', async () => {
    const cases: [string[], RegExp][] = [
      [['history'], /^spindle: history: give an application id \(spindle history <appId>\), or --list/],
      [['history', '--list', 'application_1_0001'], /^spindle: history: give either an application id or --list, not both/],
      [['history', 'app_1'], /^spindle: "app_1" is not an application id; ids look like application_1700000000000_0001/],
      [['history', '--list', '--dir', 'hdfs://nn/x'], /^spindle: --dir: "hdfs:\/\/nn\/x" is a URL, not an HDFS path/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.stderr, argv.join(' ')).to.match(message);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).to.have.length(1);
      expect(r.stdout).to.equal('');
    }
  });

  it('submit refuses a bad --event-log before bundling or asking the cluster', async () => {
    const r = await cli('submit', '--event-log', '/a/../b', 'examples/wordcount.ts');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(
      /^spindle: --event-log: "\/a\/\.\.\/b" has a "\." or "\.\." component, which HDFS refuses; give "off" or an HDFS directory/,
    );
  });
});
