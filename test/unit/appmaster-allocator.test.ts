import { expect } from 'chai';
import { Allocator, ASK_TAG } from '../../appmaster/allocator.js';
import { createToken } from '../../protocols/credentials/index.js';
import { makeContainerId, parseAppAttemptId, type ContainerCompletion, type ContainerGrant } from '../../protocols/yarn/index.js';

const attempt = parseAppAttemptId('appattempt_1700000000000_0001_000001');
let seq = 1;

function grant(over: Partial<ContainerGrant> = {}): ContainerGrant {
  seq += 1;
  return {
    id: makeContainerId(attempt, 0, seq),
    nodeId: { host: 'node-a', port: 45451 },
    nodeHttpAddress: 'node-a:8042',
    resource: { memoryMb: 256, vcores: 1 },
    priority: 1,
    allocationRequestId: ASK_TAG,
    executionType: 'guaranteed',
    containerToken: createToken({ identifier: Buffer.from('id'), password: Buffer.from('pw'), kind: 'ContainerToken', service: '' }),
    ...over,
  };
}

function done(g: ContainerGrant, exitStatus: number, diagnostics = ''): ContainerCompletion {
  return { containerId: g.id, state: 'complete', exitStatus, diagnostics, executionType: 'guaranteed' };
}

describe('appmaster allocator', () => {
  const shell = { resource: { memoryMb: 256, vcores: 1 }, maxFailures: 0, replaceSucceeded: false };

  it('asks once for the target, tagged, and sends nothing while the count is unchanged', () => {
    const a = new Allocator(shell);
    a.setTarget(4);
    const asks = a.takeAsks();
    expect(asks).to.have.length(1);
    expect(asks[0]).to.include({ count: 4, allocationRequestId: ASK_TAG, priority: 1, resourceName: '*', relaxLocality: true });
    expect(asks[0]!.resource).to.deep.equal({ memoryMb: 256, vcores: 1 });
    expect(a.takeAsks()).to.deep.equal([]);
  });

  it('matches grants to the ask without re-sending the count the RM already lowered', () => {
    const a = new Allocator(shell);
    a.setTarget(3);
    a.takeAsks();
    const g = [grant(), grant()];
    expect(a.onAllocated(g)).to.deep.equal(g);
    expect(a.counts()).to.include({ pending: 1, launching: 2 });
    expect(a.takeAsks(), 'RM already knows 1 is outstanding').to.deep.equal([]);
    expect(a.takeReleases()).to.deep.equal([]);
  });

  it('releases surplus grants and grants nobody asked for', () => {
    const a = new Allocator(shell);
    a.setTarget(1);
    a.takeAsks();
    const wanted = grant();
    const surplus = grant();
    const foreign = grant({ allocationRequestId: 99 });
    expect(a.onAllocated([wanted, surplus, foreign])).to.deep.equal([wanted]);
    expect(a.takeReleases().map((id) => id.text)).to.deep.equal([surplus.id.text, foreign.id.text]);
    expect(a.takeReleases()).to.deep.equal([]);
  });

  it('ignores a grant reported twice', () => {
    const a = new Allocator(shell);
    a.setTarget(2);
    const g = grant();
    expect(a.onAllocated([g])).to.have.length(1);
    expect(a.onAllocated([g])).to.have.length(0);
    expect(a.counts().launching).to.equal(1);
  });

  it('is done when every run-once container succeeded', () => {
    const a = new Allocator(shell);
    a.setTarget(2);
    const g = [grant(), grant()];
    a.onAllocated(g);
    for (const x of g) a.onStarted(x.id.text);
    expect(a.counts().running).to.equal(2);
    a.onCompleted([done(g[0]!, 0)]);
    expect(a.isDone()).to.equal(false);
    a.onCompleted([done(g[1]!, 0)]);
    expect(a.isDone()).to.equal(true);
    expect(a.failureReason()).to.equal(undefined);
    expect(a.takeAsks(), 'nothing more wanted').to.deep.equal([{ ...a.allAsks()[0]!, count: 0 }]);
  });

  it('fails on the first failed container when no failures are allowed, naming container, node and exit code', () => {
    const a = new Allocator(shell);
    a.setTarget(2);
    const [g1] = a.onAllocated([grant()]);
    const events = a.onCompleted([done(g1!, 3, 'Exception from container-launch')]);
    expect(events[0]!.classification.kind).to.equal('failed');
    const reason = a.failureReason();
    expect(reason).to.include(g1!.id.text);
    expect(reason).to.include('node-a');
    expect(reason).to.match(/exit status 3\b/);
  });

  it('replaces failed containers while under the limit, then fails', () => {
    const a = new Allocator({ ...shell, maxFailures: 1 });
    a.setTarget(1);
    a.takeAsks();
    const [g1] = a.onAllocated([grant()]);
    a.onCompleted([done(g1!, 1)]);
    expect(a.failureReason()).to.equal(undefined);
    expect(a.takeAsks()[0]!.count, 'a replacement is asked for').to.equal(1);
    const [g2] = a.onAllocated([grant()]);
    a.onCompleted([done(g2!, 1)]);
    expect(a.failureReason()).to.match(/^2 container failure\(s\), more than the 1 allowed/);
  });

  it('re-requests containers lost to preemption or node loss without counting them as failures', () => {
    const a = new Allocator(shell);
    a.setTarget(2);
    a.takeAsks();
    const g = a.onAllocated([grant(), grant()]);
    a.onCompleted([done(g[0]!, -102, 'preempted'), done(g[1]!, -100, 'node lost')]);
    expect(a.failureReason()).to.equal(undefined);
    expect(a.counts()).to.include({ lost: 2, failed: 0, pending: 2 });
    expect(a.takeAsks()[0]!.count).to.equal(2);
  });

  it('counts a memory kill as a failure', () => {
    const a = new Allocator(shell);
    a.setTarget(1);
    const [g] = a.onAllocated([grant()]);
    const [event] = a.onCompleted([done(g!, -104, 'Container is running beyond physical memory limits')]);
    expect(event!.classification.countsAsFailure).to.equal(true);
    expect(a.failureReason()).to.match(/memory/);
  });

  it('counts a launch failure and releases the container', () => {
    const a = new Allocator({ ...shell, maxFailures: 3 });
    a.setTarget(1);
    const [g] = a.onAllocated([grant()]);
    const event = a.onLaunchFailed(g!.id.text, 'NodeManager refused');
    expect(event!.classification.description).to.include('NodeManager refused');
    expect(a.takeReleases().map((id) => id.text)).to.deep.equal([g!.id.text]);
    expect(a.counts()).to.include({ failed: 1, pending: 1 });
  });

  it('keeps long-running executors at the target, replacing ones that exit 0', () => {
    const a = new Allocator({ ...shell, replaceSucceeded: true, maxFailures: 5 });
    a.setTarget(2);
    a.takeAsks();
    const g = a.onAllocated([grant(), grant()]);
    a.onCompleted([done(g[0]!, 0)]);
    expect(a.isDone()).to.equal(false);
    expect(a.takeAsks()[0]!.count).to.equal(1);
  });

  it('gives back a container it was told to release: no replacement, and its end is neither a failure nor a loss', () => {
    const a = new Allocator({ ...shell, replaceSucceeded: true });
    a.setTarget(3);
    a.takeAsks();
    const g = a.onAllocated([grant(), grant(), grant()]);
    a.setTarget(2);
    expect(a.release(g[1]!.id.text)).to.equal(true);
    expect(a.release(g[1]!.id.text), 'only once').to.equal(false);
    expect(a.takeReleases().map((id) => id.text)).to.deep.equal([g[1]!.id.text]);
    expect(a.takeAsks(), 'nothing asked for in its place').to.deep.equal([]);
    const [event] = a.onCompleted([done(g[1]!, -100, 'Container released by application')]);
    expect(event!.classification).to.include({ countsAsFailure: false, description: 'was given back to YARN (no longer needed)' });
    expect(a.counts()).to.include({ target: 2, running: 0, launching: 2, pending: 0, failed: 0, lost: 0, succeeded: 0 });
    expect(a.failureReason()).to.equal(undefined);
    expect(a.takeAsks()).to.deep.equal([]);
  });

  it('re-sends the full ask table after a resync even when unchanged', () => {
    const a = new Allocator(shell);
    a.setTarget(3);
    a.takeAsks();
    expect(a.allAsks()[0]!.count).to.equal(3);
  });

  it('rejects nonsense options and targets', () => {
    expect(() => new Allocator({ ...shell, maxFailures: -1 })).to.throw(RangeError, /maxFailures/);
    expect(() => new Allocator(shell).setTarget(1.5)).to.throw(RangeError, /target/);
  });
  describe('nodes to avoid (the allocate request blacklist)', () => {
    const onNode = (host: string, port: number): ContainerGrant => grant({ nodeId: { host, port } });

    it('sends only changes: additions once, removals when the driver lifts an exclusion', () => {
      const a = new Allocator(shell);
      a.setTarget(2);
      a.onAllocated([onNode('h1', 8041), onNode('h2', 8041)]);
      expect(a.takeBlacklist()).to.deep.equal({ additions: [], removals: [] });
      a.setExcludedNodes(['h2:8041']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: ['h2', 'h2:8041'], removals: [] });
      expect(a.takeBlacklist(), 'nothing changed').to.deep.equal({ additions: [], removals: [] });
      a.setExcludedNodes(['h1:8041', 'h2:8041']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: ['h1', 'h1:8041'], removals: [] });
      a.setExcludedNodes(['h1:8041']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: [], removals: ['h2', 'h2:8041'] });
      expect(a.excludedNodes()).to.deep.equal(['h1:8041']);
    });

    it('names the host too only when every node seen on it is excluded (NodeManagers sharing a host)', () => {
      const a = new Allocator(shell);
      a.setTarget(2);
      a.onAllocated([onNode('localhost', 8041), onNode('localhost', 8051)]);
      a.setExcludedNodes(['localhost:8051']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: ['localhost:8051'], removals: [] });
      a.setExcludedNodes(['localhost:8041', 'localhost:8051']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: ['localhost', 'localhost:8041'], removals: [] });
      a.setExcludedNodes(['localhost:8041']);
      expect(a.takeBlacklist()).to.deep.equal({ additions: [], removals: ['localhost', 'localhost:8051'] });
    });

    it('sends the whole list again after a resync (the RM forgot it with our registration)', () => {
      const a = new Allocator(shell);
      a.setTarget(1);
      a.onAllocated([onNode('h1', 1)]);
      a.setExcludedNodes(['h1:1']);
      expect(a.takeBlacklist().additions).to.deep.equal(['h1', 'h1:1']);
      a.allAsks();
      expect(a.takeBlacklist()).to.deep.equal({ additions: ['h1', 'h1:1'], removals: [] });
      expect(a.takeBlacklist().additions).to.deep.equal([]);
    });
  });
});
