import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASK_TAG } from '../../appmaster/allocator.js';
import type { TickResult } from '../../appmaster/heartbeat.js';
import { Launches } from '../../appmaster/launches.js';
import { DriverWorkload, ShellWorkload } from '../../appmaster/workloads/index.js';
import { parseContainerList } from '../../protocols/am-status/index.js';
import type { AppSpec, ShellSpec } from '../../protocols/app-spec/index.js';
import { createToken } from '../../protocols/credentials/index.js';
import {
  makeContainerId,
  parseAppAttemptId,
  type AllocateRequest,
  type AllocateResult,
  type ContainerCompletion,
  type ContainerGrant,
  type LaunchContext,
  type RegisterResult,
} from '../../protocols/yarn/index.js';

const attempt = parseAppAttemptId('appattempt_1700000000000_0001_000001');

function grant(seq: number): ContainerGrant {
  return {
    id: makeContainerId(attempt, 0, seq),
    nodeId: { host: 'node-a', port: 45451 },
    nodeHttpAddress: 'node-a:8042',
    resource: { memoryMb: 256, vcores: 1 },
    priority: 1,
    allocationRequestId: ASK_TAG,
    executionType: 'guaranteed',
    containerToken: createToken({ identifier: Buffer.from('id'), password: Buffer.from('pw'), kind: 'ContainerToken', service: '' }),
  };
}

function exited(g: ContainerGrant, exitStatus: number): ContainerCompletion {
  return { containerId: g.id, state: 'complete', exitStatus, diagnostics: '', executionType: 'guaranteed' };
}

function answer(over: Partial<AllocateResult> = {}): AllocateResult {
  const empty = { allocated: [], completed: [], nmTokens: [], updatedNodes: [], containersFromPreviousAttempts: [] };
  return { responseId: 1, numClusterNodes: 1, ...empty, ...over };
}

const REGISTERED: RegisterResult = {
  maximumCapability: { memoryMb: 1024, vcores: 2 },
  containersFromPreviousAttempts: [],
  nmTokensFromPreviousAttempts: [],
  schedulerResourceTypes: ['memory'],
};

const SHELL: ShellSpec = { containers: 2, memoryMb: 256, vcores: 1, maxFailures: 0, localResources: {}, environment: { A: '1' } };

/** A heartbeat that ticks as fast as the tick allows, letting started launches settle between ticks. */
const heartbeat = {
  async run(tick: () => Promise<TickResult>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await tick()) === 'stop') return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('the workload never stopped');
  },
};

/**
 * A scripted ResourceManager: answer n of allocate is `answers[n]` (the last one repeats), with the
 * grant of one container per ask row count.
 */
function scriptedRm(answers: ((req: AllocateRequest) => AllocateResult)[]) {
  const requests: AllocateRequest[] = [];
  return {
    requests,
    allocate: async (req: AllocateRequest): Promise<AllocateResult> => {
      requests.push(req);
      return answers[Math.min(requests.length - 1, answers.length - 1)]!(req);
    },
  };
}

