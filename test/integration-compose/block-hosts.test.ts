import { expect } from 'chai';
import { inputFixture, inputText } from './compose-helpers.js';

/**
 * What locality rests on, on a cluster of several hosts: the hosts HDFS reports for a file's blocks are
 * the names the ResourceManager gives its NodeManagers (a worker's DataNode and NodeManager share its
 * address), so that a task preferring a block's hosts can be placed on an executor there.
 */
describe('[compose] block hosts are NodeManager hosts', function () {
  this.timeout(120_000);
  const fixture = inputFixture('blockhosts');

  it('puts each block on two of the three workers, each named as its NodeManager is', async () => {
    const nodes = await fixture.h.rm.nodes({ states: ['RUNNING'] });
    const nodeHosts = new Set(nodes.map((n) => n.nodeHostName));
    expect(nodeHosts.size, 'three worker hosts').to.equal(3);
    for (const n of nodes) expect(n.id.split(':')[0], 'node id host').to.equal(n.nodeHostName);

    const blocks = await fixture.h.hdfs.getFileBlockLocations(fixture.input);
    expect(blocks.length, 'blocks of 64 KB').to.equal(Math.ceil(inputText().length / (64 * 1024)));
    const used = new Set<string>();
    for (const b of blocks) {
      expect(new Set(b.hosts).size, `replicas of the block at ${b.offset}`).to.equal(2);
      for (const host of b.hosts) {
        expect([...nodeHosts], `block at ${b.offset} on ${host}`).to.include(host);
        used.add(host);
      }
    }
    // The first replica of every block is on the DataNode WebHDFS wrote through, the second on either
    // other worker: two or three hosts in all.
    expect(used.size, 'hosts holding the blocks').to.be.at.least(2);
  });
});
