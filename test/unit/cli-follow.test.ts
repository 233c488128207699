import { expect } from 'chai';
import { NmRestClient, type NmHttpRequest, type NmHttpResponse } from '../../protocols/nm-rest/index.js';
import type { AppAttempt, AppReport, ContainerReport, NodeReport, RmRestClient } from '../../protocols/rm-rest/index.js';
import type { AmStatus } from '../../client/am-status.js';
import { NodeDirectory } from '../../client/containers.js';
import { amContainerOf, ApplicationFollower, attemptEndReason, RM_OUTAGE_MAX_MS } from '../../client/follow.js';
import { ConnectionError, NotFoundError } from '../../protocols/errors/index.js';
import { classifyExit } from '../../protocols/yarn/index.js';
import { AM, APP, followedReport, NM1 } from './app-report-fixture.js';

const W2 = 'container_1700000000000_0042_01_000002';
const W3 = 'container_1700000000000_0042_01_000003';
const NM2 = 'http://nm2:8042';

const report = followedReport;

/** A cluster scripted poll by poll: each `application()` call moves to the next step. */
class Script {
  /** Polls answered so far; the current step is the last one answered. */
  step = 0;
  readonly files = new Map<string, Map<string, string>>(); // "node cid" -> file -> content
  /** The RM's attempt list; default: one attempt, running. */
  attempts: AppAttempt[] = [{ id: 1, startTime: 1010, finishedTime: 0, containerId: AM }];
  /** The single-attempt answers' diagnostics, by attempt id. */
  diagnostics = new Map<string, string>();
  constructor(readonly steps: { report: AppReport; live: ContainerReport[]; am?: AmStatus; write?: () => void }[]) {}

  current() {
    return this.steps[Math.min(Math.max(this.step - 1, 0), this.steps.length - 1)]!;
  }

  write(node: string, cid: string, file: string, text: string): void {
    const key = `${node} ${cid}`;
    const m = this.files.get(key) ?? new Map<string, string>();
    m.set(file, (m.get(file) ?? '') + text);
    this.files.set(key, m);
  }

  rm(): RmRestClient {
    const rm = {
      application: async () => {
        const s = this.steps[Math.min(this.step++, this.steps.length - 1)]!;
        s.write?.();
        return s.report;
      },
      attempts: async (): Promise<AppAttempt[]> => this.attempts,
      attemptDiagnostics: async (_app: string, id: string) => this.diagnostics.get(id),
      containers: async () => this.current().live,
      nodes: async (): Promise<NodeReport[]> =>
        [NM1, NM2].map((u) => ({
          id: `${new URL(u).hostname}:45454`,
          rack: '/r',
          state: 'RUNNING',
          nodeHostName: new URL(u).hostname,
          nodeHttpAddress: new URL(u).host,
          lastHealthUpdate: 0,
          version: '3.5.0',
          healthReport: '',
          numContainers: 0,
          usedMemoryMb: 0,
          availMemoryMb: 0,
          usedVcores: 0,
          availableVcores: 0,
        })),
    };
    return rm as unknown as RmRestClient;
  }

  nm(): NmRestClient {
    return new NmRestClient({
      transport: async (req: NmHttpRequest): Promise<NmHttpResponse> => {
        const url = new URL(req.url);
        const parts = url.pathname.split('/');
        const node = url.origin;
        if (url.pathname.endsWith('/logs')) {
          const cid = parts.at(-2)!;
          const files = this.files.get(`${node} ${cid}`);
          const containerLogInfo = files ? [...files].map(([fileName, t]) => ({ fileName, fileSize: Buffer.byteLength(t) })) : undefined;
          return {
            status: 200,
            headers: {},
            body: Buffer.from(
              JSON.stringify({ containerLogsInfo: { logAggregationType: 'LOCAL', ...(containerLogInfo ? { containerLogInfo } : {}) } }),
            ),
          };
        }
        const cid = parts.at(-2)!;
        const name = parts.at(-1)!;
        const data = Buffer.from(this.files.get(`${node} ${cid}`)?.get(name) ?? '');
        const size = Number(url.searchParams.get('size') ?? data.length);
        const part = size < 0 ? data.subarray(Math.max(0, data.length + size)) : data.subarray(0, size);
        return {
          status: 200,
          headers: {},
          body: Buffer.concat([
            Buffer.from(`LogType:${name}\nLogLength:${data.length}\nLogContents:\n`),
            part,
            Buffer.from(`End of LogType:${name}.\n`),
          ]),
        };
      },
    });
  }
}

