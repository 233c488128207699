import { expect } from 'chai';
import type { AppReport } from '../../protocols/rm-rest/index.js';
import { hdfsPath } from '../../client/cli/commands/fs-paths.js';
import { modeString } from '../../client/cli/commands/fs.js';
import { formatAppReport, formatBytes, formatDuration, formatTable, formatTimeline, stateText } from '../../client/cli/format.js';
import { progressText } from '../../client/cli/progress.js';
import { parseAmStatus, type AmStatus } from '../../client/am-status.js';
import { memoryOf, shortDiagnostics, statusLine } from '../../client/cli/watch.js';
import { describeEnd, formatFailure, memoryKillWords } from '../../client/failure.js';

const AM_BASE: AmStatus = {
  appId: 'application_1700000000000_0007',
  name: 'app',
  state: 'running',
  timeline: {},
  events: [],
  launched: [],
};

function report(over: Partial<AppReport> = {}): AppReport {
  return {
    id: 'application_1700000000000_0007',
    user: 'alice',
    name: 'spindle-run',
    queue: 'root.default',
    state: 'RUNNING',
    finalStatus: 'UNDEFINED',
    progress: 50,
    diagnostics: '',
    applicationType: 'SPINDLE',
    tags: [],
    startedTime: 1_700_000_000_000,
    finishedTime: 0,
    elapsedTime: 65_000,
    allocatedMb: 768,
    allocatedVcores: 3,
    runningContainers: 3,
    memorySeconds: 0,
    vcoreSeconds: 0,
    unmanagedApplication: false,
    ...over,
  };
}

/** The NodeManager's words for a pmem kill (ContainersMonitorImpl.formatErrorMessage, Hadoop 3.5.0). */
const PMEM_DIAGNOSTICS =
  "Container [pid=4980,containerID=container_1700000000000_0007_01_000002] is running 193953792B beyond the 'PHYSICAL' memory limit. " +
  'Current usage: 440.1 MB of 256 MB physical memory used; 1.2 GB of 537.6 MB virtual memory used. Killing container.\n' +
  'Dump of the process-tree for container_1700000000000_0007_01_000002 :\n';

