import { expect } from 'chai';
import { checkCount, type CountRequest, maxContainersAtOnce } from '../../client/capacity.js';
import { ConfigError } from '../../protocols/errors/index.js';
import type { NodeReport } from '../../protocols/rm-rest/index.js';

/** A NodeManager report with `capacityMb` of memory, `usedMb` of it in use. */
function node(capacityMb: number, state = 'RUNNING', usedMb = 0): NodeReport {
  return {
    id: `host${capacityMb}:8041`,
    nodeHostName: 'host',
    nodeHttpAddress: '',
    rack: '/default-rack',
    state,
    healthReport: '',
    lastHealthUpdate: 0,
    version: '3.4.0',
    numContainers: 0,
    usedMemoryMb: usedMb,
    availMemoryMb: capacityMb - usedMb,
    usedVcores: 0,
    availableVcores: 8,
  };
}

const executors = (count: number, memoryMb = 512, amMemoryMb = 512): CountRequest => ({
  option: '--executors',
  count,
  noun: 'executor',
  memoryMb,
  sizeOption: '--executor-memory',
  amMemoryMb,
  amNoun: 'driver',
});

describe('counts bounded by what the cluster can grant', () => {
  describe('maxContainersAtOnce', () => {
    it('packs node by node: two 6 GB nodes hold two 4 GB containers, not three', () => {
      expect(maxContainersAtOnce([6144, 6144], 4096, 128)).to.equal(2);
      // The totals alone (12288 / 4096 = 3) would have promised one that can never run.
      expect(maxContainersAtOnce([12288], 4096, 128)).to.equal(2);
    });
    it('puts the AM where it displaces the fewest containers', () => {
      // 1000 MB containers: the 2500 MB node has 500 MB spare, where a 512 MB AM costs one; on the
      // 2000 MB node it also costs one. A 400 MB AM fits in the spare 500 MB and costs none.
      expect(maxContainersAtOnce([2000, 2500], 1000, 512)).to.equal(3);
      expect(maxContainersAtOnce([2000, 2500], 1000, 400)).to.equal(4);
    });
    it('judges the count alone when no node holds the AM', () => {
      expect(maxContainersAtOnce([1024, 1024], 256, 4096)).to.equal(8);
    });
    it('is 0 when no container fits on any node', () => {
      expect(maxContainersAtOnce([1024, 1024], 2048, 256)).to.equal(0);
    });
  });

  describe('checkCount', () => {
    const cluster = [node(6144), node(6144)];
    it('accepts what the running nodes hold at once beside the driver', () => {
      // (6144 / 512) x 2 = 24, less one for the 512 MB driver.
      expect(() => checkCount(executors(23), cluster)).to.not.throw();
    });
    it('refuses one more, naming the option, the value, the limit and the fix', () => {
      expect(() => checkCount(executors(24), cluster)).to.throw(
        ConfigError,
        '--executors 24: this cluster can run at most 23 executors of 512 MB at once beside the 512 MB driver ' +
          '(2 running nodes, 12288 MB in all); lower --executors to 23 or fewer, or make --executor-memory smaller',
      );
    });
    it('counts memory in use as capacity (running applications end), and only RUNNING nodes', () => {
      expect(() => checkCount(executors(23), [node(6144, 'RUNNING', 6000), node(6144)])).to.not.throw();
      expect(() => checkCount(executors(12), [node(6144, 'LOST'), node(6144, 'UNHEALTHY'), node(6144)])).to.throw(
        ConfigError,
        /at most 11 executors .* \(1 running node, 6144 MB in all\)/,
      );
    });
    it('says to make containers smaller when not even one fits', () => {
      expect(() => checkCount(executors(1, 8192), cluster)).to.throw(
        ConfigError,
        /at most 0 executors of 8192 MB .*; make --executor-memory smaller$/,
      );
    });
    it('refuses nothing without a running node (it cannot be known) or for a count of 0', () => {
      expect(() => checkCount(executors(1_000_000), [])).to.not.throw();
      expect(() => checkCount(executors(1_000_000), [node(6144, 'LOST')])).to.not.throw();
      expect(() => checkCount(executors(0, 1_000_000), cluster)).to.not.throw();
    });
  });
});