function live(id: string, node: string): ContainerReport {
  return {
    id,
    nodeId: `${new URL(node).hostname}:45454`,
    nodeHttpAddress: node,
    state: 'RUNNING',
    exitStatus: 0,
    allocatedMb: 256,
    allocatedVcores: 1,
    priority: 1,
    startedTime: 0,
    finishedTime: 0,
  };
}

function amStatus(events: AmStatus['events'] = []): AmStatus {
  return {
    appId: APP,
    name: 'app',
    state: 'running',
    launched: [],
    containers: { target: 2, pending: 0, launching: 0, running: 2, succeeded: 0, failed: 0, lost: 0 },
    timeline: { amStarted: 1500, registered: 1600, firstContainerRunning: 1900 },
    events,
  };
}

async function follow(script: Script, options: Partial<ConstructorParameters<typeof ApplicationFollower>[2]> = {}) {
  const rm = script.rm();
  const nm = script.nm();
  const lines: string[] = [];
  const ends: string[] = [];
  const states: string[] = [];
  const attempts: string[] = [];
  let clock = 2000;
  const follower = new ApplicationFollower(
    {
      rm,
      nm,
      nodes: new NodeDirectory(rm, nm),
      fetchStatus: async () => script.current().am,
      sleep: async (ms) => void (clock += ms),
      now: () => clock,
    },
    APP,
    { submittedAt: 990, logs: 'workers', ...options },
    {
      onLine: (cid, file, text) => lines.push(`${cid.slice(-2)} ${file} ${text}`),
      onContainerEnd: (e) => ends.push(`${e.containerId.slice(-2)} ${e.exitStatus} ${e.node ?? '?'}`),
      onState: (r) => states.push(r.state),
      onAttempt: (n, reason) => attempts.push(`attempt ${n} started after: ${reason}`),
    },
  );
  const result = await follower.run();
  return { result, lines, ends, states, attempts };
}