describe('appmaster shell workload', () => {
  let dir: string;
  const lines: string[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-am-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function launches(refuse: Set<string> = new Set()) {
    const started: { id: string; context: LaunchContext }[] = [];
    const launcher = {
      launch: async (g: ContainerGrant, context: LaunchContext): Promise<void> => {
        if (refuse.has(g.id.text)) throw new Error('NodeManager refused');
        started.push({ id: g.id.text, context });
      },
    };
    return { started, launches: new Launches({ launcher, logDir: dir, wake: () => {}, log: (m) => lines.push(m), now: () => 42 }) };
  }

  it('runs the command once per container and succeeds when all exited 0, recording each container', async () => {
    const [g2, g3] = [grant(2), grant(3)];
    const rm = scriptedRm([
      () => answer({ allocated: [g2, g3] }),
      () => answer(),
      () => answer({ completed: [g2, g3].map((g) => exited(g, 0)) }),
    ]);
    const { started, launches: l } = launches();
    const deps = { appId: 'application_1700000000000_0001', rm, heartbeat, launches: l, containerTokens: () => Buffer.from('t') };
    const w = new ShellWorkload(SHELL, deps);
    const outcome = await w.run(REGISTERED, new AbortController().signal);
    expect(outcome).to.deep.equal({ finalStatus: 'succeeded', diagnostics: 'all 2 container(s) exited 0' });
    expect(rm.requests[0]!.asks.map((a) => a.count)).to.deep.equal([2]);
    expect(started.map((s) => s.id)).to.deep.equal([g2.id.text, g3.id.text]);
    expect(started[0]!.context.environment).to.deep.equal({ A: '1', SPINDLE_APP_ID: 'application_1700000000000_0001' });
    expect(l.launched.map((c) => c.containerId)).to.deep.equal([g2.id.text, g3.id.text]);
    expect(w.allocator().counts()).to.include({ succeeded: 2, failed: 0 });
    const list = parseContainerList(readFileSync(join(dir, 'containers.jsonl'), 'utf8'));
    expect(list.map((e) => `${e.event} ${e.containerId.slice(-2)} ${e.node}`)).to.deep.equal([
      'started 02 node-a:45451',
      'started 03 node-a:45451',
      'ended 02 node-a:45451',
      'ended 03 node-a:45451',
    ]);
    expect(lines).to.include(`started ${g2.id.text} on node-a:45451`);
  });

  it('fails past maxFailures, counting a container the NodeManager refused', async () => {
    const g2 = grant(2);
    const rm = scriptedRm([() => answer({ allocated: [g2] }), () => answer()]);
    const { launches: l } = launches(new Set([g2.id.text]));
    const w = new ShellWorkload(
      { ...SHELL, containers: 1 },
      { appId: 'a', rm, heartbeat, launches: l, containerTokens: () => Buffer.from('t') },
    );
    const outcome = await w.run(REGISTERED, new AbortController().signal);
    expect(outcome.finalStatus).to.equal('failed');
    expect(outcome.diagnostics).to.match(
      /1 container failure\(s\), more than the 0 allowed; last: container_\S+ on node-a could not be launched: NodeManager refused$/,
    );
    expect(l.recentEnds().map((e) => e.classification.description)).to.deep.equal(['could not be launched: NodeManager refused']);
    expect(parseContainerList(readFileSync(join(dir, 'containers.jsonl'), 'utf8'))).to.deep.equal([
      { event: 'ended', containerId: g2.id.text, node: 'node-a:45451', nodeHttpAddress: 'node-a:8042', exitStatus: -1000, at: 42 },
    ]);
  });

  it('refuses containers larger than the cluster grants, before asking for any', async () => {
    const rm = scriptedRm([() => answer()]);
    const deps = { appId: 'a', rm, heartbeat, launches: launches().launches, containerTokens: () => Buffer.from('t') };
    const w = new ShellWorkload({ ...SHELL, memoryMb: 4096 }, deps);
    const outcome = await w.run(REGISTERED, new AbortController().signal);
    expect(outcome).to.deep.equal({
      finalStatus: 'failed',
      diagnostics:
        'containers of 4096 MB exceed the cluster maximum of 1024 MB (yarn.scheduler.maximum-allocation-mb); ask for less with --memory',
    });
    expect(rm.requests).to.deep.equal([]);
  });

  it('stops when the ResourceManager says so', async () => {
    const rm = scriptedRm([() => answer({ amCommand: 'shutdown' })]);
    const w = new ShellWorkload(SHELL, {
      appId: 'a',
      rm,
      heartbeat,
      launches: launches().launches,
      containerTokens: () => Buffer.from('t'),
    });
    expect(await w.run(REGISTERED, new AbortController().signal)).to.deep.equal({
      finalStatus: 'failed',
      diagnostics: 'the ResourceManager asked the AM to shutdown',
    });
  });
});

/** Ticks again only when woken (as the driver's exit does), so no test waits on a clock. */
class WakeHeartbeat {
  ticks = 0;
  private woken = false;
  private waiter: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.waiter?.();
  }

  async run(tick: () => Promise<TickResult>): Promise<void> {
    for (;;) {
      this.ticks++;
      if ((await tick()) === 'stop') return;
      if (!this.woken) await new Promise<void>((resolve) => (this.waiter = resolve));
      this.woken = false;
      this.waiter = undefined;
    }
  }
}

describe('appmaster driver workload (a plain driver program, no executors)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-driver-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function workload(source: string, rm: ReturnType<typeof scriptedRm>, heartbeat: WakeHeartbeat) {
    const script = join(dir, 'driver.mjs');
    writeFileSync(script, source);
    const launches = new Launches({ launcher: { launch: async () => {} }, wake: () => heartbeat.wake(), log: () => {} });
    const spec = {
      appId: 'application_1700000000000_0001',
      user: 'alice',
      stagingDir: '/user/alice/.spindle/application_1700000000000_0001',
      cluster: {} as AppSpec['cluster'],
    };
    const deps = { spec, rm, heartbeat, launches, host: 'localhost', childEnv: {}, containerTokens: () => Buffer.alloc(0), log: () => {} };
    return new DriverWorkload({ script, args: [], heapMb: 64, environment: {} }, undefined, deps);
  }

  it('heartbeats without asking for containers until the driver exits; its exit code and stderr decide', async () => {
    const rm = scriptedRm([() => answer()]);
    const heartbeat = new WakeHeartbeat();
    const w = workload("process.stderr.write('boom\\n'); process.exitCode = 3;", rm, heartbeat);
    const outcome = await w.run(REGISTERED, new AbortController().signal);
    expect(outcome).to.deep.equal({ finalStatus: 'failed', diagnostics: 'the driver exited with code 3; last lines of its stderr:\nboom' });
    expect(rm.requests.every((r) => r.asks.length === 0 && r.releases.length === 0)).to.equal(true);
    expect(w.allocator()).to.equal(undefined);
  });

  it('succeeds when the driver exits 0', async () => {
    const w = workload('', scriptedRm([() => answer()]), new WakeHeartbeat());
    expect(await w.run(REGISTERED, new AbortController().signal)).to.deep.equal({
      finalStatus: 'succeeded',
      diagnostics: 'the driver exited with code 0',
    });
  });

  it('stops the driver and fails when the ResourceManager says to shut down', async () => {
    const w = workload('setInterval(() => {}, 1000);', scriptedRm([() => answer({ amCommand: 'shutdown' })]), new WakeHeartbeat());
    expect(await w.run(REGISTERED, new AbortController().signal)).to.deep.equal({
      finalStatus: 'failed',
      diagnostics: 'the ResourceManager asked the AM to shutdown',
    });
  });
});
