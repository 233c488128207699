import { expect } from 'chai';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppJanitor, clusterClients, spindle, uniqueTag } from './cli-helpers.js';

/**
 * `spindle submit` end to end: a job file bundled with esbuild runs as the driver beside the AM;
 * its stdout comes back on stdout, its exit code decides ours, and broken or missing job files are
 * rejected before anything reaches the cluster. Tagged [rpc]: the AM path must also work under privacy.
 */
describe('[rpc] spindle submit', function () {
  this.timeout(300_000);
  const tag = uniqueTag('spindle-it-cli-submit');
  const janitor = new AppJanitor();
  const { rm, hdfs, config } = clusterClients();
  const dir = mkdtempSync(join(tmpdir(), 'spindle-it-jobs-'));
  const submit = async (args: string[], options: Parameters<typeof spindle>[1] = {}) => {
    const r = await spindle(['submit', '--tags', `spindle-it,${tag}`, ...args], options);
    janitor.add(...r.appIds);
    return r;
  };
  /** Our applications as the RM lists them (only this file's tag). */
  const ours = async (): Promise<string[]> => (await rm.list({ tags: [tag] })).map((a) => a.id).sort();

  after(async () => {
    hdfs.close();
    await janitor.cleanUp();
  });

  it('runs examples/hello-driver.mjs: its stdout on stdout, arguments and executor settings passed, exit 0', async () => {
    const r = await submit(['--executors', '3', '--executor-memory', '1g', 'examples/hello-driver.mjs', 'Ada', 'Grace']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^hello from the driver on \S+, Ada and Grace!\nexecutors requested: 3 x 1024 MB\n$/);
    expect(r.stderr).to.include('a note on stderr\n');
    expect(r.stderr).to.match(/FINISHED\/SUCCEEDED in /);
    expect(r.stderr).to.not.match(/spindle-am: /); // the AM's own log lines only with --verbose
  });

  it('bundles a TypeScript job with its imports', async () => {
    writeFileSync(join(dir, 'words.ts'), 'export function shout(s: string): string {\n  return s.toUpperCase();\n}\n');
    writeFileSync(
      join(dir, 'job.ts'),
      "import { shout } from './words.js';\nconst n: number = 6 * 7;\nconsole.log(shout(`answer ${n}`));\n",
    );
    const r = await submit([join(dir, 'job.ts')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('ANSWER 42\n');
  });

  it('exits 1 when the driver fails, with the last lines of its stderr', async () => {
    writeFileSync(join(dir, 'fail.mjs'), "console.error('something went wrong: input missing');\nprocess.exit(4);\n");
    const r = await submit([join(dir, 'fail.mjs')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/FINISHED\/FAILED in /);
    expect(r.stderr).to.match(/the driver exited with code 4/);
    // Once as the driver wrote it, once in the diagnostics; never again from the AM's log record.
    expect(r.stderr.split('something went wrong: input missing').length - 1).to.equal(2);
  });

  it('points a syntax error at file and line, and submits nothing', async () => {
    writeFileSync(join(dir, 'broken.ts'), 'const ok = 1;\nconst broken = (;\nconsole.log(ok);\n');
    const before = await ours();
    const r = await submit([join(dir, 'broken.ts')], { cwd: dir });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(
      /^spindle: cannot bundle \S*broken\.ts; nothing was submitted:\nbroken\.ts:2:17: error: Unexpected ";"\n {2}2 \| const broken = \(;\n/,
    );
    expect(r.appIds).to.deep.equal([]);
    expect(await ours()).to.deep.equal(before);
  });

  it('refuses a job whose main is a named export (exit 2, the expected signature, nothing submitted, no stack)', async () => {
    writeFileSync(join(dir, 'named.mjs'), 'export async function main(ctx) {\n  return ctx.range(3).count();\n}\n');
    const before = await ours();
    const r = await submit([join(dir, 'named.mjs')], { cwd: dir });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('it exports main but has no default export, so nothing would run');
    expect(r.stderr).to.contain('  export default async function main(ctx, args) { ... }');
    expect(r.stderr).not.to.match(/\n\s+at /);
    expect(r.appIds).to.deep.equal([]);
    expect(await ours()).to.deep.equal(before);
  });

  it('runs the AM, driver and executors with a --node path holding spaces, quotes and $', async () => {
    const weird = join(dir, `node's "dir" $HOME`);
    mkdirSync(weird, { recursive: true });
    symlinkSync(process.execPath, join(weird, 'node'));
    writeFileSync(join(dir, 'count.mjs'), 'export default async function main(ctx) {\n  return ctx.range(10, 2).count();\n}\n');
    const r = await submit(['--node', join(weird, 'node'), '--executors', '1', join(dir, 'count.mjs')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('10');
  });

  it('rejects a missing job file before contacting the cluster', async () => {
    const before = await ours();
    const r = await submit(['no-such-job.ts']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^spindle: job file no-such-job\.ts: no such file \(looked at \S+no-such-job\.ts\)\n$/);
    expect(await ours()).to.deep.equal(before);
  });

  it('rejects --executor-memory above the cluster maximum before submitting', async () => {
    const r = await submit(['--executor-memory', '8g', 'examples/hello-driver.mjs']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--executor-memory of 8192 MB is more than the cluster allows \(4096 MB/);
    expect(r.appIds).to.deep.equal([]);
  });

  it('refuses --executors the running nodes can never hold at once: exit 2, the limit and the fix, no application, no staging', async () => {
    const nodes = await rm.nodes({ states: ['RUNNING'] });
    const totalMb = nodes.reduce((sum, n) => sum + n.usedMemoryMb + n.availMemoryMb, 0);
    // Below the absolute ceiling, so only the cluster can refuse it.
    const huge = 50_000;
    const before = await ours();
    const r = await submit(['--verbose', '--executors', String(huge), '--executor-memory', '512m', 'examples/hello-driver.mjs']);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(
      new RegExp(
        `^spindle: --executors ${huge}: this cluster can run at most \\d+ executors of 512 MB at once beside the 512 MB driver ` +
          `\\(${nodes.length} running nodes?, ${totalMb} MB in all\\); lower --executors to \\d+ or fewer, or make --executor-memory smaller$`,
        'm',
      ),
    );
    expect(r.appIds).to.deep.equal([]);
    expect(await ours()).to.deep.equal(before);
    // The id reserved before the check was never submitted, and nothing was staged for it.
    const reserved = /reserved (application_\d+_\d+)/.exec(r.stderr)?.[1];
    expect(reserved, r.stderr).to.be.a('string');
    expect(await hdfs.exists(`/user/${config.user}/.spindle/${reserved}`)).to.equal(false);
    const known = await rm.application(reserved!).then(
      () => true,
      () => false,
    );
    expect(known).to.equal(false);
  });
});