describe('ApplicationFollower', () => {
  it('follows an application to its end: states, live lines, container ends and the timeline', async () => {
    const s: Script = new Script([
      { report: report('ACCEPTED'), live: [] },
      {
        report: report('RUNNING'),
        live: [live(AM, NM1), live(W2, NM1)],
        am: amStatus(),
        write: (): void => s.write(NM1, W2, 'stdout', 'first\npart'),
      },
      {
        report: report('RUNNING'),
        live: [live(AM, NM1), live(W2, NM1)],
        am: amStatus(),
        write: (): void => s.write(NM1, W2, 'stdout', 'ial\n'),
      },
      {
        // W3 lived too briefly for the RM's list; the AM reports it ended, and it is found on nm2.
        report: report('RUNNING'),
        live: [live(AM, NM1)],
        am: amStatus([{ containerId: W3, host: 'nm2', exitStatus: 3, classification: classifyExit(3), diagnostics: '' }]),
        write: (): void => {
          s.write(NM1, W2, 'stderr', 'last words');
          s.write(NM2, W3, 'stderr', 'boom\n');
        },
      },
      { report: report('FINISHED'), live: [] },
    ]);
    const { result, lines, ends, states } = await follow(s);
    expect(states).to.deep.equal(['ACCEPTED', 'RUNNING', 'FINISHED']);
    expect(lines).to.deep.equal(['02 stdout first', '02 stdout partial', '02 stderr last words', '03 stderr boom']);
    expect(ends).to.deep.equal(['03 3 ?']);
    expect(result.report.state).to.equal('FINISHED');
    expect(result.ends).to.deep.equal([{ containerId: W3, exitStatus: 3, diagnostics: '', host: 'nm2', node: NM2 }]);
    expect(result.timeline).to.deep.equal({
      submitted: 990,
      accepted: 1010,
      amLaunched: 1040,
      amStarted: 1500,
      amRegistered: 1600,
      firstContainerRunning: 1900,
      finished: 5000,
    });
    expect(result.stopped).to.equal(undefined);
  });

  it('streams only the AM container for a driver', async () => {
    const s: Script = new Script([
      {
        report: report('RUNNING'),
        live: [live(AM, NM1), live(W2, NM1)],
        am: amStatus(),
        write: (): void => {
          s.write(NM1, AM, 'stdout', 'driver says hi\n');
          s.write(NM1, W2, 'stdout', 'worker\n');
        },
      },
      { report: report('FINISHED'), live: [] },
    ]);
    const { lines } = await follow(s, { logs: 'am' });
    expect(lines).to.deep.equal(['01 stdout driver says hi']);
  });

  it('stops at the deadline without waiting for the end', async () => {
    const s = new Script([{ report: report('RUNNING'), live: [], am: amStatus() }]);
    const { result } = await follow(s, { deadline: 3000, logs: 'none' });
    expect(result.stopped).to.equal('deadline');
    expect(result.report.state).to.equal('RUNNING');
  });

  it('stops when aborted (Ctrl-C)', async () => {
    const s = new Script([{ report: report('RUNNING'), live: [], am: amStatus() }]);
    const abort = new AbortController();
    abort.abort();
    const { result } = await follow(s, { signal: abort.signal, logs: 'none' });
    expect(result.stopped).to.equal('aborted');
  });

  it('follows the application across attempts: "attempt 2 started after: <reason>", and streams the new AM', async () => {
    const AM2 = 'container_1700000000000_0042_02_000001';
    const lostNode =
      'AM Container for appattempt_1700000000000_0042_000001 exited with  exitCode: -100\n' +
      'Failing this attempt.Diagnostics: Container released on a *lost* node\nFor more detailed output, check the application tracking page';
    const s: Script = new Script([
      { report: report('RUNNING'), live: [], write: (): void => s.write(NM1, AM, 'stdout', 'first try\n') },
      // Attempt 1 is gone; attempt 2 waits for its container (the report still names the old one).
      { report: report('ACCEPTED', { amContainerLogs: `${NM1}/node/containerlogs/${AM}/alice` }), live: [] },
      {
        report: report('RUNNING', { amContainerLogs: `${NM2}/node/containerlogs/${AM2}/alice` }),
        live: [],
        write: (): void => s.write(NM2, AM2, 'stdout', 'second try\n'),
      },
      { report: report('FINISHED', { amContainerLogs: `${NM2}/node/containerlogs/${AM2}/alice` }), live: [] },
    ]);
    s.attempts = [
      { id: 1, attemptId: 'appattempt_1700000000000_0042_000001', startTime: 1010, finishedTime: 3000, containerId: AM, state: 'FAILED' },
      { id: 2, startTime: 3000, finishedTime: 0, containerId: AM2, state: 'RUNNING' },
    ];
    // Hadoop 3.5.0 leaves the diagnostics out of the list; the single attempt (XML) has them.
    s.diagnostics.set('appattempt_1700000000000_0042_000001', lostNode);
    const { attempts, lines } = await follow(s, { logs: 'am' });
    expect(attempts).to.deep.equal([
      "attempt 2 started after: the ApplicationMaster's container was released by the application or lost with its node " +
        '(Container released on a *lost* node)',
    ]);
    // Both AMs' output: the driver's first run, then its rerun.
    expect(lines).to.deep.equal(['01 stdout first try', '01 stdout second try']);
  });

  it('says nothing about attempts when the first one runs to the end', async () => {
    const s = new Script([
      { report: report('RUNNING'), live: [] },
      { report: report('FINISHED'), live: [] },
    ]);
    const { attempts } = await follow(s, { logs: 'none' });
    expect(attempts).to.deep.equal([]);
  });

  it("puts an attempt's end into words: exit status, the NodeManager's detail, or the first line", () => {
    expect(
      attemptEndReason(
        'AM Container for appattempt_1_0001_000001 exited with  exitCode: 137\nFailing this attempt.Diagnostics: ' +
          '[2026-12-03 18:00:00.000]Exception from container-launch.\nContainer id: container_1_0001_01_000001\nExit code: 137',
      ),
    ).to.equal("the ApplicationMaster's container was killed by SIGKILL (exit 137)");
    expect(attemptEndReason('Attempt recovered after RM restart')).to.equal('Attempt recovered after RM restart');
    expect(attemptEndReason(undefined)).to.match(/gives no reason/);
  });

  describe('a ResourceManager that stops answering (a restart)', () => {
    /** Follows with `application()` answering from `answers` in turn (an Error is thrown), then FINISHED. */
    async function followThrough(answers: (AppReport | Error)[]) {
      const s = new Script([{ report: report('FINISHED'), live: [] }]);
      const rm = s.rm();
      const finished = rm.application.bind(rm);
      let call = 0;
      rm.application = async (id: string) => {
        const a = answers[call++];
        if (a instanceof Error) throw a;
        return a ?? finished(id);
      };
      const notes: string[] = [];
      let clock = 2000;
      const follower = new ApplicationFollower(
        {
          rm,
          nm: s.nm(),
          nodes: new NodeDirectory(rm, s.nm()),
          fetchStatus: async () => undefined,
          sleep: async (ms) => void (clock += ms),
          now: () => clock,
        },
        APP,
        { logs: 'none', pollMs: 60_000 },
        { onNote: (m) => notes.push(m) },
      );
      return { run: follower.run(), notes };
    }
    const refused = () => new ConnectionError('application x: cannot reach http://rm:8088 (ECONNREFUSED)');

    it('keeps following while it is unreachable, then does not know the application yet (recovering), to the end', async () => {
      const { run, notes } = await followThrough([
        report('RUNNING'),
        refused(),
        refused(),
        new NotFoundError('application x: not found'),
        report('RUNNING'),
      ]);
      expect((await run).report.state).to.equal('FINISHED');
      expect(notes).to.deep.equal([
        `the ResourceManager does not answer (application x: cannot reach http://rm:8088 (ECONNREFUSED)); still following ${APP}`,
        'the ResourceManager answers again (after 180 s)',
      ]);
    });

    it(`gives up after ${RM_OUTAGE_MAX_MS / 60_000} min, and at once on an unknown application it never reported`, async () => {
      const long = await followThrough([report('RUNNING'), ...Array.from({ length: 17 }, refused)]);
      await long.run.then(
        () => expect.fail('followed past the outage budget'),
        (err: unknown) => expect(err).to.be.instanceOf(ConnectionError),
      );
      const unknown = await followThrough([new NotFoundError('application x: not found')]);
      await unknown.run.then(
        () => expect.fail('followed an unknown application'),
        (err: unknown) => expect(err).to.be.instanceOf(NotFoundError),
      );
      expect(unknown.notes).to.deep.equal([]);
    });
  });

  it('finds the AM container in the report', () => {
    expect(amContainerOf(report('RUNNING'))).to.deep.equal({ containerId: AM, node: NM1 });
    expect(amContainerOf(report('ACCEPTED'))).to.equal(undefined);
  });
});
