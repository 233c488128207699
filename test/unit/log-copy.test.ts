import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyAmLogs, type LogCopyFs, readTail } from '../../appmaster/log-copy.js';
import { unavailableWarning } from '../../client/cli/commands/logs.js';
import { NodeDirectory } from '../../client/containers.js';
import { ApplicationFollower } from '../../client/follow.js';
import { copyLines, type LogCopySource } from '../../client/log-copies.js';
import {
  decodeLogCopy,
  encodeLogCopy,
  expiredLogCopies,
  keptTail,
  LOG_COPY_MAX_BYTES,
  logCopyDir,
  logCopyPath,
} from '../../protocols/app-spec/index.js';
import { LogUnavailableError, ProtocolError, RemoteError } from '../../protocols/errors/index.js';
import { HttpNegotiator } from '../../protocols/http/index.js';
import { NmRestClient, type NmHttpRequest, type NmHttpResponse } from '../../protocols/nm-rest/index.js';
import type { AppReport, RmRestClient } from '../../protocols/rm-rest/index.js';
import { AM, APP, followedReport } from './app-report-fixture.js';

const W2 = 'container_1700000000000_0042_01_000002';
const DAY = 24 * 3_600_000;

describe('log copies: layout and codec', () => {
  it('lives in the user’s .spindle directory, one directory per application and AM container', () => {
    expect(logCopyDir('alice', APP)).to.equal(`/user/alice/.spindle/logs/${APP}`);
    expect(logCopyPath('alice', APP, AM, 'stdout')).to.equal(`/user/alice/.spindle/logs/${APP}/${AM}/stdout`);
  });

  it('keeps a file that fits whole', () => {
    const data = Buffer.from('a\nb\n');
    expect(keptTail(data, data.length)).to.deep.equal({ start: 0, data });
  });

  it('keeps only the tail of a bigger file, from its first whole line', () => {
    // The last 10 bytes of a 20-byte file: the partial line "two" before them goes too.
    const tail = Buffer.from('two\nthree\n');
    const kept = keptTail(tail, 20);
    expect(kept.start).to.equal(14);
    expect(kept.data.toString()).to.equal('three\n');
    // No newline in the tail at all: kept as it is rather than lost.
    expect(keptTail(Buffer.from('xxxx'), 10)).to.deep.equal({ start: 6, data: Buffer.from('xxxx') });
  });

  it('says in its header line whether it is whole, and decodes back to where its bytes stood', () => {
    const whole = encodeLogCopy('stdout', AM, 0, 3, Buffer.from('42\n'));
    expect(whole.toString()).to.equal(`spindle log copy: stdout of ${AM}, 3 of 3 bytes\n42\n`);
    expect(decodeLogCopy(whole, 'p')).to.deep.equal({
      file: 'stdout',
      containerId: AM,
      droppedBytes: 0,
      totalBytes: 3,
      data: Buffer.from('42\n'),
    });
    const cut = encodeLogCopy('stderr', AM, 14, 20, Buffer.from('three\n'));
    expect(cut.toString()).to.equal(`spindle log copy: stderr of ${AM}, the last 6 of 20 bytes\nthree\n`);
    expect(decodeLogCopy(cut, 'p')).to.include({ file: 'stderr', droppedBytes: 14, totalBytes: 20 });
  });

  it('refuses a file that is not a copy', () => {
    expect(() => decodeLogCopy(Buffer.from('{"pi":3.14}\n'), '/x/stdout')).to.throw(ProtocolError, '/x/stdout: not a Spindle log copy');
  });

  it('expires application directories older than the retention, never the AM’s own or what is not ours', () => {
    const now = 100 * DAY;
    const entries = [
      { name: 'application_1_0001', type: 'directory', modificationTime: now - 8 * DAY },
      { name: 'application_1_0002', type: 'directory', modificationTime: now - 6 * DAY },
      { name: 'application_1_0003', type: 'directory', modificationTime: now - 30 * DAY },
      { name: 'application_1_0004', type: 'file', modificationTime: 0 },
      { name: 'notes', type: 'directory', modificationTime: 0 },
    ];
    expect(expiredLogCopies(entries, now, 7 * DAY, 'application_1_0003')).to.deep.equal(['application_1_0001']);
  });

  it('gives a reader the lines after what it already showed, and how much is missing', () => {
    const copy = { file: 'stdout', containerId: AM, droppedBytes: 10, totalBytes: 22, data: Buffer.from('one\ntwo\nlast') };
    expect(copyLines(copy)).to.deep.equal({
      lines: [
        { file: 'stdout', text: 'one' },
        { file: 'stdout', text: 'two' },
        { file: 'stdout', text: 'last' },
      ],
      missingBytes: 10,
    });
    // 14 bytes shown from the NodeManager: the copy's first 4 are skipped and nothing is missing.
    expect(copyLines(copy, 14)).to.deep.equal({
      lines: [
        { file: 'stdout', text: 'two' },
        { file: 'stdout', text: 'last' },
      ],
      missingBytes: 0,
    });
  });
});

