import { expect } from 'chai';
import { type CommitFs, OutputCommitter } from '../../appmaster/driver/commit.js';
import { type AppLiveness, cleanLeftovers, type Leftover, parseLeftover, planLeftovers } from '../../appmaster/driver/leftovers.js';
import { FakeFs } from './job-fake-fs.js';

/**
 * What a dead driver leaves beside an output, and the next save's cleanup of it: the driver is killed
 * (SIGKILL: no abort runs) before each mutating call of an overwrite's commit in turn, then another
 * application saves to the same path. The old output must come back when the new one never got into
 * place, the new one stay when it did, and nothing be touched while the dead driver's application
 * may still run.
 */

const DEAD = 'application_1700000000000_0001';
const NEXT = 'application_1700000000000_0002';

/** A FakeFs whose mutating calls stop working from call `dieAt` on (counted once armed): a killed driver. */
class DyingFs implements CommitFs {
  private calls = 0;
  private armed = false;
  constructor(
    readonly inner: FakeFs,
    private readonly dieAt: number,
  ) {}
  arm(): void {
    this.armed = true;
  }
  private step(): void {
    if (this.armed && ++this.calls >= this.dieAt) throw new Error('killed');
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
    this.step();
    await this.inner.mkdirs(path);
  }
  async rename(src: string, dst: string): Promise<void> {
    this.step();
    await this.inner.rename(src, dst);
  }
  async delete(path: string, options?: { recursive?: boolean }): Promise<boolean> {
    this.step();
    return this.inner.delete(path, options);
  }
  async create(path: string, body: string, options?: { overwrite?: boolean }): Promise<void> {
    this.step();
    await this.inner.create(path, body, options);
  }
}

/** An overwrite of /data/out by DEAD whose driver is killed before mutating call `dieAt` of the job commit. */
async function deadOverwrite(dieAt: number): Promise<FakeFs> {
  const fs = new FakeFs();
  fs.put('/data/out/part-00000', 'old 0\n');
  fs.put('/data/out/part-00001', 'old 1\n');
  fs.put('/data/out/_SUCCESS', '');
  const dying = new DyingFs(fs, dieAt);
  const c = await OutputCommitter.setup(dying, '/data/out', { overwrite: true, jobTag: `${DEAD}-0`, action: 'saveAsTextFile' });
  fs.put(`${c.attemptDir}/part-00000-a0-t1`, 'new 0\n');
  await c.commitTask(0, `${c.attemptDir}/part-00000-a0-t1`, '');
  dying.arm();
  await c.commitJob().catch(() => undefined);
  return fs;
}

function contents(fs: FakeFs, dir: string): Record<string, string> {
  return Object.fromEntries(fs.children(dir).map((p) => [p.slice(dir.length + 1), fs.text(p)]));
}
const OLD = { _SUCCESS: '', 'part-00000': 'old 0\n', 'part-00001': 'old 1\n' };
/** The dead driver's output: its _SUCCESS names the job that committed it. */
const NEW = { _SUCCESS: `${DEAD}-0\n`, 'part-00000': 'new 0\n' };

/** The next application's save setup, with the RM saying `state` about DEAD. */
async function nextSave(fs: FakeFs, state: AppLiveness, overwrite = true): Promise<{ committer?: OutputCommitter; log: string[] }> {
  const log: string[] = [];
  const liveness = async (appId: string): Promise<AppLiveness> => (appId === DEAD ? state : 'unknown');
  try {
    const committer = await OutputCommitter.setup(fs, '/data/out', {
      overwrite,
      jobTag: `${NEXT}-0`,
      action: 'saveAsTextFile',
      leftovers: { liveness, ownAppId: NEXT, log: (m) => log.push(m) },
    });
    return { committer, log };
  } catch {
    return { log };
  }
}