describe('cli output formatting', () => {
  it('formats byte counts', () => {
    expect(formatBytes(0)).to.equal('0 B');
    expect(formatBytes(1023)).to.equal('1023 B');
    expect(formatBytes(1536)).to.equal('1.5 KiB');
    expect(formatBytes(5_000_000)).to.equal('4.8 MiB');
    expect(formatBytes(128 * 1024 * 1024)).to.equal('128 MiB');
  });

  it('formats durations', () => {
    expect(formatDuration(350)).to.equal('350ms');
    expect(formatDuration(1234)).to.equal('1.2s');
    expect(formatDuration(65_000)).to.equal('1m05s');
    expect(formatDuration(3_723_000)).to.equal('1h02m03s');
    expect(formatDuration(-1)).to.equal('?');
  });

  it('aligns table columns, leaving the last one unpadded', () => {
    expect(
      formatTable(
        ['A', 'LONGER'],
        [
          ['xxxx', 'y'],
          ['z', 'last column'],
        ],
      ),
    ).to.equal('A     LONGER\nxxxx  y\nz     last column');
  });

  it('shows the final status next to the state only when it adds something', () => {
    expect(stateText({ state: 'RUNNING', finalStatus: 'UNDEFINED' })).to.equal('RUNNING');
    expect(stateText({ state: 'FINISHED', finalStatus: 'FAILED' })).to.equal('FINISHED/FAILED');
    expect(stateText({ state: 'KILLED', finalStatus: 'KILLED' })).to.equal('KILLED');
  });

  it('formats the startup timeline in ms since submission, skipping what was not observed', () => {
    const t = { submitted: 1000, accepted: 1035, amLaunched: 1051, amStarted: 1790, amRegistered: 1830, finished: 3000 };
    expect(formatTimeline(t)).to.equal(
      'timeline (ms since submit): accepted +35, AM container launched +51, AM started +790, AM registered +830, finished +2000',
    );
    expect(formatTimeline({ submitted: 5 })).to.equal('timeline (ms since submit): nothing observed');
  });

  it('formats a report with its diagnostics indented', () => {
    const text = formatAppReport(report({ diagnostics: 'line 1\nline 2', tags: ['a', 'b'] }));
    expect(text).to.match(/^Application: +application_1700000000000_0007$/m);
    expect(text).to.match(/^State: +RUNNING$/m);
    expect(text).to.match(/^Elapsed: +1m05s$/m);
    expect(text).to.match(/^Tags: +a,b$/m);
    expect(text).to.match(/^Resources: +3 containers, 768 MB, 3 vcores$/m);
    expect(text.endsWith('Diagnostics:\n  line 1\n  line 2')).to.equal(true);
  });

  it('builds the live status line from the AM counts', () => {
    const am: AmStatus = { ...AM_BASE, containers: { target: 4, pending: 1, launching: 0, running: 2, succeeded: 1, failed: 0, lost: 0 } };
    expect(statusLine(report(), am, 0, false)).to.equal(
      'application_1700000000000_0007 RUNNING  containers: 2 running, 1 done, 1 starting (of 4)',
    );
    const accepted = report({
      state: 'ACCEPTED',
      diagnostics:
        '[Tue Nov 24 14:18:46 +0000 2026] Application is Activated, waiting for resources to be assigned for AM.  Last Node which was processed for the application : localhost:45451 ( Partition : [] )',
    });
    expect(statusLine(accepted, undefined, 0, false)).to.equal(
      'application_1700000000000_0007 ACCEPTED: Application is Activated, waiting for resources to be assigned for AM.',
    );
    expect(shortDiagnostics('AM container is launched, waiting for AM container to Register with RM')).to.equal(
      'AM container is launched, waiting for AM container to Register with RM',
    );
  });

  it('shows the running stage of a job with a progress bar', () => {
    const stage = (stageId: number, state: string, succeeded: number) => ({
      stageId,
      description: `count of range(${stageId})`,
      tasks: 20,
      succeeded,
      running: 4,
      failedAttempts: 0,
      state,
      records: 0,
    });
    const am: AmStatus = { ...AM_BASE, job: { stages: [stage(0, 'succeeded', 20), stage(1, 'running', 5)] } };
    expect(statusLine(report(), am, 0, false)).to.equal(
      'application_1700000000000_0007 RUNNING  stage 1 [##........] 5/20 tasks, 4 running (count of range(1))',
    );
    const parsed = parseAmStatus({
      state: 'running',
      timeline: {},
      events: [],
      job: { stages: [{ ...stage(3, 'running', 20), failedAttempts: 2 }] },
    });
    expect(statusLine(report(), parsed, 0, false)).to.equal(
      'application_1700000000000_0007 RUNNING  stage 3 [##########] 20/20 tasks, 4 running, 2 failed attempts (count of range(3))',
    );
  });

  it('draws a progress bar with rate', () => {
    expect(progressText('put a.bin', 512 * 1024, 1024 * 1024, 1000)).to.equal(
      'put a.bin  [############------------]  50%  512 KiB/1.0 MiB  512 KiB/s',
    );
    expect(progressText('put stdin', 2048, undefined, 0)).to.equal('put stdin  2.0 KiB');
  });

  it('writes mode bits like ls', () => {
    expect(modeString('directory', 0o755)).to.equal('drwxr-xr-x');
    expect(modeString('file', 0o640)).to.equal('-rw-r-----');
    expect(modeString('directory', 0o1777)).to.equal('drwxrwxrwt');
  });

  it('resolves HDFS paths against the home directory', () => {
    expect(hdfsPath('data/x', 'alice')).to.equal('/user/alice/data/x');
    expect(hdfsPath('', 'alice')).to.equal('/user/alice');
    expect(hdfsPath('/tmp/a/../b/', 'alice')).to.equal('/tmp/b');
    expect(hdfsPath('hdfs://nn:8020/data/x', 'alice')).to.equal('/data/x');
    expect(hdfsPath('hdfs:///data/a%20b', 'alice')).to.equal('/data/a b');
    expect(hdfsPath('/', 'alice')).to.equal('/');
    expect(() => hdfsPath('s3://bucket/x', 'alice')).to.throw(/only HDFS paths are supported/);
  });
});

