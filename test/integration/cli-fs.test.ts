import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterClients, spindle } from './cli-helpers.js';

/** `spindle fs` over WebHDFS on the real cluster. */
describe('spindle fs', function () {
  this.timeout(120_000);
  const base = `/tmp/spindle-it-cli-fs-${randomBytes(4).toString('hex')}`;
  const local = mkdtempSync(join(tmpdir(), 'spindle-it-fs-'));
  const { hdfs, config } = clusterClients();
  // The REPL column shows the cluster's default replication: 1 on the single-host cluster, 2 on the compose one.
  const replication = Number(config.conf.getTrimmed('dfs.replication') ?? '3');
  const big = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(join(local, 'big.bin'), big);
  writeFileSync(join(local, 'small.txt'), 'small file\n');

  after(async () => {
    await hdfs.delete(base, { recursive: true }).catch(() => false);
    hdfs.close();
  });

  it('mkdir, put (files and stdin), ls, cat, get, stat, du, mv and rm', async () => {
    expect((await spindle(['fs', 'mkdir', `${base}/in`, `${base}/out`])).code).to.equal(0);
    const put = await spindle(['fs', 'put', join(local, 'big.bin'), join(local, 'small.txt'), `${base}/in`]);
    expect(put.code, put.stderr).to.equal(0);
    expect((await spindle(['fs', 'put', '-', `${base}/in/stdin.txt`], { input: 'from stdin\n' })).code).to.equal(0);

    const ls = await spindle(['fs', 'ls', `${base}/in`]);
    expect(ls.code, ls.stderr).to.equal(0);
    expect(ls.stdout).to.match(new RegExp(`^-rw-r--r-- +${replication} +\\S+ +\\S+ +${big.length} +\\S+ \\S+ +${base}/in/big\\.bin$`, 'm'));
    expect(ls.stdout).to.match(new RegExp(`${base}/in/small\\.txt$`, 'm'));
    expect(ls.stdout).to.match(new RegExp(`${base}/in/stdin\\.txt$`, 'm'));
    const json = JSON.parse((await spindle(['fs', 'ls', '--json', `${base}/in`])).stdout) as { name: string; length: number }[];
    expect(json.map((e) => e.name)).to.deep.equal(['big.bin', 'small.txt', 'stdin.txt']);

    const cat = await spindle(['fs', 'cat', `${base}/in/small.txt`, `${base}/in/stdin.txt`]);
    expect(cat.stdout).to.equal('small file\nfrom stdin\n');

    const get = await spindle(['fs', 'get', `${base}/in/big.bin`, join(local, 'copy.bin')]);
    expect(get.code, get.stderr).to.equal(0);
    expect(readFileSync(join(local, 'copy.bin')).equals(big)).to.equal(true);
    const again = await spindle(['fs', 'get', `${base}/in/big.bin`, join(local, 'copy.bin')]);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/already exists; use -f to overwrite/);

    const stat = await spindle(['fs', 'stat', `${base}/in/big.bin`]);
    expect(stat.stdout).to.match(new RegExp(`^Size: +${big.length} \\(3\\.0 MiB\\)$`, 'm'));
    expect(stat.stdout).to.match(/^Type: +file$/m);

    const du = await spindle(['fs', 'du', '-s', '--json', base]);
    const [total] = JSON.parse(du.stdout) as { length: number; fileCount: number; directoryCount: number }[];
    expect(total).to.deep.include({ length: big.length + 'small file\n'.length + 'from stdin\n'.length, fileCount: 3, directoryCount: 3 });

    expect((await spindle(['fs', 'mv', `${base}/in/small.txt`, `${base}/out`])).code).to.equal(0);
    expect(await hdfs.exists(`${base}/out/small.txt`)).to.equal(true);

    const rmDir = await spindle(['fs', 'rm', `${base}/in`]);
    expect(rmDir.code).to.equal(2);
    expect(rmDir.stderr).to.match(/is a non-empty directory; use -r/);
    expect((await spindle(['fs', 'rm', '-r', `${base}/in`])).code).to.equal(0);
    expect(await hdfs.exists(`${base}/in`)).to.equal(false);
  });

  it('put refuses to overwrite without -f', async () => {
    await spindle(['fs', 'put', join(local, 'small.txt'), `${base}/once.txt`]);
    const r = await spindle(['fs', 'put', join(local, 'small.txt'), `${base}/once.txt`]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/put \S+once\.txt: already exists; use -f to overwrite/);
    expect((await spindle(['fs', 'put', '-f', join(local, 'small.txt'), `${base}/once.txt`])).code).to.equal(0);
  });

  it('a missing HDFS path exits 2 and names it', async () => {
    for (const args of [
      ['cat', `${base}/missing.txt`],
      ['ls', `${base}/missing`],
      ['stat', `${base}/missing`],
      ['rm', `${base}/missing`],
      ['get', `${base}/missing`, '-'],
    ]) {
      const r = await spindle(['fs', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`${base}/missing\\S*: no such file or directory\\n$`));
    }
  });

  it('a missing local file exits 2', async () => {
    const r = await spindle(['fs', 'put', join(local, 'nope.bin'), `${base}/`]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^spindle: fs put: no such local file: \S+nope\.bin\n$/);
  });

  it('an unreachable NameNode exits 3 naming it and --namenode', async () => {
    const r = await spindle(['--namenode', 'http://127.0.0.1:1', 'fs', 'ls', '/']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/is the NameNode at http:\/\/127\.0\.0\.1:1 running\?.*override it with --namenode <url>/);
  });
});
