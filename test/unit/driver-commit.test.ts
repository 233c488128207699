import { expect } from 'chai';
import { OutputCommitter, partFileName } from '../../appmaster/driver/commit.js';
import { JobDefinitionError } from '../../appmaster/driver/errors.js';
import { FakeFs } from './job-fake-fs.js';

describe('OutputCommitter', () => {
  const options = { overwrite: false, jobTag: 'app_1-0', action: 'saveAsTextFile' };

  it('stages attempts in a hidden directory and publishes part files and _SUCCESS in one rename', async () => {
    const fs = new FakeFs();
    const c = await OutputCommitter.setup(fs, '/data/out/', options);
    expect(c.output).to.equal('/data/out');
    expect(c.staging).to.equal('/data/.out.spindle-app_1-0');
    expect(c.attemptDir).to.equal('/data/.out.spindle-app_1-0/_temporary');
    fs.put(`${c.attemptDir}/part-00001-a0-t5`, 'b\n');
    fs.put(`${c.attemptDir}/part-00000-a1-t9`, 'a\n');
    fs.put(`${c.attemptDir}/part-00000-a0-t4`, 'a (a failed attempt)\n');
    await c.commitTask(1, `${c.attemptDir}/part-00001-a0-t5`, '');
    await c.commitTask(0, `${c.attemptDir}/part-00000-a1-t9`, '');
    expect(await fs.exists('/data/out'), 'nothing visible before the job commits').to.equal(false);
    await c.commitJob();
    expect(fs.children('/data')).to.deep.equal(['/data/out']);
    expect(fs.children('/data/out')).to.deep.equal(['/data/out/_SUCCESS', '/data/out/part-00000', '/data/out/part-00001']);
    expect(fs.text('/data/out/part-00000')).to.equal('a\n');
  });

  it('moves a partition into place once, whatever attempts report it', async () => {
    const fs = new FakeFs();
    const c = await OutputCommitter.setup(fs, '/out', options);
    fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'first\n');
    fs.put(`${c.attemptDir}/part-00000-a1-t2`, 'second\n');
    await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '');
    await c.commitTask(0, `${c.attemptDir}/part-00000-a1-t2`, '');
    await c.commitJob();
    expect(fs.renames.filter(([, dst]) => dst.endsWith(partFileName(0, '')))).to.have.length(1);
    expect(fs.text('/out/part-00000')).to.equal('first\n');
  });

  it('refuses an existing output directory unless overwrite, which replaces it only at commit', async () => {
    const fs = new FakeFs();
    fs.put('/out/part-00000', 'old\n');
    try {
      await OutputCommitter.setup(fs, '/out', options);
      expect.fail('should have refused');
    } catch (err) {
      expect(err).to.be.instanceOf(JobDefinitionError);
      expect((err as Error).message).to.equal(
        'saveAsTextFile /out: the output directory already exists; remove it or pass { overwrite: true }',
      );
    }
    const c = await OutputCommitter.setup(fs, '/out', { ...options, overwrite: true });
    expect(fs.text('/out/part-00000'), 'old output stays while the job runs').to.equal('old\n');
    fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'new\n');
    await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '.avro');
    await c.commitJob();
    expect(fs.children('/out')).to.deep.equal(['/out/_SUCCESS', '/out/part-00000.avro']);
  });

  it('abort leaves nothing: no output, no staging', async () => {
    const fs = new FakeFs();
    const c = await OutputCommitter.setup(fs, '/x/out', options);
    fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'partial\n');
    await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '');
    await c.abortJob();
    expect(fs.children('/x')).to.deep.equal([]);
  });

  it('rejects an attempt file outside its attempt directory', async () => {
    const fs = new FakeFs();
    const c = await OutputCommitter.setup(fs, '/out', options);
    let error: Error | undefined;
    await c.commitTask(0, '/elsewhere/part-00000', '').catch((e: Error) => (error = e));
    expect(error?.message).to.match(/outside/);
  });

  it('fails clearly when the output appears while the job runs, and cleans up', async () => {
    const fs = new FakeFs();
    const c = await OutputCommitter.setup(fs, '/out', options);
    fs.put('/out/someone-else', 'x');
    let error: Error | undefined;
    await c.commitJob().catch((e: Error) => (error = e));
    expect(error?.message).to.equal('saveAsTextFile /out: the output directory appeared while the job ran');
    expect(fs.children('/')).to.deep.equal(['/out']);
  });

  describe('a later attempt of the same application reruns the save', () => {
    /** What attempt 1 of app_1 left of its save 0 to /data/out (overwrite) when it died after `steps` of the commit. */
    async function diedDuringCommit(steps: 'published' | 'between renames' | 'deleted old'): Promise<FakeFs> {
      const fs = new FakeFs();
      fs.put('/data/out/part-00000', 'old\n');
      fs.put('/data/out/_SUCCESS', '');
      const c = await OutputCommitter.setup(fs, '/data/out', { ...options, overwrite: true });
      fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'new\n');
      await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '');
      if (steps === 'between renames') {
        // _SUCCESS written and the old output moved aside; the driver died before renaming the new one into place.
        await fs.delete(`${c.staging}/_temporary`, { recursive: true });
        fs.put(`${c.staging}/_SUCCESS`, 'app_1-0\n');
        await fs.rename('/data/out', `${c.staging}.replaced`);
        return fs;
      }
      await c.commitJob();
      // 'published': the driver died before deleting the old output aside; put it back as it was.
      if (steps === 'published') fs.put('/data/.out.spindle-app_1-0.replaced/part-00000', 'old\n');
      return fs;
    }

    it('does not run or commit again a save an earlier attempt committed (_SUCCESS names its job), even without overwrite', async () => {
      for (const steps of ['published', 'deleted old'] as const) {
        const fs = await diedDuringCommit(steps);
        const again = await OutputCommitter.setup(fs, '/data/out', options);
        expect(again.committedEarlier, steps).to.equal(true);
        expect(fs.text('/data/out/part-00000')).to.equal('new\n');
        expect(fs.children('/data'), `${steps}: the old output aside goes`).to.deep.equal(['/data/out']);
        await again.commitJob();
        await again.abortJob();
        expect(fs.children('/data/out')).to.deep.equal(['/data/out/_SUCCESS', '/data/out/part-00000']);
      }
    });

    it('puts back the old output an attempt that died between its renames had moved aside, then publishes its complete staging once', async () => {
      const fs = await diedDuringCommit('between renames');
      expect(await fs.exists('/data/out')).to.equal(false);
      const again = await OutputCommitter.setup(fs, '/data/out', { ...options, overwrite: true });
      expect(again.committedEarlier).to.equal(false);
      expect(again.completeEarlier, 'every partition committed, _SUCCESS written: nothing to compute').to.equal(true);
      expect(fs.text('/data/out/part-00000'), 'the old output is back until the new one is published').to.equal('old\n');
      await again.commitJob();
      expect(fs.children('/data')).to.deep.equal(['/data/out']);
      expect(fs.text('/data/out/part-00000')).to.equal('new\n');
      expect(fs.text('/data/out/_SUCCESS')).to.equal('app_1-0\n');
    });

    it('keeps the partitions an attempt that died in the result stage committed, and computes only the others', async () => {
      const fs = new FakeFs();
      const first = await OutputCommitter.setup(fs, '/data/out', options);
      for (const p of [0, 2]) {
        fs.put(`${first.attemptDir}/part-0000${p}-a0-t${p}`, `first ${p}\n`);
        await first.commitTask(p, `${first.attemptDir}/part-0000${p}-a0-t${p}`, '');
      }
      fs.put(`${first.attemptDir}/part-00001-a0-t9`, 'half written\n');
      // The driver dies here: no abort, no commit.
      const again = await OutputCommitter.setup(fs, '/data/out', options);
      expect(again.completeEarlier).to.equal(false);
      expect(fs.children(again.attemptDir), "the dead attempt's task files go").to.deep.equal([]);
      expect(await again.resume(4)).to.deep.equal([1, 3]);
      for (const p of [1, 3]) {
        fs.put(`${again.attemptDir}/part-0000${p}-a0-t${p}`, `second ${p}\n`);
        await again.commitTask(p, `${again.attemptDir}/part-0000${p}-a0-t${p}`, '');
      }
      await again.commitTask(0, `${again.attemptDir}/part-00000-a1-t1`, '');
      await again.commitJob();
      expect(fs.children('/data')).to.deep.equal(['/data/out']);
      expect([0, 1, 2, 3].map((p) => fs.text(`/data/out/part-0000${p}`))).to.deep.equal([
        'first 0\n',
        'second 1\n',
        'first 2\n',
        'second 3\n',
      ]);
      expect(fs.text('/data/out/_SUCCESS')).to.equal('app_1-0\n');
    });

    it('computes every partition again when what the earlier attempt committed does not fit the partitions of this run', async () => {
      const fs = new FakeFs();
      const first = await OutputCommitter.setup(fs, '/data/out', options);
      fs.put(`${first.attemptDir}/part-00003-a0-t3`, 'x\n');
      await first.commitTask(3, `${first.attemptDir}/part-00003-a0-t3`, '');
      const again = await OutputCommitter.setup(fs, '/data/out', options);
      expect(await again.resume(2)).to.equal(undefined);
      expect(fs.children(again.staging)).to.deep.equal([again.attemptDir]);
      expect(await OutputCommitter.setup(new FakeFs(), '/data/out', options).then((c) => c.resume(2)), 'a first attempt').to.equal(
        undefined,
      );
    });

    it("still refuses an existing output another job committed: another save's, another application's, or nobody's tag", async () => {
      for (const marker of ['app_1-1\n', 'app_2-0\n', '']) {
        const fs = new FakeFs();
        fs.put('/out/part-00000', 'theirs\n');
        fs.put('/out/_SUCCESS', marker);
        const error = await OutputCommitter.setup(fs, '/out', options).catch((e: Error) => e);
        expect(error, JSON.stringify(marker)).to.be.instanceOf(JobDefinitionError);
        expect(fs.text('/out/part-00000')).to.equal('theirs\n');
      }
    });
  });
});
