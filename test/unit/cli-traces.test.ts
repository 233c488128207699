import { expect } from 'chai';
import { OutputCommitter } from '../../appmaster/driver/commit.js';
import { isTraceLine, isUserFrame, TraceFilter } from '../../client/cli/traces.js';
import { amContainerExit, queueRefusal } from '../../client/cli/watch.js';
import { AccessDeniedError } from '../../protocols/errors/index.js';
import { FakeFs } from './job-fake-fs.js';

/**
 * What the CLI makes of failures it did not produce: stack traces and V8's out-of-memory report
 * hidden without --verbose (the user's own frame kept), the RM's words for a refused queue or an AM
 * container that could not start, and the committer's words for an output HDFS refuses.
 */
describe('bad-input messages', () => {
  describe('TraceFilter', () => {
    it("keeps messages and the user's first frame, drops runtime frames and counts them", () => {
      const f = new TraceFilter();
      const lines = [
        'Error: no settings for region eu-west',
        '    at Object.main (/nm/usercache/root/jobs/main-throws.mjs:2:9)',
        '    at main (file:///nm/filecache/10/3177218cf9:18836:30)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
        'the driver exited with code 1',
      ];
      expect(lines.filter((l) => f.keep(l))).to.deep.equal([lines[0], lines[1], lines[4]]);
      expect(f.hidden).to.equal(2);
    });

    it("keeps only V8's FATAL ERROR line of an out-of-memory report, and the blank lines inside it go too", () => {
      const f = new TraceFilter();
      const report = [
        '<--- Last few GCs --->',
        '',
        '[25067:0x125d3d80]      414 ms: Mark-Compact 29.7 (38.0) -> 28.6 (46.0) MB, 13.33 / 0.02 ms',
        '',
        '<--- JS stacktrace --->',
        '',
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
        '----- Native stack trace -----',
        '',
        ' 1: 0xb78db3 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [/usr/bin/node]',
        '16: 0x195e476  [/usr/bin/node]',
      ];
      expect(f.text(report.join('\n'))).to.equal('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    });

    it('tells frames apart', () => {
      expect(isTraceLine('    at eval (eval at __spindleEvaluate (file:///x/filecache/21/05e0:13:62), <anonymous>:2:25)')).to.equal(true);
      expect(isUserFrame('    at eval (eval at __spindleEvaluate (file:///x/filecache/21/05e0:13:62), <anonymous>:2:25)')).to.equal(false);
      expect(isUserFrame('    at JSON.parse (<anonymous>)')).to.equal(false);
      expect(isUserFrame('    at <anonymous> (/nm/usercache/root/jobs/top-level.mjs:1:18)')).to.equal(true);
    });
  });

  it('queueRefusal reads the scheduler refusing a queue, and nothing else', () => {
    const d = 'Application application_1_0001 submitted by user root to unknown queue: nosuchqueue';
    expect(queueRefusal({ state: 'FAILED', diagnostics: d })).to.equal('the ResourceManager has no queue named "nosuchqueue"');
    expect(queueRefusal({ state: 'FAILED', diagnostics: 'Queue root.prod is STOPPED. Cannot accept submission' })).to.equal(
      'queue root.prod is stopped and accepts no applications',
    );
    expect(queueRefusal({ state: 'KILLED', diagnostics: d })).to.equal(undefined);
    expect(queueRefusal({ state: 'FAILED', diagnostics: 'the driver exited with code 1' })).to.equal(undefined);
  });

  it("amContainerExit turns the RM's launch diagnostics into one line and what to do", () => {
    const d =
      'Application application_1_0035 failed 1 times (global limit =2; local limit is =1) due to AM Container for ' +
      'appattempt_1_0035_000001 exited with  exitCode: 127\nFailing this attempt.Diagnostics: [2026-12-03]Exception from container-launch.\n' +
      'Last 4096 bytes of prelaunch.err :\nLast 4096 bytes of stderr :\n/bin/bash: line 1: /opt/node: No such file or directory\n\n';
    expect(amContainerExit(d)).to.equal(
      "the ApplicationMaster's container exited with code 127: /bin/bash: line 1: /opt/node: No such file or directory\n" +
        "  Node was not found on the node: check --node, or pass --ship-node to ship this machine's Node",
    );
    expect(amContainerExit('the driver exited with code 1')).to.equal(undefined);
  });

  describe('OutputCommitter.setup', () => {
    class RefusingFs extends FakeFs {
      constructor(private readonly why: string) {
        super();
      }
      override async mkdirs(path: string): Promise<void> {
        throw new AccessDeniedError(`MKDIRS ${path}: permission denied for user alice (${this.why})`);
      }
    }
    const setup = (why: string) =>
      OutputCommitter.setup(new RefusingFs(why), '/data/x/out', { overwrite: false, jobTag: 'app_1-0', action: 'saveAsTextFile' }).then(
        () => undefined,
        (err: Error) => err.message,
      );

    it('names a parent that is a file and what to do', async () => {
      expect(await setup('/data/x (is not a directory)')).to.equal(
        'saveAsTextFile /data/x/out: a parent of the output is a file, not a directory; choose an output path below a directory',
      );
    });

    it('names the directory the job may not write in and what to do', async () => {
      expect(await setup('Permission denied: user=alice, access=WRITE, inode="/data/x"')).to.match(
        /^saveAsTextFile \/data\/x\/out: the job may not write in \/data\/x \(.*\); choose an output directory its user can write to, or submit as a user who may \(--user\)$/,
      );
    });
  });
});
