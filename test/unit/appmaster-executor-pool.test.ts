import { expect } from 'chai';
import { ExecutorPool, type ExecutorEvent } from '../../appmaster/executor-pool.js';
import { Launches } from '../../appmaster/launches.js';
import { createCredentials, serializeCredentials } from '../../protocols/credentials/index.js';
import { EXECUTOR_BUNDLE_FILE, makeJobSpec } from '../../protocols/job-spec/index.js';
import { parseAppAttemptId, type AllocateRequest, type AllocateResult, type ContainerGrant } from '../../protocols/yarn/index.js';

import { fakeGrant } from './fake-grant.js';

const attempt = parseAppAttemptId('appattempt_1700000000000_0001_000001');

function grant(seq: number, host: string, port: number): ContainerGrant {
  return fakeGrant(attempt, seq, host, port);
}

function answer(over: Partial<AllocateResult> = {}): AllocateResult {
  return { responseId: 1, numClusterNodes: 2, allocated: [], completed: [], nmTokens: [], ...over } as AllocateResult;
}

/** The executor pool over a scripted RM: what each allocate request carried, what the driver was told. */
function pool(answers: AllocateResult[]) {
  const requests: AllocateRequest[] = [];
  const events: ExecutorEvent[] = [];
  const logs: string[] = [];
  const resource = { url: 'hdfs://nn:8020/x', size: 1, timestamp: 1, type: 'file' as const, visibility: 'application' as const };
  const p = new ExecutorPool({
    job: makeJobSpec({
      executors: 2,
      executorMemoryMb: 256,
      executorVcores: 1,
      executorHeapMb: 200,
      localResources: { [EXECUTOR_BUNDLE_FILE]: resource },
    }),
    jobBundle: 'spindle-job.mjs',
    rm: {
      allocate: async (r) => {
        requests.push({ ...r, responseId: 0 });
        return answers[Math.min(requests.length - 1, answers.length - 1)]!;
      },
    },
    launches: new Launches({ launcher: { launch: async () => {} }, wake: () => {}, log: () => {} }),
    containerTokens: () => serializeCredentials(createCredentials()),
    secret: Buffer.alloc(32, 1),
    driverHost: 'am-host',
    onEvent: (e) => events.push(e),
    log: (m) => logs.push(m),
  });
  return { p, requests, events, logs };
}

describe('appmaster executor pool: nodes the driver excluded', () => {
  it('tells the driver the node of each executor, and asks YARN to avoid excluded nodes, then no longer', async () => {
    const { p, requests, events, logs } = pool([answer({ allocated: [grant(2, 'a', 8041), grant(3, 'b', 8041)] }), answer()]);
    p.setDriverPort(4000);
    p.request(2);
    await p.tick(0);
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => e.type === 'executor-launched' && e.node)).to.deep.equal(['a:8041', 'b:8041']);
    p.excludeNodes(['b:8041']);
    await p.tick(0);
    expect(requests[1]).to.include({ progress: 0 });
    expect(requests[1]!.blacklistAdditions).to.deep.equal(['b', 'b:8041']);
    expect(requests[1]).to.not.have.property('blacklistRemovals');
    await p.tick(0);
    expect(requests[2], 'sent once').to.not.have.property('blacklistAdditions');
    p.excludeNodes([]);
    await p.tick(0);
    expect(requests[3]!.blacklistRemovals).to.deep.equal(['b', 'b:8041']);
    expect(logs).to.deep.equal(['nodes to avoid (excluded by the driver): b:8041', 'nodes to avoid (excluded by the driver): none']);
  });

  it('fails the job when every node of the cluster is excluded while an executor is wanted', async () => {
    const { p } = pool([answer({ allocated: [grant(2, 'a', 8041)] }), answer()]);
    p.setDriverPort(4000);
    p.request(2);
    const first = await p.tick(0);
    expect(first.failure).to.equal(undefined);
    p.excludeNodes(['a:8041']);
    expect((await p.tick(0)).failure, 'one of 2 nodes').to.equal(undefined);
    p.excludeNodes(['a:8041', 'b:8041']);
    expect((await p.tick(0)).failure).to.equal(
      'every node of the cluster is excluded after repeated task failures (a:8041, b:8041), so no executor can start',
    );
  });
});

describe('appmaster executor pool: dynamic allocation', () => {
  it('releases the containers of executors the driver gives back, asks for none in their place, and reports no loss', async () => {
    const c2 = grant(2, 'a', 8041);
    const c3 = grant(3, 'b', 8041);
    const released = { containerId: c3.id, state: 'complete', exitStatus: -100, diagnostics: 'released', executionType: 'guaranteed' };
    const { p, requests, events } = pool([answer({ allocated: [c2, c3] }), answer(), answer({ completed: [released] as never })]);
    p.setDriverPort(4000);
    p.request(2);
    await p.tick(0);
    await new Promise((r) => setImmediate(r));
    const launched = events.filter((e) => e.type === 'executor-launched').map((e) => e.executorId);
    expect(launched).to.deep.equal(['1', '2']);
    p.release(['2'], 1);
    await p.tick(0);
    expect(requests[1]!.releases.map((id) => id.text)).to.deep.equal([c3.id.text]);
    expect(requests[1]!.asks, 'no replacement asked for').to.deep.equal([]);
    await p.tick(0);
    expect(
      events.filter((e) => e.type === 'executor-lost'),
      'a released executor is not lost',
    ).to.deep.equal([]);
    expect(p.allocator.counts()).to.include({ target: 1, pending: 0, failed: 0, lost: 0 });
  });
});
