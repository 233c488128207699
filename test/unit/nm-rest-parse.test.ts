import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectionError, NotFoundError, ProtocolError } from '../../protocols/errors/index.js';
import {
  NmRestClient,
  nodeBaseUrl,
  parseLogEnvelope,
  parseLogListing,
  parseNmContainer,
  type NmHttpRequest,
  type NmHttpResponse,
} from '../../protocols/nm-rest/index.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'nm-rest');
const bytes = (name: string): Buffer => readFileSync(join(fixtures, name));
const json = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

const CID = 'container_1795529466623_0015_01_000002';
const RUNNING_STDOUT = 'line one\nzwei: äö\nEnd of LogType:stdout in the middle\n';
const FINISHED_STDOUT = `${RUNNING_STDOUT}after\n`;

/** An envelope as the NodeManager writes it around `content` (the whole file being `file`). */
function envelope(content: Buffer, fileLength: number, name = 'stdout', running = false): Buffer {
  const head = `Container: ${CID} on localhost:45451\nLogAggregationType: LOCAL\n${'='.repeat(68)}\nLogType:${name}\nLogLastModifiedTime:Tue Nov 24 14:21:20 +0000 2026\nLogLength:${fileLength}\nLogContents:\n`;
  const note = running ? `This log file belongs to a running container (${CID}) and so may not be complete.` : '';
  return Buffer.concat([Buffer.from(head), content, Buffer.from(`End of LogType:${name}.${note}\n${'*'.repeat(71)}\n\n`)]);
}

describe('nm-rest parsers (real Hadoop 3.5.0 answers)', () => {
  it('reads the log listing of the container on its own NodeManager', () => {
    const l = parseLogListing(json('container-logs-running.json'), CID);
    expect(l.aggregationType).to.equal('LOCAL');
    expect(l.nodeId).to.equal('localhost:45451');
    const names = l.files.map((f) => f.name).sort();
    expect(names).to.include.members(['stdout', 'stderr', 'launch_container.sh', 'prelaunch.err']);
    expect(l.files.find((f) => f.name === 'stdout')!.size).to.equal(56);
    expect(l.files.find((f) => f.name === 'stderr')!.size).to.equal(4);
  });

  it('reads an empty listing from a NodeManager that never ran the container', () => {
    const l = parseLogListing(json('container-logs-other-node.json'), CID);
    expect(l.files).to.deep.equal([]);
    expect(l.nodeId).to.equal('localhost:45452');
  });

  it('accepts a list of listings (local and aggregated), local files first', () => {
    const l = parseLogListing(
      [
        { containerLogsInfo: { logAggregationType: 'LOCAL', containerLogInfo: [{ fileName: 'stdout', fileSize: '5' }] } },
        {
          containerLogsInfo: {
            logAggregationType: 'AGGREGATED',
            containerLogInfo: [
              { fileName: 'stdout', fileSize: '9' },
              { fileName: 'stderr', fileSize: 2 },
            ],
          },
        },
      ],
      CID,
    );
    expect(l.aggregationType).to.equal('LOCAL');
    expect(l.files).to.deep.equal([
      { name: 'stdout', size: 5, lastModified: undefined },
      { name: 'stderr', size: 2, lastModified: undefined },
    ]);
  });

  it('cuts the whole file out of its envelope, even when the file contains the trailer text', () => {
    const c = parseLogEnvelope(bytes('stdout-running.txt'), 'stdout');
    expect(c.fileLength).to.equal(56);
    expect(c.start).to.equal(0);
    expect(c.data.toString('utf8')).to.equal(RUNNING_STDOUT);
    expect(c.containerRunning).to.equal(true);
    const f = parseLogEnvelope(bytes('stdout-finished.txt'), 'stdout');
    expect(f.data.toString('utf8')).to.equal(FINISHED_STDOUT);
    expect(f.containerRunning).to.equal(false);
  });

  it('places the last n bytes (size=-n) at fileLength - n', () => {
    const c = parseLogEnvelope(bytes('stdout-running-last10.txt'), 'stdout', -10);
    expect(c.data.toString('utf8')).to.equal('he middle\n');
    expect(c.start).to.equal(46);
    expect(c.fileLength).to.equal(56);
  });

  it('reads the first n bytes (size=n)', () => {
    const c = parseLogEnvelope(bytes('stdout-running-first7.txt'), 'stdout', 7);
    expect(c.data.toString('utf8')).to.equal('line on');
    expect(c.start).to.equal(0);
  });

  it('asks for more bytes than the file has: gets the file', () => {
    const c = parseLogEnvelope(envelope(Buffer.from('abc'), 3), 'stdout', -100);
    expect(c.data.toString()).to.equal('abc');
    expect(c.start).to.equal(0);
  });

  it('rejects an answer without the envelope header', () => {
    expect(() => parseLogEnvelope(Buffer.from('HTTP 404 Not Found'), 'stdout')).to.throw(ProtocolError, /LogLength/);
  });

  it('reads a container report', () => {
    const r = parseNmContainer(json('container-running.json'));
    expect(r.id).to.equal(CID);
    expect(r.state).to.equal('RUNNING');
    expect(r.exitCode).to.equal(-1000);
    expect(r.memoryMb).to.equal(256);
    expect(r.logFiles).to.include('stdout');
  });

  it('builds node base URLs from bare and full addresses', () => {
    expect(nodeBaseUrl('localhost:8042')).to.equal('http://localhost:8042');
    expect(nodeBaseUrl('http://localhost:8042/')).to.equal('http://localhost:8042');
    expect(nodeBaseUrl('nm:8044', 'https')).to.equal('https://nm:8044');
  });
});