describe('cli failure explanations', () => {
  it('words a physical memory kill with the limit, the usage and the option to raise', () => {
    expect(memoryKillWords(-104, PMEM_DIAGNOSTICS, 256)).to.equal('exceeded its physical memory limit of 256 MB (it used 440.1 MB)');
    const d = describeEnd({ containerId: 'c', exitStatus: -104, diagnostics: PMEM_DIAGNOSTICS }, '--memory', 256);
    expect(d).to.deep.equal({
      summary: 'was killed by YARN: it exceeded its physical memory limit of 256 MB (it used 440.1 MB)',
      advice: 'raise --memory',
    });
  });

  it('advises the driver option for the AM container and the executor option for the others', () => {
    const o = { memoryMb: 256, memoryOption: '--executor-memory', amMemoryMb: 1024, amMemoryOption: '--driver-memory' };
    expect(memoryOf(o, 'container_1795547318060_0002_01_000003')).to.deep.equal({ mb: 256, option: '--executor-memory' });
    expect(memoryOf(o, 'container_1795547318060_0002_02_000001')).to.deep.equal({ mb: 1024, option: '--driver-memory' });
    expect(memoryOf(o, 'container_e17_1795547318060_0002_01_000001')).to.deep.equal({ mb: 1024, option: '--driver-memory' });
    expect(memoryOf(o, 'container_1795547318060_0002_01_000011')).to.deep.equal({ mb: 256, option: '--executor-memory' });
    expect(memoryOf({ memoryMb: 128, memoryOption: '--memory' }, 'container_1_0001_01_000001')).to.deep.equal({
      mb: 128,
      option: '--memory',
    });
  });

  it('recognises a memory kill reported as 143 with the NodeManager message', () => {
    expect(memoryKillWords(143, PMEM_DIAGNOSTICS)).to.equal('exceeded its physical memory limit of 256 MB (it used 440.1 MB)');
    expect(memoryKillWords(143, 'Container killed on request. Exit code is 143')).to.equal(undefined);
  });

  it('words ordinary exits without repeating YARN diagnostics', () => {
    const d = describeEnd(
      { containerId: 'c', exitStatus: 3, diagnostics: 'Exception from container-launch.\nExit code: 3\nLast 4096 bytes of stderr :\nboom' },
      '--memory',
    );
    expect(d).to.deep.equal({ summary: 'exited with code 3' });
    expect(describeEnd({ containerId: 'c', exitStatus: 137, diagnostics: '' }, '--memory').summary).to.equal(
      'was killed by SIGKILL (exit 137)',
    );
    expect(
      describeEnd({ containerId: 'c', exitStatus: -102, diagnostics: 'Container preempted by scheduler' }, '--memory').summary,
    ).to.match(/^was preempted by the scheduler/);
  });

  it('prints the node, the words and the stderr tail', () => {
    const text = formatFailure({
      containerId: 'container_1700000000000_0007_01_000002',
      where: 'nm1:8042',
      exitStatus: -104,
      summary: 'was killed by YARN: it exceeded its physical memory limit of 256 MB',
      advice: 'raise --memory',
      stderrTail: ['allocating', 'still allocating'],
    });
    expect(text).to.equal(
      'container_1700000000000_0007_01_000002 on nm1:8042 was killed by YARN: it exceeded its physical memory limit of 256 MB; raise --memory\n' +
        '  last 2 line(s) of its stderr:\n  | allocating\n  | still allocating',
    );
    expect(
      formatFailure({ containerId: 'c', exitStatus: 1, summary: 'exited with code 1', stderrTail: [], tailUnavailable: 'gone' }),
    ).to.equal('c exited with code 1\n  (its stderr could not be read: gone)');
  });
});

describe('cli logs advice', () => {
  it('says where aggregated logs went and how to read them', async () => {
    const { whyLogsAreGone } = await import('../../client/cli/commands/logs.js');
    const agg = { enabled: true, remoteAppLogDir: '/tmp/logs/', remoteAppLogDirSuffix: 'logs' };
    expect(whyLogsAreGone(agg, 'application_1_0001', 'alice')).to.equal(
      'log aggregation (yarn.log-aggregation-enable) has moved them off the NodeManagers into /tmp/logs/alice on HDFS ' +
        '(aggregated files are not plain text); read them with: yarn logs -applicationId application_1_0001',
    );
    expect(whyLogsAreGone({ ...agg, enabled: false }, 'application_1_0001', 'alice')).to.match(/yarn\.nodemanager\.log\.retain-seconds/);
  });
});
