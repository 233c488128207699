import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AlreadyExistsError, ConfigError, NotFoundError, RemoteError } from '../../protocols/errors/index.js';
import type { FileStatus, WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { archiveExtension, HdfsCache } from '../../client/cache.js';
import { type CacheGcFs, cacheEntriesInUse, gcCache, MIN_CACHE_GC_AGE_MS, planCacheGc } from '../../client/cache-gc.js';
import { checkShippedFiles } from '../../client/resources.js';

/** An in-memory HDFS with the calls the cache and its gc make; logs every call. */
class FakeHdfs {
  readonly files = new Map<string, { data: Buffer; mtime: number; atime: number }>();
  readonly calls: string[] = [];
  private clock = 1_700_000_000_000;
  /** Called before a rename, to simulate a concurrent writer. */
  beforeRename: (() => void) | undefined;
  /** The NameNode keeps no access times (dfs.namenode.accesstime.precision=0). */
  accessTimesOff = false;

  /** The status WebHDFS would give for a file of this fake. */
  status(path: string): FileStatus {
    const f = this.files.get(path);
    if (!f) throw new NotFoundError(`GETFILESTATUS ${path}: no such file or directory`, { path });
    return {
      path,
      name: path.split('/').pop()!,
      type: 'file',
      length: f.data.length,
      modificationTime: f.mtime,
      accessTime: f.atime,
      blockSize: 0,
      replication: 1,
      owner: 'u',
      group: 'g',
      permission: 0o600,
    };
  }
  async getFileStatus(path: string): Promise<FileStatus> {
    this.calls.push(`stat ${path}`);
    return this.status(path);
  }
  async listStatus(dir: string): Promise<FileStatus[]> {
    this.calls.push(`list ${dir}`);
    return [...this.files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => this.status(p));
  }
  async setTimes(path: string, t: { accessTime?: number; modificationTime?: number }): Promise<void> {
    this.calls.push(`settimes ${path}`);
    if (this.accessTimesOff && t.accessTime !== undefined) {
      throw new RemoteError(
        'SETTIMES: Access time for hdfs is not configured.  Please set dfs.namenode.accesstime.precision configuration parameter.',
      );
    }
    if (path === DIR) return;
    const f = this.files.get(path);
    if (!f) throw new NotFoundError(`SETTIMES ${path}: no such file`, { path });
    if (t.accessTime !== undefined) f.atime = t.accessTime;
    if (t.modificationTime !== undefined) f.mtime = t.modificationTime;
  }
  async mkdirs(path: string, o: { permission?: string } = {}): Promise<void> {
    this.calls.push(`mkdirs ${path}${o.permission ? ` ${o.permission}` : ''}`);
  }
  async create(path: string, body: AsyncIterable<Uint8Array | string> | Uint8Array | string): Promise<void> {
    this.calls.push(`create ${path}`);
    const chunks: Buffer[] = [];
    if (typeof body === 'string' || body instanceof Uint8Array) chunks.push(Buffer.from(body));
    else for await (const c of body) chunks.push(Buffer.from(c));
    const now = ++this.clock;
    this.files.set(path, { data: Buffer.concat(chunks), mtime: now, atime: now });
  }
  async rename(src: string, dst: string, o: { overwrite?: boolean } = {}): Promise<void> {
    this.calls.push(`rename ${src.split('/').pop()!.slice(0, 5)} -> ${dst}`);
    this.beforeRename?.();
    if (!this.files.has(src)) throw new NotFoundError(`RENAME ${src}: no such file`, { path: src });
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
      // The parents with HDFS's default permission: MKDIRS would give the ones it creates 700 as well.
      'mkdirs /user/alice/.spindle',
      `mkdirs ${DIR} 700`,
      `create ${DIR}/${hdfs.calls[3]!.split('/').pop()}`,
      `rename .tmp- -> ${c.path}`,
      `stat ${c.path}`,
    ]);
    expect(hdfs.calls[3]).to.match(/^create \/user\/alice\/\.spindle\/cache\/\.tmp-[0-9a-f]{12}-[0-9a-f]{64}$/);
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
    expect(hdfs.calls).to.deep.equal([`stat ${first.path}`, `settimes ${first.path}`]);
    expect(second.resource).to.deep.equal(first.resource);
  });

  it('a hit records its use in the access time, never the modification time YARN checks', async () => {
    const hdfs = new FakeHdfs();
    const path = `${DIR}/${sha('old')}`;
    hdfs.files.set(path, { data: Buffer.from('old'), mtime: 1000, atime: 1000 });
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const before = Date.now();
    const c = await cache.put({ bytes: 'old' });
    expect(c.uploaded).to.equal(false);
    expect(c.resource.timestamp).to.equal(1000);
    expect(hdfs.files.get(path)!.mtime).to.equal(1000);
    expect(hdfs.files.get(path)!.atime).to.be.at.least(before);
  });

  it('a hit whose entry went before its use was recorded (gc took it) uploads it again', async () => {
    const hdfs = new FakeHdfs();
    const path = `${DIR}/${sha('gone')}`;
    hdfs.files.set(path, { data: Buffer.from('gone'), mtime: 1000, atime: 1000 });
    const realSetTimes = hdfs.setTimes.bind(hdfs);
    hdfs.setTimes = async (p, t) => {
      hdfs.files.delete(p);
      return realSetTimes(p, t);
    };
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const c = await cache.put({ bytes: 'gone' });
    expect(c.uploaded).to.equal(true);
    expect(hdfs.files.get(path)!.data.toString()).to.equal('gone');
    expect(c.resource.timestamp).to.equal(hdfs.files.get(path)!.mtime);
  });

  it('a hit stands on a NameNode without access times (gc refuses to run there)', async () => {
    const hdfs = new FakeHdfs();
    hdfs.accessTimesOff = true;
    const path = `${DIR}/${sha('x')}`;
    hdfs.files.set(path, { data: Buffer.from('x'), mtime: 5, atime: 5 });
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    expect((await cache.put({ bytes: 'x' })).uploaded).to.equal(false);
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
      hdfs.files.set(path, { data: Buffer.from('race'), mtime: 42, atime: 42 });
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
    hdfs.files.set(path, { data: Buffer.from('trunc'), mtime: 1, atime: 1 });
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    const c = await cache.put({ bytes: 'full content' });
    expect(c.uploaded).to.equal(true);
    expect(hdfs.files.get(path)!.data.toString()).to.equal('full content');
  });
});

