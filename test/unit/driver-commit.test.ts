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
});
