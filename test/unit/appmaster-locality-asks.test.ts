import { expect } from 'chai';
import { Allocator, ASK_TAG } from '../../appmaster/allocator.js';
import { ANY_LOCATION, DEFAULT_RACK, localityAsks, lowerOnGrant } from '../../appmaster/locality-asks.js';
import { parseAppAttemptId, type ContainerGrant, type ResourceAsk } from '../../protocols/yarn/index.js';
import { fakeGrant } from './fake-grant.js';

const attempt = parseAppAttemptId('appattempt_1700000000000_0002_000001');
let seq = 1;

function grantOn(host: string): ContainerGrant {
  seq += 1;
  return fakeGrant(attempt, seq, host);
}

const byName = (asks: ResourceAsk[]): Record<string, number> => Object.fromEntries(asks.map((a) => [a.resourceName, a.count]));

describe('locality asks', () => {
  it('is only `*` without hints, or with hints naming no host', () => {
    const base = { outstanding: 3, target: 3, tasksPerExecutor: 1, liveByHost: new Map<string, number>() };
    expect([...localityAsks(base)]).to.deep.equal([[ANY_LOCATION, 3]]);
    expect([...localityAsks({ ...base, hints: { tasks: 0, hosts: {} } })]).to.deep.equal([[ANY_LOCATION, 3]]);
  });

  it('shares the executors the tasks keep busy among their hosts in proportion, with their racks', () => {
    // 12 tasks, two replicas each over three hosts: each host preferred by 8 tasks.
    const rows = localityAsks({
      outstanding: 3,
      target: 3,
      tasksPerExecutor: 1,
      liveByHost: new Map(),
      hints: { tasks: 12, hosts: { a: 8, b: 8, c: 8 }, racks: { a: '/r1', b: '/r1', c: '/r2' } },
    });
    expect(Object.fromEntries(rows)).to.deep.equal({ [ANY_LOCATION]: 3, a: 1, b: 1, c: 1, '/r1': 2, '/r2': 1 });
  });

  it('asks every container on the one host holding all the input, in the default rack', () => {
    const rows = localityAsks({
      outstanding: 2,
      target: 2,
      tasksPerExecutor: 2,
      liveByHost: new Map(),
      hints: { tasks: 10, hosts: { a: 10 } },
    });
    expect(Object.fromEntries(rows)).to.deep.equal({ [ANY_LOCATION]: 2, a: 2, [DEFAULT_RACK]: 2 });
  });

  it('counts the executors a host already has, and asks no more than the tasks can use', () => {
    const rows = localityAsks({
      outstanding: 2,
      target: 4,
      tasksPerExecutor: 2,
      liveByHost: new Map([['a', 2]]),
      // 4 tasks on 2-core executors keep 2 executors busy: a's share is already there.
      hints: { tasks: 4, hosts: { a: 4, b: 4 } },
    });
    expect(Object.fromEntries(rows)).to.deep.equal({ [ANY_LOCATION]: 2, b: 1, [DEFAULT_RACK]: 1 });
  });

  it('lowers rows on a grant as the RM does: node-local, rack-local, or only `*`', () => {
    const rows = new Map([
      [ANY_LOCATION, 3],
      ['a', 1],
      ['/r1', 2],
    ]);
    lowerOnGrant(rows, 'a', '/r1'); // node-local
    expect(Object.fromEntries(rows)).to.deep.equal({ [ANY_LOCATION]: 2, '/r1': 1 });
    lowerOnGrant(rows, 'b', '/r1'); // rack-local
    expect(Object.fromEntries(rows)).to.deep.equal({ [ANY_LOCATION]: 1 });
    lowerOnGrant(rows, 'z', '/r9'); // off-switch
    expect(Object.fromEntries(rows)).to.deep.equal({});
  });
});

describe('appmaster allocator with locality hints', () => {
  const executors = { resource: { memoryMb: 256, vcores: 1 }, maxFailures: 3, replaceSucceeded: true };

  it('adds host and rack rows for containers not yet granted, relaxed, under the same tag', () => {
    const a = new Allocator(executors);
    a.setTarget(3);
    expect(byName(a.takeAsks())).to.deep.equal({ [ANY_LOCATION]: 3 });
    a.setLocality({ tasks: 6, hosts: { a: 6 } });
    const asks = a.takeAsks();
    expect(byName(asks), 'only the new rows: `*` is unchanged').to.deep.equal({ a: 3, [DEFAULT_RACK]: 3 });
    for (const ask of asks) expect(ask).to.include({ allocationRequestId: ASK_TAG, priority: 1, relaxLocality: true });
    expect(a.preferredHosts()).to.deep.equal([['a', 3]]);
    expect(a.takeAsks(), 'nothing changed').to.deep.equal([]);
  });

  it('follows the RM through grants, so nothing is re-sent, and cancels rows no longer wanted', () => {
    const a = new Allocator(executors);
    a.setTarget(3);
    a.setLocality({ tasks: 6, hosts: { a: 3, b: 3 } });
    expect(byName(a.takeAsks())).to.deep.equal({ [ANY_LOCATION]: 3, a: 2, b: 2, [DEFAULT_RACK]: 3 });
    // One node-local grant on a: the RM lowered a, the rack and `*`; a's share (1.5) is not yet met.
    a.onAllocated([grantOn('a')]);
    expect(byName(a.takeAsks()), 'the RM lowered its rows to what is still wanted').to.deep.equal({});
    a.onAllocated([grantOn('b')]);
    expect(byName(a.takeAsks())).to.deep.equal({});
    // The stage ended: no hints; the last container may go anywhere.
    a.setLocality(undefined);
    expect(byName(a.takeAsks())).to.deep.equal({ a: 0, b: 0, [DEFAULT_RACK]: 0 });
    expect(a.counts().pending).to.equal(1);
  });

  it('sends every row again after a resync', () => {
    const a = new Allocator(executors);
    a.setTarget(2);
    a.setLocality({ tasks: 2, hosts: { a: 2 }, racks: { a: '/r1' } });
    a.takeAsks();
    expect(byName(a.allAsks())).to.deep.equal({ [ANY_LOCATION]: 2, a: 2, '/r1': 2 });
    expect(a.takeAsks()).to.deep.equal([]);
  });
});
