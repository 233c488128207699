import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { resolveLocalModePath } from '../../appmaster/driver/index.js';
import { expandPattern } from '../../appmaster/driver/input-paths.js';
import { localExecutorCount } from '../../client/cli/commands/submit-local.js';
import { AlreadyExistsError, ConfigError, NotEmptyError, NotFoundError, ParentNotDirectoryError } from '../../protocols/errors/index.js';
import { LOCAL_BLOCK_SIZE, LocalFs, RoutingFs, type JobFs } from '../../protocols/localfs/index.js';
import { JobDefinitionError } from '../../appmaster/driver/errors.js';
import { FakeFs } from './job-fake-fs.js';

async function text(stream: Readable): Promise<string> {
  let s = '';
  for await (const c of stream) s += String(c);
  return s;
}

describe("LocalFs (local mode: the machine's files behind WebHdfsClient's calls)", () => {
  let dir: string;
  const fs = new LocalFs();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-localfs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a directory sorted by name with absolute paths, and a file as itself', async () => {
    writeFileSync(join(dir, 'b.txt'), 'bb');
    writeFileSync(join(dir, 'a.txt'), 'a');
    await fs.mkdirs(join(dir, 'sub', 'deeper'));
    const list = await fs.listStatus(dir);
    expect(list.map((e) => [e.name, e.type, e.length, e.path])).to.deep.equal([
      ['a.txt', 'file', 1, join(dir, 'a.txt')],
      ['b.txt', 'file', 2, join(dir, 'b.txt')],
      ['sub', 'directory', 0, join(dir, 'sub')],
    ]);
    expect((await fs.listStatus(join(dir, 'a.txt'))).map((e) => e.name)).to.deep.equal(['a.txt']);
    expect((await fs.getFileStatus(join(dir, 'a.txt'))).blockSize).to.equal(LOCAL_BLOCK_SIZE);
  });

  it('answers missing paths as HDFS does: NotFoundError, exists false, delete false', async () => {
    const missing = join(dir, 'nope');
    for (const call of [() => fs.getFileStatus(missing), () => fs.listStatus(missing), () => fs.open(missing)]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(NotFoundError);
      expect((err as NotFoundError).path).to.equal(missing);
    }
    expect(await fs.exists(missing)).to.equal(false);
    expect(await fs.delete(missing)).to.equal(false);
  });

  it('creates files with missing parents, refuses to overwrite unless asked, and reads byte ranges', async () => {
    const file = join(dir, 'x', 'y', 'f.txt');
    await fs.create(
      file,
      (async function* () {
        yield 'hello ';
        yield Buffer.from('world');
      })(),
    );
    expect(readFileSync(file, 'utf8')).to.equal('hello world');
    const err = await fs.create(file, 'again').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AlreadyExistsError);
    await fs.create(file, 'replaced', { overwrite: true });
    expect(await text(await fs.open(file))).to.equal('replaced');
    expect(await text(await fs.open(file, { offset: 2 }))).to.equal('placed');
    expect(await text(await fs.open(file, { offset: 2, length: 3 }))).to.equal('pla');
    expect(await text(await fs.open(file, { offset: 2, length: 0 }))).to.equal('');
  });

  it('renames without ever replacing or moving into an existing destination (rename2)', async () => {
    await fs.mkdirs(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'part-00000'), 'x');
    await fs.mkdirs(join(dir, 'dst'));
    expect(await fs.rename(join(dir, 'src'), join(dir, 'dst')).catch((e: unknown) => e)).to.be.instanceOf(AlreadyExistsError);
    expect(await fs.exists(join(dir, 'dst', 'src'))).to.equal(false);
    expect(await fs.rename(join(dir, 'gone'), join(dir, 'z')).catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
    expect(await fs.rename(join(dir, 'src'), join(dir, 'no', 'parent')).catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
    await fs.rename(join(dir, 'src'), join(dir, 'out'));
    expect(readFileSync(join(dir, 'out', 'part-00000'), 'utf8')).to.equal('x');
    await fs.rename(join(dir, 'out'), join(dir, 'dst'), { overwrite: true });
    expect(readFileSync(join(dir, 'dst', 'part-00000'), 'utf8')).to.equal('x');
  });

  it('deletes a non-empty directory only when recursive, and maps a file parent to ParentNotDirectoryError', async () => {
    writeFileSync(join(dir, 'file'), 'f');
    await fs.mkdirs(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'x'), 'x');
    expect(await fs.delete(join(dir, 'd')).catch((e: unknown) => e)).to.be.instanceOf(NotEmptyError);
    expect(await fs.delete(join(dir, 'd'), { recursive: true })).to.equal(true);
    expect(await fs.exists(join(dir, 'd'))).to.equal(false);
    expect(await fs.mkdirs(join(dir, 'file', 'below')).catch((e: unknown) => e)).to.be.instanceOf(ParentNotDirectoryError);
    expect(await fs.mkdirs(join(dir, 'file')).catch((e: unknown) => e)).to.be.instanceOf(AlreadyExistsError);
  });

  it('reports a file in blocks of LOCAL_BLOCK_SIZE covering every byte, and none for an empty file', async () => {
    const file = join(dir, 'big');
    writeFileSync(file, Buffer.alloc(LOCAL_BLOCK_SIZE + 10));
    const blocks = await fs.getFileBlockLocations(file);
    expect(blocks.map((b) => [b.offset, b.length])).to.deep.equal([
      [0, LOCAL_BLOCK_SIZE],
      [LOCAL_BLOCK_SIZE, 10],
    ]);
    writeFileSync(join(dir, 'empty'), '');
    expect(await fs.getFileBlockLocations(join(dir, 'empty'))).to.deep.equal([]);
  });
});

