import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseContainers, RmRestClient, type HttpRequest } from '../../protocols/rm-rest/index.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'rm-rest');
const real = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

describe('rm-rest attempt containers', () => {
  it('reads the live containers of an attempt (real Hadoop 3.5.0 answer)', () => {
    const cs = parseContainers(real('attempt-containers.json'));
    expect(cs).to.have.length(2);
    const worker = cs.find((c) => c.id.endsWith('_000002'))!;
    expect(worker).to.deep.include({
      nodeId: 'localhost:45451',
      nodeHttpAddress: 'http://localhost:8042',
      state: 'RUNNING',
      exitStatus: 0,
      allocatedMb: 256,
      allocatedVcores: 1,
      priority: 1,
      finishedTime: 0,
    });
    expect(worker.logUrl).to.match(/^http:\/\/localhost:8042\/node\/containerlogs\/container_\S+_000002\/root$/);
  });

  it('reads the empty answer of a finished application', () => {
    expect(parseContainers(real('attempt-containers-finished.json'))).to.deep.equal([]);
  });

  it('accepts a single object and a bare host:port address', () => {
    const cs = parseContainers({
      container: { containerId: 'container_1_0001_01_000002', nodeHttpAddress: 'nm:8042', nodeId: 'nm:45454' },
    });
    expect(cs.map((c) => c.nodeHttpAddress)).to.deep.equal(['http://nm:8042']);
  });

  it('asks the attempt containers path', async () => {
    const seen: HttpRequest[] = [];
    const rm = new RmRestClient({
      rmUrls: ['http://rm:8088'],
      user: 'alice',
      transport: async (req) => {
        seen.push(req);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
      },
    });
    expect(await rm.containers('application_1_0001', 'appattempt_1_0001_000001')).to.deep.equal([]);
    expect(seen[0]!.url).to.equal(
      'http://rm:8088/ws/v1/cluster/apps/application_1_0001/appattempts/appattempt_1_0001_000001/containers?user.name=alice',
    );
  });
});
