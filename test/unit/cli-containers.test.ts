import { expect } from 'chai';
import { formatContainerListEntry, type AmStatus } from '../../protocols/am-status/index.js';
import { NmRestClient, type NmHttpRequest, type NmHttpResponse } from '../../protocols/nm-rest/index.js';
import type { AppAttempt, NodeReport, RmRestClient } from '../../protocols/rm-rest/index.js';
import { discoverContainers, NodeDirectory } from '../../client/containers.js';

const APP = 'application_1700000000000_0042';
const AM = 'container_1700000000000_0042_01_000001';
const W2 = 'container_1700000000000_0042_01_000002';
const W3 = 'container_1700000000000_0042_01_000003';
const TRACKING = `http://rm:8088/proxy/${APP}/`;

/** Two NodeManagers (nm1, nm2) whose log files are `files` ("node cid" -> file -> content); the AM ran on nm1. */
function cluster(files: Record<string, Record<string, string>>) {
  const requests: string[] = [];
  const rm = {
    attempts: async (): Promise<AppAttempt[]> => [
      { id: 1, startTime: 1, finishedTime: 0, containerId: AM, nodeHttpAddress: 'nm1:8042', nodeId: 'nm1:45454' },
    ],
    containers: async () => [],
    nodes: async (): Promise<NodeReport[]> =>
      ['nm1', 'nm2'].map((h) => ({
        ...{ id: `${h}:45454`, rack: '/r', state: 'RUNNING', nodeHostName: h, nodeHttpAddress: `${h}:8042`, lastHealthUpdate: 0 },
        ...{ version: '3.5.0', healthReport: '', numContainers: 0, usedMemoryMb: 0, availMemoryMb: 0, usedVcores: 0, availableVcores: 0 },
      })),
  } as unknown as RmRestClient;
  const nm = new NmRestClient({
    transport: async (req: NmHttpRequest): Promise<NmHttpResponse> => {
      const url = new URL(req.url);
      requests.push(`${url.hostname}${url.pathname}`);
      const parts = url.pathname.split('/');
      const byName = files[`${url.hostname} ${parts.at(-2)}`];
      if (url.pathname.endsWith('/logs')) {
        const containerLogInfo = Object.entries(byName ?? {}).map(([fileName, t]) => ({ fileName, fileSize: Buffer.byteLength(t) }));
        const body = JSON.stringify({ containerLogsInfo: { logAggregationType: 'LOCAL', containerLogInfo } });
        return { status: 200, headers: {}, body: Buffer.from(body) };
      }
      const name = parts.at(-1)!;
      const text = byName?.[name];
      if (text === undefined) return { status: 404, headers: {}, body: Buffer.from(`Can not find ${name}`) };
      const body = `LogType:${name}\nLogLength:${Buffer.byteLength(text)}\nLogContents:\n${text}End of LogType:${name}.\n`;
      return { status: 200, headers: {}, body: Buffer.from(body) };
    },
  });
  return { deps: { rm, nm, nodes: new NodeDirectory(rm, nm) }, requests };
}

const list = (...lines: Parameters<typeof formatContainerListEntry>[0][]): string => lines.map(formatContainerListEntry).join('');

describe('discoverContainers', () => {
  it("reads a finished application's containers from the AM's containers.jsonl, not its stderr", async () => {
    const { deps, requests } = cluster({
      [`nm1 ${AM}`]: {
        stderr: 'nothing to see\n',
        'containers.jsonl': list(
          { event: 'started', containerId: W2, node: 'nm2:45454', nodeHttpAddress: 'nm2:8042', at: 1 },
          { event: 'ended', containerId: W2, node: 'nm2:45454', nodeHttpAddress: 'nm2:8042', exitStatus: 0, at: 2 },
        ),
      },
    });
    const found = await discoverContainers(deps, { appId: APP, running: false });
    expect(found.map((c) => [c.containerId, c.node, c.nodeId, c.am ?? false])).to.deep.equal([
      [AM, 'http://nm1:8042', 'nm1:45454', true],
      [W2, 'http://nm2:8042', 'nm2:45454', false],
    ]);
    expect(requests.filter((r) => r.endsWith('/stderr'))).to.deep.equal([]);
  });

  it('asks the running AM for its containers', async () => {
    const { deps, requests } = cluster({});
    const status: AmStatus = {
      appId: APP,
      name: 'x',
      state: 'running',
      timeline: {},
      events: [],
      launched: [{ containerId: W3, node: 'nm2:45454', nodeHttpAddress: 'nm2:8042', at: 5 }],
    };
    const asked: string[] = [];
    const fetchStatus = async (url: string): Promise<AmStatus> => {
      asked.push(url);
      return status;
    };
    const found = await discoverContainers({ ...deps, fetchStatus }, { appId: APP, running: true, trackingUrl: TRACKING });
    expect(asked).to.deep.equal([TRACKING]);
    expect(found.map((c) => [c.containerId, c.node])).to.deep.equal([
      [AM, 'http://nm1:8042'],
      [W3, 'http://nm2:8042'],
    ]);
    expect(requests).to.deep.equal([]);
  });

  it('falls back to scraping the stderr of an AM of an older version, which kept no list', async () => {
    const { deps } = cluster({
      [`nm1 ${AM}`]: { stderr: `started ${W2} on nm2:45454\n${W2} on nm2: container exited normally (exit status 0)\n` },
      [`nm2 ${W2}`]: { stdout: 'hi\n' },
    });
    const found = await discoverContainers(deps, { appId: APP, running: false });
    expect(found.map((c) => [c.containerId, c.node])).to.deep.equal([
      [AM, 'http://nm1:8042'],
      [W2, 'http://nm2:8042'],
    ]);
  });
});
