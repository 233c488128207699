import { expect } from 'chai';
import { NmRestClient, type NmHttpRequest, type NmHttpResponse } from '../../protocols/nm-rest/index.js';
import { ContainerLogTail, MAX_PARTIAL_LINE_BYTES } from '../../client/container-logs.js';

const CID = 'container_1700000000000_0001_01_000002';

/** A NodeManager whose files the test appends to between polls. */
class FakeNodeManager {
  readonly files = new Map<string, Buffer>();
  requests = 0;

  append(name: string, data: string | Buffer): void {
    this.files.set(name, Buffer.concat([this.files.get(name) ?? Buffer.alloc(0), Buffer.from(data)]));
  }

  client(): NmRestClient {
    return new NmRestClient({ transport: (req) => this.answer(req) });
  }

  private async answer(req: NmHttpRequest): Promise<NmHttpResponse> {
    this.requests++;
    const url = new URL(req.url);
    if (url.pathname.endsWith('/logs')) {
      const containerLogInfo = [...this.files].map(([fileName, b]) => ({ fileName, fileSize: String(b.length) }));
      return {
        status: 200,
        headers: {},
        body: Buffer.from(JSON.stringify({ containerLogsInfo: { containerLogInfo, logAggregationType: 'LOCAL' } })),
      };
    }
    const name = url.pathname.split('/').pop()!;
    const file = this.files.get(name) ?? Buffer.alloc(0);
    const size = Number(url.searchParams.get('size') ?? file.length);
    const part = size < 0 ? file.subarray(Math.max(0, file.length + size)) : file.subarray(0, size);
    const head = Buffer.from(
      `Container: ${CID} on h:1\nLogAggregationType: LOCAL\n===\nLogType:${name}\nLogLastModifiedTime:x\nLogLength:${file.length}\nLogContents:\n`,
    );
    return { status: 200, headers: {}, body: Buffer.concat([head, part, Buffer.from(`End of LogType:${name}.\n***\n\n`)]) };
  }
}

describe('ContainerLogTail', () => {
  it('hands out complete lines of each file, only what is new on each poll', async () => {
    const nm = new FakeNodeManager();
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042');
    nm.append('stdout', 'one\ntw');
    nm.append('stderr', 'err one\n');
    expect((await tail.poll()).lines).to.deep.equal([
      { file: 'stdout', text: 'one' },
      { file: 'stderr', text: 'err one' },
    ]);
    nm.append('stdout', 'o\nthree\n');
    expect((await tail.poll()).lines).to.deep.equal([
      { file: 'stdout', text: 'two' },
      { file: 'stdout', text: 'three' },
    ]);
    expect((await tail.poll()).lines).to.deep.equal([]);
    expect(tail.offset('stdout')).to.equal(14);
  });

  it('keeps a UTF-8 character cut between two reads whole', async () => {
    const nm = new FakeNodeManager();
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042', ['stdout']);
    const text = Buffer.from('grüße\n');
    nm.append('stdout', text.subarray(0, 3)); // "gr" and the first byte of "ü"
    expect((await tail.poll()).lines).to.deep.equal([]);
    nm.append('stdout', text.subarray(3));
    expect((await tail.poll()).lines).to.deep.equal([{ file: 'stdout', text: 'grüße' }]);
  });

  it('flushes an unterminated last line once the container is done, and drops \\r before \\n', async () => {
    const nm = new FakeNodeManager();
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042', ['stdout']);
    nm.append('stdout', 'windows\r\nno newline');
    expect((await tail.poll()).lines).to.deep.equal([{ file: 'stdout', text: 'windows' }]);
    expect(tail.flush()).to.deep.equal([{ file: 'stdout', text: 'no newline' }]);
    expect(tail.flush()).to.deep.equal([]);
  });

  it('hands out an endless line in pieces instead of holding it', async () => {
    const nm = new FakeNodeManager();
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042', ['stdout']);
    nm.append('stdout', 'x'.repeat(MAX_PARTIAL_LINE_BYTES + 10));
    const { lines } = await tail.poll();
    expect(lines).to.have.length(1);
    expect(lines[0]!.text.length).to.equal(MAX_PARTIAL_LINE_BYTES + 10);
  });

  it('starts at given offsets (skipping what was shown before)', async () => {
    const nm = new FakeNodeManager();
    nm.append('stdout', 'old\nnew\n');
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042', ['stdout'], { stdout: 4 });
    expect((await tail.poll()).lines).to.deep.equal([{ file: 'stdout', text: 'new' }]);
  });

  it('reports whether the node has any file of the container', async () => {
    const nm = new FakeNodeManager();
    const tail = new ContainerLogTail(nm.client(), CID, 'localhost:8042');
    await tail.poll();
    expect(tail.found).to.equal(false);
    nm.append('stderr', '');
    await tail.poll();
    expect(tail.found).to.equal(true);
  });
});
