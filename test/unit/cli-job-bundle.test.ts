import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../protocols/errors/index.js';
import { bundleJob, JobBundleError } from '../../client/job-bundle.js';
import { loadJobModule } from '../../protocols/job-spec/index.js';

describe('job bundling (esbuild)', function () {
  this.timeout(20_000);
  const dir = mkdtempSync(join(tmpdir(), 'spindle-job-'));
  writeFileSync(join(dir, 'lib.ts'), 'export const greet = (n: string): string => `hi ${n}`;\n');
  writeFileSync(join(dir, 'job.ts'), "import { greet } from './lib.js';\nconsole.log(greet(process.argv[2] ?? 'x'));\n");
  writeFileSync(join(dir, 'broken.ts'), 'const a = 1;\nconst b = ;\nconsole.log(a, b);\n');
  writeFileSync(join(dir, 'missing-import.mjs'), "import { nope } from './does-not-exist.mjs';\nnope();\n");

  it('bundles a TypeScript job with its imports into one ESM file that runs', async () => {
    const b = await bundleJob('job.ts', { cwd: dir });
    expect(b.code).to.include('hi ${n}');
    expect(b.code).to.include('createRequire');
    expect(b.code).to.not.match(/from ['"]\.\/lib/);
    const file = join(dir, 'out.mjs');
    writeFileSync(file, b.code);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync(process.execPath, [file, 'Ada'], { encoding: 'utf8' })).to.equal('hi Ada\n');
  });

  it("names the user's own file in a stack, wherever the bundle runs (as in a NodeManager's file cache)", async () => {
    writeFileSync(join(dir, 'throws.mjs'), "const s = JSON.parse('{r: 1}');\nexport default async () => s;\n");
    // Bundled from another working directory, run from a third place.
    const b = await bundleJob(join(dir, 'throws.mjs'), { cwd: tmpdir() });
    const elsewhere = mkdtempSync(join(tmpdir(), 'spindle-filecache-'));
    const file = join(elsewhere, '13', 'bundle.mjs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(elsewhere, '13'));
    writeFileSync(file, b.code);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--enable-source-maps', file], { encoding: 'utf8' });
    expect(r.stderr).to.include(`(${join(dir, 'throws.mjs')}:1:`);
  });

  it('points a syntax error at file:line:column with the line and a caret', async () => {
    const err = await bundleJob('broken.ts', { cwd: dir }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(JobBundleError);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.equal(
      'cannot bundle broken.ts; nothing was submitted:\nbroken.ts:2:11: error: Unexpected ";"\n  2 | const b = ;\n    |           ^',
    );
  });

  it('names an import that cannot be resolved', async () => {
    const err = await bundleJob('missing-import.mjs', { cwd: dir }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/missing-import\.mjs:1:22: error: Could not resolve "\.\/does-not-exist\.mjs"/);
  });

  it('rejects a missing file and other extensions before esbuild', async () => {
    expect(await bundleJob('nope.ts', { cwd: dir }).catch((e: unknown) => (e as Error).message)).to.match(
      /^job file nope\.ts: no such file \(looked at .*nope\.ts\)$/,
    );
    expect(await bundleJob('job.py', { cwd: dir }).catch((e: unknown) => (e as Error).message)).to.equal(
      'job file job.py: expected a .ts, .mts, .js, .mjs file',
    );
  });
});

describe('job entry point', function () {
  this.timeout(20_000);
  const dir = mkdtempSync(join(tmpdir(), 'spindle-entry-'));
  writeFileSync(join(dir, 'named.ts'), 'export async function main(ctx: unknown) {\n  return ctx;\n}\n');
  writeFileSync(join(dir, 'plain.mjs'), "console.log('a plain program');\n");
  writeFileSync(join(dir, 'good.mjs'), 'export default async function main() {\n  return 1;\n}\nexport const helper = 2;\n');
  writeFileSync(join(dir, 'not-fn.mjs'), 'export default { main: () => 1 };\n');

  it('refuses a job whose main is a named export, naming the file and the expected signature', async () => {
    const err = await bundleJob('named.ts', { cwd: dir }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(JobBundleError);
    expect((err as Error).message).to.equal(
      'job file named.ts: it exports main but has no default export, so nothing would run; ' +
        "a job's entry point is its default export:\n  export default async function main(ctx, args) { ... }\n" +
        '(a file without any export runs as a plain program)\nNothing was submitted.',
    );
  });

  it('accepts a default-exported main beside named exports, and a file with no exports (a plain program)', async () => {
    await bundleJob('good.mjs', { cwd: dir });
    await bundleJob('plain.mjs', { cwd: dir });
  });

  it('refuses at load (the driver) a default export that is not a function', async () => {
    const b = await bundleJob('not-fn.mjs', { cwd: dir });
    const file = join(dir, 'not-fn.bundle.mjs');
    writeFileSync(file, b.code);
    const err = await loadJobModule(file).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/its default export is not a function \(typeof object\)/);
  });
});