describe('RoutingFs (local mode: HDFS URIs to the cluster, the rest to local files)', () => {
  it('sends HDFS URIs to the remote side without their scheme and gives listings the prefix back', async () => {
    const remote = new FakeFs(64);
    remote.put('/data/a.txt', 'remote\n');
    const local = new LocalFs();
    const fs = new RoutingFs(local, remote as unknown as JobFs);
    const list = await fs.listStatus('hdfs://nn:8020/data');
    expect(list.map((e) => e.path)).to.deep.equal(['hdfs://nn:8020/data/a.txt']);
    expect(await text(await fs.open('webhdfs://nn:9870/data/a.txt'))).to.equal('remote\n');
    expect(await fs.exists('hdfs://nn/data/a.txt')).to.equal(true);
    expect(await fs.exists('/data/a.txt')).to.equal(false);
  });

  it('refuses an HDFS URI when no cluster is configured, and a rename across filesystems', async () => {
    const fs = new RoutingFs(new LocalFs());
    const err = await fs.exists('hdfs://nn/x').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/HADOOP_CONF_DIR/);
    const both = new RoutingFs(new LocalFs(), new FakeFs(64) as unknown as JobFs);
    expect(await both.rename('hdfs://nn/a', '/tmp/a').catch((e: unknown) => e)).to.be.instanceOf(ConfigError);
  });

  it('lets the driver expand globs below an HDFS URI', async () => {
    const remote = new FakeFs(64);
    remote.put('/logs/2024-01/part-0', 'x\n');
    remote.put('/logs/2024-02/part-0', 'y\n');
    remote.put('/logs/2023-12/part-0', 'z\n');
    const fs = new RoutingFs(new LocalFs(), remote as unknown as JobFs);
    const files = await expandPattern(fs, 'hdfs://nn:8020/logs/2024-*/part-*', 'textFile');
    expect(files.map((f) => f.path)).to.deep.equal(['hdfs://nn:8020/logs/2024-01/part-0', 'hdfs://nn:8020/logs/2024-02/part-0']);
  });
});

describe('local mode paths and masters', () => {
  it('resolves plain and file:// paths locally (relative ones from the working directory), HDFS URIs as URIs', () => {
    expect(resolveLocalModePath('in.txt', '/home/ada/proj', false)).to.equal('/home/ada/proj/in.txt');
    expect(resolveLocalModePath('../data/./x', '/home/ada/proj/', false)).to.equal('/home/ada/data/x');
    expect(resolveLocalModePath('/abs/y', '/cwd', false)).to.equal('/abs/y');
    expect(resolveLocalModePath('file:///tmp/a%20b', '/cwd', false)).to.equal('/tmp/a b');
    expect(resolveLocalModePath('hdfs://nn:8020/user/x/../y', '/cwd', true)).to.equal('hdfs://nn:8020/user/y');
    expect(() => resolveLocalModePath('hdfs://nn/x', '/cwd', false)).to.throw(JobDefinitionError, /HADOOP_CONF_DIR/);
    expect(() => resolveLocalModePath('s3://b/x', '/cwd', false)).to.throw(JobDefinitionError, /s3:/);
    expect(() => resolveLocalModePath(' ', '/cwd', false)).to.throw(JobDefinitionError);
  });

  it('reads --local[=N] and --master local[N] / local[*] / yarn', () => {
    expect(localExecutorCount(undefined, undefined, 8)).to.equal(undefined);
    expect(localExecutorCount(true, undefined, 8)).to.equal(8);
    expect(localExecutorCount('3', undefined, 8)).to.equal(3);
    expect(localExecutorCount(undefined, 'local', 8)).to.equal(8);
    expect(localExecutorCount(undefined, 'local[*]', 8)).to.equal(8);
    expect(localExecutorCount(undefined, 'local[2]', 8)).to.equal(2);
    expect(localExecutorCount(undefined, 'yarn', 8)).to.equal(undefined);
    expect(() => localExecutorCount('0', undefined, 8)).to.throw(ConfigError, /--local/);
    expect(() => localExecutorCount(undefined, 'local[x]', 8)).to.throw(ConfigError, /local\[N\]/);
    expect(() => localExecutorCount(undefined, 'spark://h:7077', 8)).to.throw(ConfigError, /local\[\*\]/);
    expect(() => localExecutorCount(true, 'local', 8)).to.throw(ConfigError, /not both/);
  });
});