describe('leftovers of dead drivers', () => {
  const cases: [number, string, typeof OLD | typeof NEW][] = [
    [1, 'before _temporary is deleted', OLD],
    [2, 'before _SUCCESS is written', OLD],
    [3, 'before the old output is moved aside', OLD],
    [4, 'with the old output aside and the new not in place (the output path missing)', OLD],
    [5, 'with the new output in place and the old one aside', NEW],
    [6, 'after the commit finished', NEW],
  ];
  for (const [dieAt, when, expected] of cases) {
    it(`the next save cleans up after a driver killed ${when}`, async () => {
      const fs = await deadOverwrite(dieAt);
      const { committer, log } = await nextSave(fs, 'ended');
      expect(contents(fs, '/data/out')).to.deep.equal(expected);
      // Only the new save's own staging directory is beside the output.
      expect(fs.children('/data')).to.deep.equal([committer!.staging, '/data/out'].sort());
      if (dieAt === 4)
        expect(log.join('\n')).to.match(/put back the old output \/data\/\.out\.spindle-application_1700000000000_0001-0\.replaced/);
    });

    it(`leaves everything when the killed driver's application may still run (${when})`, async () => {
      for (const state of ['running', 'unknown'] as const) {
        const fs = await deadOverwrite(dieAt);
        const before = fs.children('/data');
        const { committer } = await nextSave(fs, state);
        expect(fs.children('/data').filter((p) => p !== committer?.staging)).to.deep.equal(before);
      }
    });
  }

  it('puts the old output back before checking whether the output exists: a save without overwrite is then refused', async () => {
    const fs = await deadOverwrite(4);
    expect(await fs.exists('/data/out')).to.equal(false);
    const { committer } = await nextSave(fs, 'ended', false);
    expect(committer).to.equal(undefined);
    expect(contents(fs, '/data/out')).to.deep.equal(OLD);
  });

  it('a cleanup that fails never fails the save, and loses nothing', async () => {
    const fs = await deadOverwrite(4);
    const rename = fs.rename.bind(fs);
    fs.rename = async (src, dst) => {
      if (src.endsWith('.replaced')) throw new Error('connection reset');
      return rename(src, dst);
    };
    const { committer, log } = await nextSave(fs, 'ended');
    expect(committer).to.not.equal(undefined);
    expect(log.join('\n')).to.match(/restore .*\.replaced to \/data\/out: connection reset/);
    expect(contents(fs, `/data/.out.spindle-${DEAD}-0.replaced`)).to.deep.equal(OLD);
  });

  describe('planLeftovers', () => {
    const l = (appId: string, job: number, kind: Leftover['kind']): Leftover => ({
      path: `/d/.o.spindle-${appId}-${job}${kind === 'replaced' ? '.replaced' : ''}`,
      appId,
      job,
      kind,
    });
    const A = 'application_1700000000000_0009';
    const B = 'application_1700000000000_0010';
    const C = 'application_1800000000000_0001';
    const ended = (...ids: string[]) => new Map(ids.map((id) => [id, 'ended' as const]));

    it('restores the newest old output of a missing output (RM start time, then sequence, then job) and removes the rest', () => {
      const all = [l(A, 0, 'replaced'), l(C, 0, 'replaced'), l(B, 3, 'replaced'), l(B, 1, 'staging')];
      const plan = planLeftovers(all, ended(A, B, C), false);
      expect(plan.restore).to.deep.equal(l(C, 0, 'replaced'));
      expect(plan.remove.map((x) => x.path).sort()).to.deep.equal(
        [l(A, 0, 'replaced').path, l(B, 3, 'replaced').path, l(B, 1, 'staging').path].sort(),
      );
      expect(planLeftovers([l(B, 1, 'replaced'), l(B, 2, 'replaced')], ended(B), false).restore).to.deep.equal(l(B, 2, 'replaced'));
    });

    it('restores nothing while an application that may still run has an old output aside beside the missing output', () => {
      const states = new Map([
        [A, 'ended' as const],
        [B, 'running' as const],
        [C, 'unknown' as const],
      ]);
      const plan = planLeftovers([l(A, 0, 'replaced'), l(A, 0, 'staging'), l(B, 0, 'replaced')], states, false);
      expect(plan.restore).to.equal(undefined);
      expect(plan.remove).to.deep.equal([l(A, 0, 'staging')]);
      expect(plan.keep.map((k) => k.reason)).to.deep.equal([
        'its application may still be running',
        'the output is missing and another application may be committing to it',
      ]);
      expect(planLeftovers([l(A, 0, 'replaced'), l(C, 0, 'replaced')], states, false).restore).to.equal(undefined);
      // Staging directories alone (new outputs, not yet in place) do not hold the old one back.
      const staged = planLeftovers([l(A, 0, 'replaced'), l(B, 0, 'staging'), l(C, 0, 'staging')], states, false);
      expect(staged.restore).to.deep.equal(l(A, 0, 'replaced'));
      expect(staged.keep.map((k) => k.reason)).to.deep.equal(['its application may still be running', 'its application is unknown']);
    });

    it('removes old outputs set aside when the output exists', () => {
      const plan = planLeftovers([l(A, 0, 'replaced')], ended(A), true);
      expect(plan.restore).to.equal(undefined);
      expect(plan.remove).to.deep.equal([l(A, 0, 'replaced')]);
    });

    it('names only our own hidden directories of this output', () => {
      expect(parseLeftover('out', `.out.spindle-${A}-12`)).to.deep.equal({ appId: A, job: 12, kind: 'staging' });
      expect(parseLeftover('out', `.out.spindle-${A}-0.replaced`)).to.deep.equal({ appId: A, job: 0, kind: 'replaced' });
      expect(parseLeftover('out', `.out2.spindle-${A}-0`)).to.equal(undefined);
      expect(parseLeftover('out', `.out.spindle-${A}-x`)).to.equal(undefined);
      expect(parseLeftover('out', '.out.spindle-app_1-0')).to.equal(undefined);
      expect(parseLeftover('out', `.out.spindle-${A}-0.replaced.bak`)).to.equal(undefined);
      // An output whose own name looks like ours is not confused with another's leftovers.
      expect(parseLeftover('a.spindle-x', `.a.spindle-x.spindle-${A}-0`)).to.deep.equal({ appId: A, job: 0, kind: 'staging' });
    });
  });

  it('cleanLeftovers with dryRun reports and changes nothing; an RM that cannot answer counts as unknown', async () => {
    const fs = await deadOverwrite(4);
    const before = [...fs.entries.keys()].sort();
    const dry = await cleanLeftovers(fs, '/data/out', async () => 'ended', { dryRun: true });
    expect(dry.restore?.path).to.equal(`/data/.out.spindle-${DEAD}-0.replaced`);
    expect(dry.remove.map((x) => x.path)).to.deep.equal([`/data/.out.spindle-${DEAD}-0`]);
    expect([...fs.entries.keys()].sort()).to.deep.equal(before);
    const failing = await cleanLeftovers(fs, '/data/out', () => Promise.reject(new Error('RM down')));
    expect(failing.restore).to.equal(undefined);
    expect(failing.remove).to.deep.equal([]);
    expect([...fs.entries.keys()].sort()).to.deep.equal(before);
  });
});
