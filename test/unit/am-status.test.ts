import { expect } from 'chai';
import {
  formatContainerListEntry,
  parseAmStatus,
  parseContainerList,
  type AmStatus,
  type ContainerListEntry,
} from '../../protocols/am-status/index.js';
import { classifyExit } from '../../protocols/yarn/index.js';

const CID = 'container_1700000000000_0001_01_000002';

describe('AM status document', () => {
  const served: AmStatus = {
    appId: 'application_1700000000000_0001',
    name: 'sleep',
    state: 'running',
    containers: { target: 2, pending: 0, launching: 0, running: 1, succeeded: 1, failed: 0, lost: 0 },
    timeline: { amStarted: 10, registered: 20, firstContainerRunning: 30 },
    events: [
      {
        containerId: CID,
        host: 'localhost',
        node: 'localhost:45451',
        nodeHttpAddress: 'localhost:8042',
        exitStatus: 0,
        classification: classifyExit(0),
        diagnostics: '',
      },
    ],
    launched: [{ containerId: CID, node: 'localhost:45451', nodeHttpAddress: 'localhost:8042', at: 25 }],
    job: {
      stages: [{ stageId: 0, description: 'count', tasks: 4, succeeded: 1, running: 2, failedAttempts: 0, state: 'running', records: 9 }],
      executors: [],
    },
  };

  it('reads back exactly what the AM serves', () => {
    expect(parseAmStatus(JSON.parse(JSON.stringify(served)))).to.deep.equal(served);
  });

  it('keeps what the driver adds to a stage beyond the contract (its byte counts)', () => {
    const stage = { ...served.job!.stages[0]!, bytesRead: 5 };
    expect(parseAmStatus({ ...served, job: { stages: [stage] } })!.job!.stages[0]).to.deep.equal(stage);
  });

  it('fills in what an older AM did not send', () => {
    expect(
      parseAmStatus({
        appId: 'application_1700000000000_0001',
        state: 'running',
        events: [{ containerId: CID, host: 'localhost', classification: { kind: 'success', description: 'container exited normally' } }],
      }),
    ).to.deep.equal({
      appId: 'application_1700000000000_0001',
      name: '',
      state: 'running',
      timeline: {},
      events: [
        {
          containerId: CID,
          host: 'localhost',
          exitStatus: -1000,
          classification: { kind: 'success', exitStatus: -1000, description: 'container exited normally', countsAsFailure: false },
          diagnostics: '',
        },
      ],
      launched: [],
    });
  });

  it('is not fooled by other JSON', () => {
    expect(parseAmStatus({ app: {} })).to.equal(undefined);
    expect(parseAmStatus('<html>')).to.equal(undefined);
    const minimal = { appId: '', name: '', state: 'running', timeline: {}, events: [], launched: [] };
    expect(parseAmStatus({ state: 'running' })).to.deep.equal(minimal);
    expect(parseAmStatus({ state: 'running', job: { stages: 'none' } })).to.not.have.property('job');
  });
});

describe('container list (containers.jsonl)', () => {
  const entries: ContainerListEntry[] = [
    { event: 'started', containerId: CID, node: 'localhost:45451', nodeHttpAddress: 'localhost:8042', at: 1 },
    { event: 'ended', containerId: CID, node: 'localhost:45451', nodeHttpAddress: 'localhost:8042', exitStatus: 143, at: 2 },
  ];

  it('reads back the lines the AM appends', () => {
    expect(parseContainerList(entries.map(formatContainerListEntry).join(''))).to.deep.equal(entries);
  });

  it('skips a line cut short and lines that are not entries', () => {
    const text = `${formatContainerListEntry(entries[0]!)}{"event":"started"}\n[1]\nnot json\n{"event":"ended","containerId":"c`;
    expect(parseContainerList(text)).to.deep.equal([entries[0]]);
  });

  it('reads an entry without a node as unknown exit, not as a start', () => {
    expect(parseContainerList('{"event":"started","containerId":"c1"}\n{"event":"ended","containerId":"c1"}\n')).to.deep.equal([
      { event: 'ended', containerId: 'c1', exitStatus: -1000, at: 0 },
    ]);
  });
});