/** A NodeManager serving one growing file: `versions[i]` is what the i-th read sees. */
function fakeNm(versions: Buffer[], extra: (req: NmHttpRequest) => NmHttpResponse | undefined = () => undefined) {
  const requests: string[] = [];
  let reads = 0;
  const transport = async (req: NmHttpRequest): Promise<NmHttpResponse> => {
    requests.push(req.url);
    const special = extra(req);
    if (special) return special;
    const url = new URL(req.url);
    const file = versions[Math.min(reads++, versions.length - 1)]!;
    const size = url.searchParams.get('size');
    let content = file;
    if (size !== null) {
      const n = Number(size);
      content = n < 0 ? file.subarray(Math.max(0, file.length + n)) : file.subarray(0, n);
    }
    return { status: 200, headers: {}, body: envelope(content, file.length) };
  };
  return { client: new NmRestClient({ transport, user: 'alice' }), requests };
}

describe('NmRestClient', () => {
  it('reads from an offset with one request when the file did not grow', async () => {
    const { client, requests } = fakeNm([Buffer.from('0123456789')]);
    const c = await client.readFrom('localhost:8042', CID, 'stdout', 4, 10);
    expect(c.data.toString()).to.equal('456789');
    expect(c.start).to.equal(4);
    expect(requests).to.have.length(1);
    expect(requests[0]).to.equal(`http://localhost:8042/ws/v1/node/containerlogs/${CID}/stdout?size=-6&user.name=alice`);
  });

  it('asks again when the file grew between the listing and the read', async () => {
    // listing said 10 bytes; the read sees 14, then 14 again
    const { client, requests } = fakeNm([Buffer.from('0123456789abcd'), Buffer.from('0123456789abcd')]);
    const c = await client.readFrom('localhost:8042', CID, 'stdout', 4, 10);
    expect(c.start).to.equal(4);
    expect(c.data.toString()).to.equal('456789abcd');
    expect(requests.map((u) => new URL(u).searchParams.get('size'))).to.deep.equal(['-6', '-10']);
  });

  it('reads the whole file when it keeps growing faster than we ask', async () => {
    const versions = ['0123456789ab', '0123456789abcdef', '0123456789abcdefghij', '0123456789abcdefghijkl'].map((s) => Buffer.from(s));
    const { client, requests } = fakeNm(versions);
    const c = await client.readFrom('localhost:8042', CID, 'stdout', 4, 10);
    expect(c.start).to.equal(4);
    expect(c.data.toString()).to.equal('456789abcdefghijkl');
    expect(requests.at(-1)).to.not.include('size=');
  });

  it('returns nothing without asking when nothing was appended', async () => {
    const { client, requests } = fakeNm([Buffer.from('0123')]);
    const c = await client.readFrom('localhost:8042', CID, 'stdout', 4, 4);
    expect(c.data.length).to.equal(0);
    expect(requests).to.have.length(0);
  });

  it('turns the 404 text answer and a JSON NotFoundException into NotFoundError', async () => {
    const { client } = fakeNm([], (req) =>
      req.url.includes('containerlogs')
        ? { status: 404, headers: {}, body: bytes('stdout-other-node-404.txt') }
        : { status: 404, headers: {}, body: Buffer.from(JSON.stringify(json('container-finished-404.json'))) },
    );
    const read = await client.readLog('localhost:8052', CID, 'stdout').catch((e: unknown) => e);
    expect(read).to.be.instanceOf(NotFoundError);
    expect((read as Error).message).to.match(/read stdout of container_\S+: not found on the NodeManager at http:\/\/localhost:8052/);
    const report = await client.container('localhost:8052', CID).catch((e: unknown) => e);
    expect(report).to.be.instanceOf(NotFoundError);
  });

  it('names the NodeManager and the container when it cannot be reached', async () => {
    const client = new NmRestClient({
      transport: async () => {
        throw new ConnectionError('cannot reach the NodeManager at http://nm1:8042 (ECONNREFUSED)', { server: 'http://nm1:8042' });
      },
    });
    const err = await client.logFiles('nm1:8042', CID).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.equal(`list logs of ${CID}: cannot reach the NodeManager at http://nm1:8042 (ECONNREFUSED)`);
    expect((err as ConnectionError).containerId).to.equal(CID);
  });
});
