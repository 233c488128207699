import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, NotFoundError } from '../../protocols/errors/index.js';
import type { FileStatus, WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { archiveExtension, HdfsCache } from '../../client/cache.js';
import { checkShippedFiles } from '../../client/resources.js';

/** An in-memory HDFS with the five calls the cache makes; logs every call. */
class FakeHdfs {
  readonly files = new Map<string, { data: Buffer; mtime: number }>();
  readonly calls: string[] = [];
  private clock = 1_700_000_000_000;
  /** Called before a rename, to simulate a concurrent writer. */
  beforeRename: (() => void) | undefined;

  async getFileStatus(path: string): Promise<FileStatus> {
    this.calls.push(`stat ${path}`);
    const f = this.files.get(path);
    if (!f) throw new NotFoundError(`GETFILESTATUS ${path}: no such file or directory`, { path });
    return {
      path,
      name: path.split('/').pop()!,
      type: 'file',
      length: f.data.length,
      modificationTime: f.mtime,
      accessTime: f.mtime,
      blockSize: 0,
      replication: 1,
      owner: 'u',
      group: 'g',
      permission: 0o600,
    };
  }
  async mkdirs(path: string): Promise<void> {
    this.calls.push(`mkdirs ${path}`);
  }
  async create(path: string, body: AsyncIterable<Uint8Array | string> | Uint8Array | string): Promise<void> {
    this.calls.push(`create ${path}`);
    const chunks: Buffer[] = [];
    if (typeof body === 'string' || body instanceof Uint8Array) chunks.push(Buffer.from(body));
    else for await (const c of body) chunks.push(Buffer.from(c));
    this.files.set(path, { data: Buffer.concat(chunks), mtime: ++this.clock });
  }
  async rename(src: string, dst: string, o: { overwrite?: boolean } = {}): Promise<void> {
    this.calls.push(`rename ${src.split('/').pop()!.slice(0, 5)} -> ${dst}`);
    this.beforeRename?.();
    if (this.files.has(dst) && !o.overwrite) throw new AlreadyExistsError(`RENAME ${dst}: exists`, { path: dst });
    this.files.set(dst, this.files.get(src)!);
    this.files.delete(src);
  }
  async delete(path: string): Promise<boolean> {
    this.calls.push(`delete ${path.split('/').pop()!.slice(0, 5)}`);
    return this.files.delete(path);
  }
}

const DIR = '/user/alice/.spindle/cache';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('HDFS content-addressed cache', () => {
  it('uploads new content under a temporary name and renames it to its hash', async () => {
    const hdfs = new FakeHdfs();
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const c = await cache.put({ bytes: 'hello' });
    expect(c.uploaded).to.equal(true);
    expect(c.path).to.equal(`${DIR}/${sha('hello')}`);
    expect(hdfs.calls).to.deep.equal([
      `stat ${c.path}`,
      `mkdirs ${DIR}`,
      `create ${DIR}/${hdfs.calls[2]!.split('/').pop()}`,
      `rename .tmp- -> ${c.path}`,
      `stat ${c.path}`,
    ]);
    expect(hdfs.calls[2]).to.match(/^create \/user\/alice\/\.spindle\/cache\/\.tmp-[0-9a-f]{12}-[0-9a-f]{64}$/);
    expect([...hdfs.files.keys()]).to.deep.equal([c.path]);
    // The resource carries the cached file's own size and mtime.
    expect(c.resource).to.deep.equal({
      url: `hdfs://nn:8020${c.path}`,
      size: 5,
      timestamp: hdfs.files.get(c.path)!.mtime,
      type: 'file',
      visibility: 'private',
    });
  });

  it('never uploads the same content twice', async () => {
    const hdfs = new FakeHdfs();
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const first = await cache.put({ bytes: 'same bytes' });
    hdfs.calls.length = 0;
    const second = await cache.put({ bytes: 'same bytes' });
    expect(second.uploaded).to.equal(false);
    expect(hdfs.calls).to.deep.equal([`stat ${first.path}`]);
    expect(second.resource).to.deep.equal(first.resource);
  });

  it('hashes local files and keeps the archive extension YARN needs to unpack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spindle-cache-'));
    const file = join(dir, 'deps.tar.gz');
    writeFileSync(file, 'not really gzip');
    const hdfs = new FakeHdfs();
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020/', DIR);
    const c = await cache.put({ localPath: file }, { type: 'archive', extension: archiveExtension(file)! });
    expect(c.path).to.equal(`${DIR}/${sha('not really gzip')}.tar.gz`);
    expect(c.resource.type).to.equal('archive');
    expect(c.resource.url).to.equal(`hdfs://nn:8020${c.path}`);
  });

  it('lets a concurrent writer of the same content win and removes its own copy', async () => {
    const hdfs = new FakeHdfs();
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const path = `${DIR}/${sha('race')}`;
    hdfs.beforeRename = () => {
      hdfs.files.set(path, { data: Buffer.from('race'), mtime: 42 });
      hdfs.beforeRename = undefined;
    };
    const c = await cache.put({ bytes: 'race' });
    expect(c.resource.timestamp).to.equal(42);
    expect([...hdfs.files.keys()]).to.deep.equal([path]);
    expect(hdfs.calls.some((x) => x.startsWith('delete .tmp-'))).to.equal(true);
  });

  it('replaces an entry of the wrong size', async () => {
    const hdfs = new FakeHdfs();
    const path = `${DIR}/${sha('full content')}`;
    hdfs.files.set(path, { data: Buffer.from('trunc'), mtime: 1 });
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const c = await cache.put({ bytes: 'full content' });
    expect(c.uploaded).to.equal(true);
    expect(hdfs.files.get(path)!.data.toString()).to.equal('full content');
  });
});

describe('shipped files', () => {
  it('are checked before anything is sent: existence, directories, archive types, aliases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spindle-ship-'));
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'b.rar'), 'b');
    const f = (source: string, alias: string, type: 'file' | 'archive' = 'file') => ({
      source,
      alias,
      type,
      option: `--${type} ${source}`,
    });
    await checkShippedFiles([f(join(dir, 'a.txt'), 'a.txt')]);
    const fails = async (files: ReturnType<typeof f>[], pattern: RegExp): Promise<void> => {
      const err = await checkShippedFiles(files).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(pattern)).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(pattern);
    };
    await fails([f(join(dir, 'missing.txt'), 'missing.txt')], /^--file \S+missing.txt: no such local file/);
    await fails([f(dir, 'd')], /is a directory; pack it \(tar czf dir.tgz dir\) and ship it with --archive/);
    await fails([f(join(dir, 'b.rar'), 'b', 'archive')], /YARN unpacks only \.tar\.gz, \.tgz, \.tar, \.zip, \.jar archives/);
    await fails([f(join(dir, 'a.txt'), 'x'), f(join(dir, 'a.txt'), 'x')], /"x" is already shipped by --file/);
    await fails([f(join(dir, 'a.txt'), 'spindle-cmd.sh')], /the name "spindle-cmd.sh" is used by spindle itself/);
  });
});
