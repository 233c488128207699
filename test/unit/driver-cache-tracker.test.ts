import { expect } from 'chai';
import { CacheTracker, executorLocality } from '../../appmaster/driver/index.js';

describe('cache tracker (which executor holds which cached partition)', () => {
  const block = (nodeId: number, partition: number, bytes = 100) => ({ nodeId, partition, bytes });

  it('records the executors holding each partition of a persisted dataset, and ignores datasets not persisted', () => {
    const t = new CacheTracker();
    t.persist(3, 'MEMORY_AND_DISK');
    t.add('1', [block(3, 0), block(3, 1)]);
    t.add('2', [block(3, 1), block(9, 0)]);
    t.add('2', [block(3, 1)]);
    expect(t.holders(3, 0)).to.deep.equal(['1']);
    expect(t.holders(3, 1)).to.deep.equal(['1', '2']);
    expect(t.holders(3, 2)).to.deep.equal([]);
    expect(t.holders(9, 0), 'dataset 9 is not persisted').to.deep.equal([]);
    expect(t.level(3)).to.equal('MEMORY_AND_DISK');
    expect(t.level(9)).to.equal(undefined);
    expect([...t.blocksPerExecutor()]).to.deep.equal([
      ['1', { blocks: 2, bytes: 200 }],
      ['2', { blocks: 1, bytes: 100 }],
    ]);
  });

  it('forgets every block of a lost executor, keeping the other holders', () => {
    const t = new CacheTracker();
    t.persist(3, 'MEMORY_AND_DISK');
    t.persist(4, 'DISK_ONLY');
    t.add('1', [block(3, 0), block(3, 1), block(4, 0)]);
    t.add('2', [block(3, 1)]);
    expect(t.holdsBlocks('1')).to.equal(true);
    expect(t.removeExecutor('1')).to.equal(3);
    expect(t.holdsBlocks('1')).to.equal(false);
    expect(t.holdsBlocks('2')).to.equal(true);
    expect(t.holders(3, 0)).to.deep.equal([]);
    expect(t.holders(3, 1)).to.deep.equal(['2']);
    expect(t.holders(4, 0)).to.deep.equal([]);
    expect(t.removeExecutor('1'), 'a second loss finds nothing').to.equal(0);
    expect(t.removeExecutor('7'), 'an executor that never held anything').to.equal(0);
    expect(t.level(3), 'the dataset stays persisted: lost partitions are kept again when recomputed').to.equal('MEMORY_AND_DISK');
  });

  it('unpersist forgets the dataset and its blocks, names the executors that held them, and leaves other datasets', () => {
    const t = new CacheTracker();
    t.persist(3, 'MEMORY_AND_DISK');
    t.persist(5, 'MEMORY_AND_DISK');
    t.add('1', [block(3, 0)]);
    t.add('2', [block(3, 1), block(5, 0)]);
    expect(t.unpersist(3).sort()).to.deep.equal(['1', '2']);
    expect(t.level(3)).to.equal(undefined);
    expect(t.holders(3, 0)).to.deep.equal([]);
    expect(t.holdsBlocks('1')).to.equal(false);
    expect(t.holdsBlocks('2'), 'still holds a block of dataset 5').to.equal(true);
    expect(t.holders(5, 0)).to.deep.equal(['2']);
    t.add('1', [block(3, 0)]);
    expect(t.holders(3, 0), 'a late report of an unpersisted dataset is ignored').to.deep.equal([]);
    expect(t.unpersist(3)).to.deep.equal([]);
  });

  it('gives each executor a locality name no host can have', () => {
    expect(executorLocality('4')).to.equal('executor 4');
    expect(executorLocality('4')).to.not.equal(executorLocality('40'));
  });
});
