import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirFor, HdfsCache } from '../../client/index.js';
import { AppJanitor, clusterClients, spindle, uniqueTag } from './cli-helpers.js';

/**
 * `spindle cache gc` against the real NameNode, on the test user's own cache (other tests share it):
 * entries of content unique to this run, aged with SETTIMES, gc with and without --dry-run, a cache
 * hit's mark, and a submission whose shipped file is found in the cache while gc runs beside it.
 * Only entries unused for more than a day go, so those of the other tests (all fresh) stay; the
 * assertions look at this run's entries only.
 */
describe('spindle cache gc', function () {
  this.timeout(300_000);
  const DAY = 86_400_000;
  const { config, hdfs } = clusterClients();
  const dir = cacheDirFor(config.user);
  const cache = new HdfsCache(hdfs, config.hdfs.defaultFs, dir);
  const janitor = new AppJanitor();
  const local = mkdtempSync(join(tmpdir(), 'spindle-it-gc-'));
  const unique = randomBytes(8).toString('hex');
  const gc = (...args: string[]) => spindle(['cache', 'gc', ...args]);
  const exists = (path: string) => hdfs.exists(path);
  /** Sets both times of an entry `days` ago, as if nothing had used it since. */
  const age = (path: string, days: number, accessDays = days) =>
    hdfs.setTimes(path, { modificationTime: Date.now() - days * DAY, accessTime: Date.now() - accessDays * DAY });

  after(async () => {
    await janitor.cleanUp();
  });

  it('removes entries and crashed uploads unused for longer than the age; --dry-run only lists them; a hit keeps its entry', async () => {
    const [old1, old2, recent, hit] = await Promise.all(
      ['old one', 'old two', 'recent', 'hit'].map((b) => cache.put({ bytes: `${b} ${unique}` })),
    );
    const tmp = `${dir}/.tmp-0123456789ab-${old1!.sha256}`;
    await hdfs.create(tmp, 'half an upload');
    await Promise.all([age(old1!.path, 40), age(old2!.path, 31), age(recent!.path, 40, 2), age(hit!.path, 40), age(tmp, 40)]);
    const agedMtime = (await hdfs.getFileStatus(hit!.path)).modificationTime;

    // A submission finds the old entry: its access time moves, its modification time (YARN's check) does not.
    const again = await cache.put({ bytes: `hit ${unique}` });
    expect(again.uploaded).to.equal(false);
    expect(again.resource.timestamp).to.equal(agedMtime);
    const marked = await hdfs.getFileStatus(hit!.path);
    expect(marked.modificationTime).to.equal(agedMtime);
    expect(marked.accessTime).to.be.greaterThan(Date.now() - 60_000);

    const dry = await gc('--dry-run');
    expect(dry.code, dry.stderr).to.equal(0);
    for (const p of [old1!.path, old2!.path, tmp]) expect(dry.stdout).to.contain(p);
    for (const p of [recent!.path, hit!.path]) expect(dry.stdout).not.to.contain(p);
    expect(dry.stderr).to.match(/: would remove \d+ files? .*; kept \d+ used within 30d/);
    for (const p of [old1!.path, old2!.path, tmp]) expect(await exists(p), p).to.equal(true);

    const real = await gc();
    expect(real.code, real.stderr).to.equal(0);
    expect(real.stderr).to.match(/: removed \d+ files? .*; kept \d+ used within 30d/);
    for (const p of [old1!.path, old2!.path, tmp]) expect(await exists(p), p).to.equal(false);
    for (const p of [recent!.path, hit!.path]) expect(await exists(p), p).to.equal(true);
    expect((await hdfs.getFileStatus(hit!.path)).modificationTime).to.equal(agedMtime);
  });

  it('refuses an age below a day (exit 2), removing nothing', async () => {
    const entry = await cache.put({ bytes: `young ${unique}` });
    await age(entry.path, 0.5);
    const r = await gc('--older-than', '1h');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^spindle: --older-than must be at least 1d/);
    expect(await exists(entry.path)).to.equal(true);
  });

  it('a submission that finds its file in the cache while gc runs still localizes it', async () => {
    const content = `shipped ${unique}\n`;
    const file = join(local, 'data.txt');
    writeFileSync(file, content);
    const entry = await cache.put({ localPath: file });
    // The entry looks long unused; gc and the submission then race for it.
    await age(entry.path, 2);
    const tag = uniqueTag('spindle-it-gc-run');
    const [run, swept] = await Promise.all([
      spindle(['run', '--tags', `spindle-it,${tag}`, '--file', `${file}#data.txt`, '--', 'cat data.txt']),
      gc('--older-than', '1d'),
    ]);
    janitor.add(...run.appIds);
    expect(swept.code, swept.stderr).to.equal(0);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(content.trim());
    // Found and marked, or taken by gc first and uploaded again: either way it is there now.
    expect(await exists(entry.path)).to.equal(true);
  });
});