/** An in-memory HDFS with the calls the AM makes, recording them. */
class FakeFs implements LogCopyFs {
  readonly files = new Map<string, { data: Buffer; permission: string }>();
  readonly dirs = new Map<string, { permission: string; modificationTime: number }>();
  readonly calls: string[] = [];
  failCreate = false;

  async mkdirs(path: string, o: { permission: string }): Promise<void> {
    this.calls.push(`mkdirs ${path} ${o.permission}`);
    this.dirs.set(path, { permission: o.permission, modificationTime: 0 });
  }
  async create(path: string, body: Buffer, o: { overwrite: boolean; permission: string }): Promise<void> {
    this.calls.push(`create ${path} ${o.permission}`);
    if (this.failCreate) throw new RemoteError(`CREATE ${path}: quota exceeded`);
    this.files.set(path, { data: body, permission: o.permission });
  }
  async rename(src: string, dst: string): Promise<void> {
    this.calls.push(`rename ${src} ${dst}`);
    this.files.set(dst, this.files.get(src)!);
    this.files.delete(src);
  }
  async listStatus(path: string) {
    this.calls.push(`list ${path}`);
    return [...this.dirs]
      .filter(([p]) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/'))
      .map(([p, d]) => ({ name: p.slice(path.length + 1), type: 'directory', modificationTime: d.modificationTime }));
  }
  async delete(path: string): Promise<boolean> {
    this.calls.push(`delete ${path}`);
    return this.dirs.delete(path);
  }
}

describe('the AM’s copy of its logs', () => {
  let dir: string;
  let logDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spindle-log-copy-'));
    logDir = join(dir, 'second');
    await writeFile(join(dir, 'unrelated'), '');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('copies stdout and stderr under temporary names, renamed into place, 700 directories and 600 files', async () => {
    await mkdir(logDir);
    await writeFile(join(logDir, 'stdout'), '{"pi":3.14}\n');
    await writeFile(join(logDir, 'stderr'), 'spindle-am: hello\n');
    const fs = new FakeFs();
    const logs: string[] = [];
    // The first log directory lacks the files: the one that has them is used.
    await copyAmLogs({ appId: APP, user: 'alice', containerId: AM, logDirs: [dir, logDir], fs, log: (m) => logs.push(m) });
    const base = `/user/alice/.spindle/logs/${APP}/${AM}`;
    // Each file is created under its temporary name first, then renamed; the sweep lists the root.
    const calls = fs.calls.filter((c) => !c.startsWith('list'));
    expect(calls[0]).to.equal(`mkdirs ${base} 700`);
    for (const f of ['stdout', 'stderr']) {
      const created = calls.indexOf(`create ${base}/.${f}.tmp 600`);
      expect(created).to.be.greaterThan(0);
      expect(calls.indexOf(`rename ${base}/.${f}.tmp ${base}/${f}`)).to.be.greaterThan(created);
    }
    expect(calls).to.have.length(5);
    expect(decodeLogCopy(fs.files.get(`${base}/stdout`)!.data, 'x').data.toString()).to.equal('{"pi":3.14}\n');
    expect(fs.files.get(`${base}/stderr`)!.permission).to.equal('600');
    expect(logs[0]).to.match(/^copied stdout and stderr to \/user\/alice\/\.spindle\/logs\//);
  });

  it('keeps the last maxBytes of a big file, cut at a line start, and says so', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    await writeFile(join(dir, 'stdout'), `${lines}\n`);
    const fs = new FakeFs();
    await copyAmLogs({ appId: APP, user: 'alice', containerId: AM, logDirs: [dir], fs, log: () => {}, maxBytes: 30 });
    const copy = decodeLogCopy(fs.files.get(`/user/alice/.spindle/logs/${APP}/${AM}/stdout`)!.data, 'x');
    expect(copy.data.toString()).to.equal('line 97\nline 98\nline 99\n');
    expect(copy.totalBytes).to.equal(lines.length + 1);
    expect(copy.droppedBytes).to.equal(copy.totalBytes - copy.data.length);
  });

  it('reads the tail of a local file within the bound', async () => {
    await writeFile(join(dir, 'stdout'), 'abcdefghij');
    expect(await readTail([dir], 'stdout', 4)).to.deep.equal({ data: Buffer.from('ghij'), totalBytes: 10 });
    expect(await readTail([dir], 'stdout', LOG_COPY_MAX_BYTES)).to.deep.equal({ data: Buffer.from('abcdefghij'), totalBytes: 10 });
    expect(await readTail([dir], 'missing', 4)).to.equal(undefined);
  });

  it('removes other applications’ expired copies, not its own nor recent ones', async () => {
    await writeFile(join(dir, 'stdout'), 'x\n');
    const fs = new FakeFs();
    const root = '/user/alice/.spindle/logs';
    fs.dirs.set(`${root}/application_1_0001`, { permission: '700', modificationTime: 0 });
    fs.dirs.set(`${root}/application_1_0002`, { permission: '700', modificationTime: 9 * DAY });
    await copyAmLogs({ appId: APP, user: 'alice', containerId: AM, logDirs: [dir], fs, log: () => {}, now: () => 10 * DAY });
    expect(fs.calls.filter((c) => c.startsWith('delete'))).to.deep.equal([`delete ${root}/application_1_0001`]);
  });

  it('logs a failure instead of throwing (the application’s outcome does not depend on it)', async () => {
    await writeFile(join(dir, 'stdout'), 'x\n');
    const fs = new FakeFs();
    fs.failCreate = true;
    const logs: string[] = [];
    await copyAmLogs({ appId: APP, user: 'alice', containerId: AM, logDirs: [dir], fs, log: (m) => logs.push(m) });
    expect(logs[0]).to.match(/^could not copy the container's logs to \/user\/alice\/.*quota exceeded/);
  });
});

const report = (state: AppReport['state']): AppReport => followedReport(state);

/**
 * A secure NodeManager without libhadoop: it lists stdout and stderr and answers every read with the
 * bare 500 it gives; `reads` counts the reads asked for.
 */
function secureNm(): { nm: NmRestClient; reads: string[] } {
  const reads: string[] = [];
  const transport = async (req: NmHttpRequest): Promise<NmHttpResponse> => {
    const url = new URL(req.url);
    if (url.pathname.endsWith('/logs')) {
      const containerLogInfo = [
        { fileName: 'stdout', fileSize: 12 },
        { fileName: 'stderr', fileSize: 40 },
      ];
      return {
        status: 200,
        headers: {},
        body: Buffer.from(JSON.stringify({ containerLogsInfo: { logAggregationType: 'LOCAL', containerLogInfo } })),
      };
    }
    reads.push(url.pathname.split('/').slice(-2).join('/'));
    return { status: 500, headers: {}, body: Buffer.from('{"message":"Request failed.","status":"500"}') };
  };
  const negotiator = new HttpNegotiator({ source: { initialToken: async () => 'x' } });
  return { nm: new NmRestClient({ transport, negotiator }), reads };
}

async function followSecure(states: AppReport['state'][], copies: LogCopySource | undefined, logs: 'am' | 'workers' = 'am') {
  let step = 0;
  const rmFake = {
    application: async () => report(states[Math.min(step++, states.length - 1)]!),
    attempts: async () => [{ id: 1, startTime: 1010, finishedTime: 0, containerId: AM }],
    containers: async () => [
      {
        id: W2,
        nodeId: 'nm1:45454',
        nodeHttpAddress: 'http://nm1:8042',
        state: 'RUNNING',
        exitStatus: 0,
        allocatedMb: 256,
        allocatedVcores: 1,
        priority: 1,
        startedTime: 0,
        finishedTime: 0,
      },
    ],
    nodes: async () => [],
  } as unknown as RmRestClient;
  const { nm, reads } = secureNm();
  const out = { lines: [] as string[], notes: [] as string[], warnings: [] as string[], reads };
  const follower = new ApplicationFollower(
    {
      rm: rmFake,
      nm,
      nodes: new NodeDirectory(rmFake, nm),
      fetchStatus: async () => undefined,
      ...(copies ? { logCopies: copies } : {}),
      sleep: async () => {},
    },
    APP,
    { logs },
    {
      onLine: (cid, file, text) => out.lines.push(`${cid.slice(-2)} ${file} ${text}`),
      onNote: (m) => out.notes.push(m),
      onWarning: (m) => out.warnings.push(m),
    },
  );
  await follower.run();
  return out;
}

describe('following an application whose NodeManager cannot serve log files', () => {
  const copies = (files: Record<string, string>): LogCopySource & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      async read(user, appId, containerId, file) {
        asked.push(`${user} ${appId} ${containerId} ${file}`);
        const text = files[file];
        if (text === undefined) return undefined;
        const data = Buffer.from(text);
        return { file, containerId, droppedBytes: 0, totalBytes: data.length, data, path: logCopyPath(user, appId, containerId, file) };
      },
    };
  };

  it('prints the AM’s output from its copy once the application has ended, and says why only once', async () => {
    const source = copies({ stdout: '{"pi":3.14}\n', stderr: 'driver: working\n' });
    const r = await followSecure(['RUNNING', 'RUNNING', 'RUNNING', 'FINISHED'], source);
    expect(r.lines).to.deep.equal(['01 stdout {"pi":3.14}', '01 stderr driver: working']);
    // The copy is read at the end only: while the application runs, the AM has not written it.
    expect(source.asked).to.deep.equal([`alice ${APP} ${AM} stdout`, `alice ${APP} ${AM} stderr`]);
    expect(r.notes.filter((n) => /cannot serve log files/.test(n))).to.have.length(1);
    expect(r.notes.filter((n) => /yet/.test(n))).to.deep.equal([]);
    // The NodeManager is not asked again once it has said it cannot serve the files.
    expect(r.reads).to.deep.equal([`${AM}/stdout`]);
    expect(r.warnings).to.deep.equal([]);
  });

  it('warns once, naming where the copy should be, when there is none', async () => {
    const r = await followSecure(['RUNNING', 'FINISHED'], copies({}));
    expect(r.lines).to.deep.equal([]);
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.match(
      new RegExp(
        `^cannot show the output of ${AM}: read stdout of ${AM}: the NodeManager at http://nm1:8042 answered 500; .*` +
          `its AM kept no copy in /user/alice/\\.spindle/logs/${APP}/${AM}$`,
      ),
    );
  });

  it('says in one line which workers’ output cannot be shown (only AMs keep copies)', async () => {
    const source = copies({ stdout: 'not a worker’s\n' });
    const r = await followSecure(['RUNNING', 'RUNNING', 'FINISHED'], source, 'workers');
    expect(r.lines).to.deep.equal([]);
    expect(source.asked).to.deep.equal([]);
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.match(
      new RegExp(
        `^cannot show the output of ${W2} \\(only ApplicationMasters copy theirs to HDFS\\): read stdout of ${W2}: the NodeManager`,
      ),
    );
  });

  it('classifies the secure NodeManager’s 500 as LogUnavailableError', async () => {
    const { nm } = secureNm();
    const err = await nm.readLog('nm1:8042', AM, 'stdout').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LogUnavailableError);
  });

  it('`spindle logs` names the containers it could not read in one line, and why', () => {
    const err = new LogUnavailableError(`read stdout of ${AM}: the NodeManager at http://nm1:8042 answered 500`);
    const many = [AM, W2, 'c3', 'c4', 'c5'].map((containerId) => ({ containerId, am: containerId === AM, err }));
    expect(unavailableWarning(many, logCopyDir('alice', APP))).to.equal(
      `cannot read the logs of ${AM}, ${W2}, c3 and 2 more (no ApplicationMaster's copy in /user/alice/.spindle/logs/${APP}; ` +
        `only ApplicationMasters' logs are copied to HDFS): read stdout of ${AM}: the NodeManager at http://nm1:8042 answered 500`,
    );
  });
});
