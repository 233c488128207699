import { expect } from 'chai';
import { type CommitFs, OutputCommitter } from '../../appmaster/driver/commit.js';
import { ConnectionError } from '../../protocols/errors/index.js';
import { FakeFs } from './job-fake-fs.js';

/**
 * Overwrite must never lose data: whichever step of the commit fails (a lost NameNode answer, a
 * failover), and then the job is aborted as the driver does, the output path holds the old output or
 * the new one, whole, and nothing else is left behind except where a second failure forced it.
 */

/** FakeFs whose mutating calls listed in `failAt` fail, counted from 1 once `arm()` was called. */
class FaultyFs implements CommitFs {
  calls = 0;
  private armed = false;
  constructor(
    readonly inner: FakeFs,
    private readonly failAt: ReadonlySet<number> = new Set(),
  ) {}
  arm(): void {
    this.armed = true;
  }
  private step(what: string): void {
    if (!this.armed) return;
    this.calls++;
    if (this.failAt.has(this.calls)) throw new ConnectionError(`${what}: connection reset (injected at call ${this.calls})`);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  listStatus(path: string): Promise<{ name: string; type: string }[]> {
    return this.inner.listStatus(path);
  }
  open(path: string): Promise<AsyncIterable<Buffer>> {
    return this.inner.open(path);
  }
  async mkdirs(path: string): Promise<void> {
    this.step(`MKDIRS ${path}`);
    await this.inner.mkdirs(path);
  }
  async rename(src: string, dst: string): Promise<void> {
    this.step(`RENAME ${src}`);
    await this.inner.rename(src, dst);
  }
  async delete(path: string, options?: { recursive?: boolean }): Promise<boolean> {
    this.step(`DELETE ${path}`);
    return this.inner.delete(path, options);
  }
  async create(path: string, body: string, options?: { overwrite?: boolean }): Promise<void> {
    this.step(`CREATE ${path}`);
    await this.inner.create(path, body, options);
  }
}

const options = { overwrite: true, jobTag: 'app_1-0', action: 'saveAsTextFile' };

/** A save over an existing output, its one partition committed, ready for the job commit. */
async function saveOverOldOutput(faulty: FaultyFs): Promise<OutputCommitter> {
  const fs = faulty.inner;
  fs.put('/data/out/part-00000', 'old 0\n');
  fs.put('/data/out/part-00001', 'old 1\n');
  fs.put('/data/out/_SUCCESS', '');
  const c = await OutputCommitter.setup(faulty, '/data/out', options);
  fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'new 0\n');
  await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '');
  return c;
}

/** Runs a save over an existing output, the job commit's mutating calls failing as `failAt` says. */
async function overwriteWith(failAt: number[]): Promise<{ fs: FakeFs; committed: boolean; calls: number }> {
  const faulty = new FaultyFs(new FakeFs(), new Set(failAt));
  const c = await saveOverOldOutput(faulty);
  const fs = faulty.inner;
  // Setup and the task commit ran without faults: the faults are aimed at the job commit.
  faulty.arm();
  let committed = true;
  try {
    await c.commitJob();
  } catch {
    committed = false;
    await c.abortJob();
  }
  return { fs, committed, calls: faulty.calls };
}

function outputIs(fs: FakeFs, which: 'old' | 'new'): boolean {
  const want =
    which === 'old'
      ? { '/data/out/_SUCCESS': '', '/data/out/part-00000': 'old 0\n', '/data/out/part-00001': 'old 1\n' }
      : // The new output's _SUCCESS names the job that committed it.
        { '/data/out/_SUCCESS': 'app_1-0\n', '/data/out/part-00000': 'new 0\n' };
  const got = Object.fromEntries(fs.children('/data/out').map((p) => [p, fs.text(p)]));
  return JSON.stringify(got) === JSON.stringify(want);
}

describe('OutputCommitter overwrite under faults', () => {
  it('replaces the old output with the new one and leaves nothing beside it', async () => {
    const { fs, committed, calls } = await overwriteWith([]);
    expect(committed).to.equal(true);
    expect(outputIs(fs, 'new')).to.equal(true);
    expect(fs.children('/data')).to.deep.equal(['/data/out']);
    expect(calls).to.equal(5);
  });

  for (let step = 1; step <= 5; step++) {
    it(`keeps one whole output when mutating call ${step} of the commit fails`, async () => {
      const { fs, committed } = await overwriteWith([step]);
      if (committed) {
        // Only the last call (deleting the old output aside) may fail without failing the commit.
        expect(step).to.equal(5);
        expect(outputIs(fs, 'new')).to.equal(true);
      } else {
        expect(outputIs(fs, 'old'), JSON.stringify(fs.children('/data'))).to.equal(true);
        expect(fs.children('/data')).to.deep.equal(['/data/out']);
      }
    });
  }

  it('keeps both, hidden, when moving the old output back fails too', async () => {
    // Call 4 renames the staging directory into place; call 5 is abort's move of the old output back.
    const { fs, committed } = await overwriteWith([4, 5]);
    expect(committed).to.equal(false);
    expect(fs.children('/data')).to.deep.equal(['/data/.out.spindle-app_1-0', '/data/.out.spindle-app_1-0.replaced']);
    expect(fs.text('/data/.out.spindle-app_1-0.replaced/part-00001')).to.equal('old 1\n');
    expect(fs.text('/data/.out.spindle-app_1-0/part-00000')).to.equal('new 0\n');
  });

  it('lets a commit in progress finish when the job is aborted meanwhile (a SIGTERM during commit)', async () => {
    const faulty = new FaultyFs(new FakeFs());
    const c = await saveOverOldOutput(faulty);
    const fs = faulty.inner;
    const commit = c.commitJob();
    await c.abortJob();
    await commit;
    expect(outputIs(fs, 'new')).to.equal(true);
    expect(fs.children('/data')).to.deep.equal(['/data/out']);
  });
});
