/**
 * WebHDFS against the real cluster: every operation, every error class provoked for real, and names
 * that need encoding. The test user is the cluster's superuser (the OS user running the NameNode);
 * another `user.name` plays the intruder for permission checks (dfs.permissions.enabled=true).
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import {
  AccessDeniedError,
  AlreadyExistsError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  RemoteError,
} from '../../protocols/errors/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { testCluster } from './cluster.js';

const cluster = testCluster();
const INTRUDER = 'spindle-intruder';

async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await stream.toArray());
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('webhdfs on the real cluster', () => {
  const hdfs = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: cluster.user });
  const intruder = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: INTRUDER });
  const base = `/tmp/spindle-it-webhdfs-${process.pid}-${Date.now()}`;

  before(async () => {
    await hdfs.mkdirs(base);
  });

  after(async () => {
    await hdfs.delete(base, { recursive: true });
    expect(await hdfs.exists(base)).to.equal(false);
    hdfs.close();
    intruder.close();
  });

  describe('operations', () => {
    it('creates, stats, reads, appends and lists a file', async () => {
      const f = `${base}/ops/hello.txt`;
      await hdfs.create(f, 'hello, world', { permission: 0o640, replication: 1, blockSize: 1024 * 1024 });
      const st = await hdfs.getFileStatus(f);
      expect(st).to.include({ path: f, name: 'hello.txt', type: 'file', length: 12, permission: 0o640, replication: 1 });
      expect(st.blockSize).to.equal(1024 * 1024);
      expect(st.owner).to.equal(cluster.user);
      expect(st.modificationTime).to.be.closeTo(Date.now(), 60_000);
      expect((await readAll(await hdfs.open(f))).toString()).to.equal('hello, world');
      await hdfs.append(f, Readable.from([Buffer.from('!'), Buffer.from('?')]));
      expect((await readAll(await hdfs.open(f))).toString()).to.equal('hello, world!?');
      expect((await readAll(await hdfs.open(f, { offset: 7, length: 5 }))).toString()).to.equal('world');
      const listed = await hdfs.listStatus(`${base}/ops`);
      expect(listed.map((s) => s.name)).to.deep.equal(['hello.txt']);
      // Listing a file yields the file itself.
      expect((await hdfs.listStatus(f)).map((s) => s.path)).to.deep.equal([f]);
      expect((await hdfs.listStatusOnce(`${base}/ops`)).map((s) => s.length)).to.deep.equal([14]);
      expect(await hdfs.exists(f)).to.equal(true);
      expect(await hdfs.exists(`${f}.nope`)).to.equal(false);
    });

    it('overwrites only when asked', async () => {
      const f = `${base}/ops/over`;
      await hdfs.create(f, 'one');
      await hdfs.create(f, 'two!', { overwrite: true });
      expect((await readAll(await hdfs.open(f))).toString()).to.equal('two!');
    });

    it('makes directories, renames and deletes', async () => {
      const d = `${base}/tree/a/b/c`;
      await hdfs.mkdirs(d, { permission: 0o750 });
      await hdfs.mkdirs(d); // already there: fine
      expect((await hdfs.getFileStatus(d)).permission).to.equal(0o750);
      expect((await hdfs.getFileStatus(d)).type).to.equal('directory');
      await hdfs.create(`${d}/f`, 'x');
      await hdfs.rename(`${base}/tree/a`, `${base}/tree/z`);
      expect(await hdfs.exists(`${base}/tree/z/b/c/f`)).to.equal(true);
      expect(await hdfs.exists(`${base}/tree/a`)).to.equal(false);
      await hdfs.create(`${base}/tree/g`, 'g');
      await hdfs.rename(`${base}/tree/z/b/c/f`, `${base}/tree/g`, { overwrite: true });
      expect((await readAll(await hdfs.open(`${base}/tree/g`))).toString()).to.equal('x');
      expect(await hdfs.delete(`${base}/tree/z`, { recursive: true })).to.equal(true);
      expect(await hdfs.delete(`${base}/tree/z`)).to.equal(false);
    });

    it('sets permission, owner, replication and times', async () => {
      const f = `${base}/attrs`;
      await hdfs.create(f, 'attrs');
      await hdfs.setPermission(f, 0o600);
      await hdfs.setOwner(f, { owner: INTRUDER, group: 'spindle-group' });
      expect(await hdfs.setReplication(f, 2)).to.equal(true);
      expect(await hdfs.setReplication(base, 2)).to.equal(false);
      await hdfs.setTimes(f, { modificationTime: 1_600_000_000_000, accessTime: 1_600_000_001_000 });
      const st = await hdfs.getFileStatus(f);
      expect(st).to.include({ permission: 0o600, owner: INTRUDER, group: 'spindle-group', replication: 2 });
      expect(st.modificationTime).to.equal(1_600_000_000_000);
      expect(st.accessTime).to.equal(1_600_000_001_000);
    });

    it('summarizes content, checksums a file and locates its blocks', async () => {
      const d = `${base}/sum`;
      const data = Buffer.alloc(3.5 * 1024 * 1024, 7);
      await hdfs.create(`${d}/f1`, data, { blockSize: 1024 * 1024 });
      await hdfs.create(`${d}/sub/f2`, 'abc');
      expect(await hdfs.getContentSummary(d)).to.deep.include({ directoryCount: 2, fileCount: 2, length: data.length + 3 });
      const sum = await hdfs.getFileChecksum(`${d}/f1`);
      expect(sum.algorithm).to.match(/^MD5-of-\d+MD5-of-\d+CRC32C?$/);
      expect(sum.length).to.equal(28);
      expect(sum.bytes).to.match(/^(?:[0-9a-f]{2}){28,}$/);
      expect((await hdfs.getFileChecksum(`${d}/f1`)).bytes).to.equal(sum.bytes);
      const blocks = await hdfs.getFileBlockLocations(`${d}/f1`);
      expect(blocks.map((b) => [b.offset, b.length])).to.deep.equal([
        [0, 1048576],
        [1048576, 1048576],
        [2097152, 1048576],
        [3145728, 524288],
      ]);
      expect(blocks[0]!.hosts).to.have.length(1);
      expect(blocks[0]!.names[0]).to.match(/:\d+$/);
      const some = await hdfs.getFileBlockLocations(`${d}/f1`, { offset: 1048576 + 5, length: 10 });
      expect(some.map((b) => b.offset)).to.deep.equal([1048576]);
    });

    it('knows the home directory', async () => {
      expect(await hdfs.getHomeDirectory()).to.equal(`/user/${cluster.user}`);
      expect(await intruder.getHomeDirectory()).to.equal(`/user/${INTRUDER}`);
    });

    it('handles names that need encoding in paths and query values', async () => {
      const dir = `${base}/names`;
      const names = ['a b', 'plus+sign', 'per%cent', 'hash#tag', 'que?ry', 'semi;colon', 'amp&eq=', 'ünï•code', 'quote\'"', 'tab\tname'];
      for (const n of names) await hdfs.create(`${dir}/${n}`, n);
      const listed = await hdfs.listStatus(dir);
      expect(listed.map((s) => s.name).sort()).to.deep.equal([...names].sort());
      for (const n of names) {
        expect((await readAll(await hdfs.open(`${dir}/${n}`))).toString(), n).to.equal(n);
        expect((await hdfs.getFileStatus(`${dir}/${n}`)).length).to.equal(Buffer.byteLength(n));
      }
      await hdfs.rename(`${dir}/plus+sign`, `${dir}/renamed + again`);
      expect(await hdfs.exists(`${dir}/renamed + again`)).to.equal(true);
    });
  });

  describe('errors, provoked for real', () => {
    it('NotFoundError for a missing path, naming the operation and path', async () => {
      const missing = `${base}/missing/file`;
      for (const [op, call] of [
        ['GETFILESTATUS', () => hdfs.getFileStatus(missing)],
        ['OPEN', () => hdfs.open(missing)],
        ['LISTSTATUS_BATCH', () => hdfs.listStatus(missing)],
        ['APPEND', () => hdfs.append(missing, 'x')],
        ['GETCONTENTSUMMARY', () => hdfs.getContentSummary(missing)],
      ] as const) {
        const err = await rejection(call());
        expect(err, op).to.be.instanceOf(NotFoundError);
        expect(err.message).to.equal(`${op} ${missing}: no such file or directory`);
      }
      const rename = await rejection(hdfs.rename(missing, `${base}/elsewhere`));
      expect(rename).to.be.instanceOf(NotFoundError);
      expect(rename.message).to.equal(`RENAME ${missing} -> ${base}/elsewhere: no such file or directory`);
      const dir = await rejection(hdfs.open(base));
      expect(dir).to.be.instanceOf(NotFoundError);
      expect(dir.message).to.equal(`OPEN ${base}: not a file`);
    });

    it('AlreadyExistsError for create and rename onto an existing file', async () => {
      const f = `${base}/exists`;
      await hdfs.create(f, 'first');
      const err = await rejection(hdfs.create(f, 'second'));
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect(err.message).to.equal(`CREATE ${f}: file already exists`);
      await hdfs.create(`${f}2`, 'other');
      const ren = await rejection(hdfs.rename(`${f}2`, f));
      expect(ren).to.be.instanceOf(AlreadyExistsError);
      expect(ren.message).to.equal(`RENAME ${f}2 -> ${f}: file already exists`);
      expect((ren as AlreadyExistsError).exceptionClassName).to.equal('org.apache.hadoop.fs.FileAlreadyExistsException');
    });

    it('AlreadyExistsError from the DataNode itself when overwriting a directory', async () => {
      // overwrite=true skips our up-front check; the DataNode refuses while the body is in flight.
      const d = `${base}/is-a-dir`;
      await hdfs.mkdirs(d);
      const err = await rejection(hdfs.create(d, Buffer.alloc(4096), { overwrite: true }));
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect(err.message).to.equal(`CREATE ${d}: file already exists`);
      expect((err as AlreadyExistsError).server).to.equal(cluster.dataNodeHttp);
    });

    it('ParentNotDirectoryError below a file', async () => {
      const f = `${base}/plain-file`;
      await hdfs.create(f, 'x');
      const mk = await rejection(hdfs.mkdirs(`${f}/sub`));
      expect(mk).to.be.instanceOf(ParentNotDirectoryError);
      expect(mk.message).to.equal(`MKDIRS ${f}/sub: parent is not a directory`);
      const cr = await rejection(hdfs.create(`${f}/child`, 'y'));
      expect(cr).to.be.instanceOf(ParentNotDirectoryError);
      expect(cr.message).to.equal(`CREATE ${f}/child: parent is not a directory`);
    });

    it('NotEmptyError for a non-recursive delete of a non-empty directory', async () => {
      const d = `${base}/full`;
      await hdfs.create(`${d}/f`, 'x');
      const err = await rejection(hdfs.delete(d));
      expect(err).to.be.instanceOf(NotEmptyError);
      expect(err.message).to.equal(`DELETE ${d}: directory is not empty`);
      expect(await hdfs.exists(`${d}/f`)).to.equal(true);
    });

    it('AccessDeniedError for another user on a private directory', async () => {
      const d = `${base}/private`;
      await hdfs.mkdirs(d, { permission: 0o700 });
      await hdfs.create(`${d}/secret`, 'secret');
      for (const [op, call] of [
        ['LISTSTATUS_BATCH', () => intruder.listStatus(d)],
        ['OPEN', () => intruder.open(`${d}/secret`)],
        ['MKDIRS', () => intruder.mkdirs(`${d}/x`)],
        ['CREATE', () => intruder.create(`${d}/y`, 'y', { overwrite: true })],
        ['DELETE', () => intruder.delete(`${d}/secret`)],
      ] as const) {
        const err = await rejection(call());
        expect(err, op).to.be.instanceOf(AccessDeniedError);
        expect(err.message).to.match(
          new RegExp(`^${op} ${d}/?\\S*: permission denied for user ${INTRUDER} \\(Permission denied: user=${INTRUDER}, access=`),
        );
      }
      const chown = await rejection(intruder.setOwner(base, { owner: INTRUDER }));
      expect(chown).to.be.instanceOf(AccessDeniedError);
      expect(await hdfs.exists(`${d}/secret`)).to.equal(true);
    });

    it('InvalidRequestError for a bad permission string and a bad path name', async () => {
      const f = `${base}/perm`;
      await hdfs.create(f, 'x');
      const perm = await rejection(hdfs.setPermission(f, '999'));
      expect(perm).to.be.instanceOf(InvalidRequestError);
      expect(perm.message).to.match(new RegExp(`^SETPERMISSION ${f}: invalid request: Invalid value for webhdfs parameter "permission"`));
      expect((perm as InvalidRequestError).status).to.equal(400);
      const name = await rejection(hdfs.mkdirs(`${base}/bad:name`));
      expect(name).to.be.instanceOf(InvalidRequestError);
      expect(name.message).to.equal(`MKDIRS ${base}/bad:name: invalid request: Invalid path name Invalid file name: ${base}/bad:name`);
    });

    it('a plain RemoteError names the Java exception for anything else', async () => {
      await hdfs.create(`${base}/r1`, 'x');
      await hdfs.mkdirs(`${base}/r2`);
      const err = await rejection(hdfs.rename(`${base}/r1`, `${base}/r2`, { overwrite: true }));
      expect(err).to.be.instanceOf(RemoteError);
      expect(err.constructor).to.equal(RemoteError);
      expect(err.message).to.match(new RegExp(`^RENAME ${base}/r1 -> ${base}/r2: IOException: `));
    });
  });
});
