import { expect } from 'chai';
import { heapFlags } from '../../appmaster/executor-pool.js';
import { EXECUTOR_OVERHEAD_MB, executorHeapFor, heapSizeFor, nodeOptionsFor } from '../../client/submit.js';

describe('Node memory settings for containers', () => {
  it('leaves at least 96 MB or a quarter of the container outside the old-space heap', () => {
    expect(heapSizeFor(256)).to.equal(160);
    expect(heapSizeFor(512)).to.equal(384);
    expect(heapSizeFor(1024)).to.equal(768);
    expect(heapSizeFor(4096)).to.equal(3072);
    expect(heapSizeFor(128)).to.equal(32);
    for (const mb of [160, 256, 300, 512, 777, 2048]) expect(mb - heapSizeFor(mb)).to.be.at.least(Math.min(96, mb - 32));
  });

  it('leaves executors 128 MB beside the heap (block server thread, shuffle Buffers), the same from 512 MB up', () => {
    expect(EXECUTOR_OVERHEAD_MB).to.equal(128);
    expect(executorHeapFor(256)).to.equal(128);
    expect(executorHeapFor(384)).to.equal(256);
    for (const mb of [512, 1024, 4096]) expect(executorHeapFor(mb)).to.equal(heapSizeFor(mb));
    for (const mb of [160, 256, 300, 511]) expect(mb - executorHeapFor(mb)).to.be.at.least(Math.min(128, mb - 32));
  });

  it('shrinks the young generation of small executor heaps only', () => {
    expect(heapFlags(160)).to.equal('--max-old-space-size=160 --max-semi-space-size=5');
    expect(heapFlags(32)).to.equal('--max-old-space-size=32 --max-semi-space-size=2');
    expect(heapFlags(384)).to.equal('--max-old-space-size=384 --max-semi-space-size=12');
    expect(heapFlags(768)).to.equal('--max-old-space-size=768');
  });

  it('keeps a heap limit the user set in NODE_OPTIONS', () => {
    expect(nodeOptionsFor(256)).to.equal('--max-old-space-size=160');
    expect(nodeOptionsFor(256, '--enable-source-maps')).to.equal('--enable-source-maps --max-old-space-size=160');
    expect(nodeOptionsFor(256, '--max-old-space-size=100')).to.equal('--max-old-space-size=100');
  });
});