describe('cache gc', () => {
  const DAY = 86_400_000;
  const NOW = 1_800_000_000_000;
  const AGE = 30 * DAY;
  /** A cache with entries last used `days` ago (access time; the modification time older still). */
  function cacheWith(entries: Record<string, number>): FakeHdfs {
    const hdfs = new FakeHdfs();
    for (const [name, days] of Object.entries(entries)) {
      hdfs.files.set(`${DIR}/${name}`, { data: Buffer.from(name), mtime: NOW - 400 * DAY, atime: NOW - days * DAY });
    }
    return hdfs;
  }
  const fsOf = (hdfs: FakeHdfs): CacheGcFs => hdfs as unknown as CacheGcFs;
  const names = (hdfs: FakeHdfs): string[] => [...hdfs.files.keys()].map((p) => p.slice(DIR.length + 1)).sort();
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);
  const C = `${'c'.repeat(64)}.tar.gz`;

  it('sorts a listing: recent, old, named by a live application, crashed uploads, interrupted gc, not ours', async () => {
    const hdfs = cacheWith({
      [A]: 1,
      [B]: 31,
      [C]: 90,
      [`.tmp-0123456789ab-${A}`]: 2,
      [`.tmp-0123456789ab-${B}`]: 31,
      [`.gc-0123456789ab-${'d'.repeat(64)}`]: 1,
      [`.gc-0123456789ab-${'e'.repeat(64)}`]: 40,
      [`.gc-0123456789ab-${A}`]: 1,
      'notes.txt': 400,
    });
    const plan = planCacheGc(await hdfs.listStatus(DIR), NOW - AGE, new Set(['c'.repeat(64)]));
    const n = (items: { name: string }[]) => items.map((i) => i.name).sort();
    expect(n(plan.recent)).to.deep.equal([A, `.tmp-0123456789ab-${A}`].sort());
    expect(n(plan.inUse)).to.deep.equal([C]);
    // A used .gc- file goes back only if its name is free (A is there again: a fresh upload).
    expect(n(plan.restore)).to.deep.equal([`.gc-0123456789ab-${'d'.repeat(64)}`]);
    expect(n(plan.remove)).to.deep.equal(
      [`.gc-0123456789ab-${A}`, `.gc-0123456789ab-${'e'.repeat(64)}`, `.tmp-0123456789ab-${B}`, B].sort(),
    );
  });

  it('the last use is the later of access and modification time', () => {
    const hdfs = cacheWith({ [A]: 100 });
    hdfs.files.get(`${DIR}/${A}`)!.mtime = NOW - DAY;
    const plan = planCacheGc(
      [...hdfs.files.keys()].map((p) => ({ ...hdfs.status(p) })),
      NOW - AGE,
      new Set(),
    );
    expect(plan.recent.map((i) => i.name)).to.deep.equal([A]);
  });

  it('removes what was unused for longer than the age, and only that', async () => {
    const hdfs = cacheWith({ [A]: 29, [B]: 31, [C]: 365, [`.tmp-0123456789ab-${A}`]: 45 });
    const r = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set(), now: NOW });
    expect(r.removed.map((i) => i.name).sort()).to.deep.equal([B, C, `.tmp-0123456789ab-${A}`].sort());
    expect(names(hdfs)).to.deep.equal([A]);
  });

  it('--dry-run removes nothing and reports the same', async () => {
    const hdfs = cacheWith({ [A]: 29, [B]: 31 });
    const r = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set(), now: NOW, dryRun: true });
    expect(r.removed.map((i) => i.name)).to.deep.equal([B]);
    expect(names(hdfs)).to.deep.equal([A, B]);
    expect(hdfs.calls.filter((c) => !c.startsWith('list '))).to.deep.equal([]);
  });

  it('spares an entry a hit marked between the listing and the removal', async () => {
    const hdfs = cacheWith({ [B]: 31 });
    hdfs.beforeRename = () => {
      // The hit's SETTIMES lands before gc's rename.
      hdfs.files.get(`${DIR}/${B}`)!.atime = NOW;
      hdfs.beforeRename = undefined;
    };
    const r = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set(), now: NOW });
    expect(r.spared.map((i) => i.name)).to.deep.equal([B]);
    expect(r.removed).to.deep.equal([]);
    expect(names(hdfs)).to.deep.equal([B]);
    // The modification time YARN checks is the one the submission holds.
    expect(hdfs.files.get(`${DIR}/${B}`)!.mtime).to.equal(NOW - 400 * DAY);
  });

  it('a hit that comes after the entry was renamed aside finds it gone and uploads it again', async () => {
    const hdfs = cacheWith({});
    const path = `${DIR}/${sha('content')}`;
    hdfs.files.set(path, { data: Buffer.from('content'), mtime: NOW - 400 * DAY, atime: NOW - 40 * DAY });
    const cache = new HdfsCache(hdfs as unknown as WebHdfsClient, 'hdfs://nn:8020', DIR);
    let hit: Promise<{ uploaded: boolean; resource: { timestamp: number } }> | undefined;
    const realStat = hdfs.getFileStatus.bind(hdfs);
    hdfs.getFileStatus = async (p) => {
      // gc's second look at the renamed file: the submission runs now, start to end.
      if (p.includes('/.gc-')) {
        hit ??= cache.put({ bytes: 'content' });
        await hit;
      }
      return realStat(p);
    };
    const r = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set(), now: NOW });
    const c = await hit!;
    expect(c.uploaded).to.equal(true);
    expect(r.removed.map((i) => i.name)).to.deep.equal([sha('content')]);
    expect(names(hdfs)).to.deep.equal([sha('content')]);
    expect(hdfs.files.get(path)!.mtime).to.equal(c.resource.timestamp);
  });

  it('keeps old entries an application still staged names, and puts back a used entry an interrupted gc left', async () => {
    const hdfs = cacheWith({ [A]: 100, [`.gc-0123456789ab-${B}`]: 0 });
    const r = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set([A]), now: NOW });
    expect(r.inUse.map((i) => i.name)).to.deep.equal([A]);
    expect(names(hdfs)).to.deep.equal([A, B]);
  });

  it('finds the entries named by the specs of applications still staged', async () => {
    const spindleDir = '/user/alice/.spindle';
    const specs: Record<string, string> = {
      [`${spindleDir}/application_1_0001/spindle-app.json`]: JSON.stringify({
        job: { localResources: { a: { url: `hdfs://nn${DIR}/${A}` } } },
      }),
      [`${spindleDir}/application_1_0002/spindle-app.json`]: JSON.stringify({
        shell: { localResources: { c: { url: `hdfs://nn${DIR}/${C}` } } },
      }),
    };
    const dirStatus = (name: string, type: 'directory' | 'file' = 'directory') => ({
      ...cacheWith({ x: 0 }).status(`${DIR}/x`),
      name,
      path: `${spindleDir}/${name}`,
      type,
    });
    const hdfs = {
      listStatus: async () => [
        dirStatus('application_1_0001'),
        dirStatus('application_1_0002'),
        // A submission that has not written its spec yet, the cache itself, and a stray file.
        dirStatus('application_1_0003'),
        dirStatus('cache'),
        dirStatus(`application_1_0004`, 'file'),
      ],
      open: async (path: string) => {
        const text = specs[path];
        if (text === undefined) throw new NotFoundError(`OPEN ${path}: no such file`, { path });
        return Readable.from([Buffer.from(text)]);
      },
    };
    const inUse = await cacheEntriesInUse(hdfs as unknown as Pick<WebHdfsClient, 'listStatus' | 'open'>, spindleDir);
    expect([...inUse].sort()).to.deep.equal([A, C.slice(0, 64)]);
  });

  it('refuses to remove anything when the NameNode keeps no access times', async () => {
    const hdfs = cacheWith({ [B]: 31 });
    hdfs.accessTimesOff = true;
    const err = await gcCache(fsOf(hdfs), DIR, { olderThanMs: AGE, inUse: new Set(), now: NOW }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(
      /access times are off on this NameNode \(dfs\.namenode\.accesstime\.precision=0\).*nothing was removed/,
    );
    expect(names(hdfs)).to.deep.equal([B]);
  });

  it('refuses an age below a day, and does nothing for a missing cache', async () => {
    const hdfs = cacheWith({ [B]: 31 });
    const err = await gcCache(fsOf(hdfs), DIR, { olderThanMs: MIN_CACHE_GC_AGE_MS - 1, inUse: new Set(), now: NOW }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/^--older-than must be at least 1d/);
    expect(names(hdfs)).to.deep.equal([B]);
    const none = await gcCache(fsOf(new FakeHdfs()), '/nowhere', { olderThanMs: AGE, inUse: new Set(), now: NOW });
    expect(none.removed).to.deep.equal([]);
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
