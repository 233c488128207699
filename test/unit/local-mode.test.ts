import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../../client/index.js';
import { runLocal } from '../../client/testing.js';

/**
 * Local mode end to end with no cluster: the driver runtime in this process, executor processes
 * started from dist/bundle/spindle-executor.mjs, local files. The semantic checks the integration
 * tests make on the cluster (line splitting, Avro splits, shuffles, joins, sort order, output
 * commit), an executor killed in the middle of a job, and the CLI with no Hadoop and no Java.
 */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'client', 'cli.js');

describe('local mode (spindle submit --local, spindle/testing)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-local-mode-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every line once across split boundaries (LF, CRLF, a last line without newline)', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
    const input = join(dir, 'lines.txt');
    writeFileSync(
      input,
      `${lines
        .map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`))
        .join('')
        .trimEnd()}`,
    );
    const r = await runLocal(
      async (ctx: Context, [path]: string[]) => {
        const ds = ctx.textFile(path!, { minPartitions: 7 });
        return { parts: await ds.numPartitions(), lines: await ds.collect() };
      },
      { args: [input] },
    );
    expect(r.parts).to.be.at.least(7);
    expect(r.lines).to.deep.equal(lines);
  });

  it('writes and reads back Avro split at sync markers, and JSON lines', async () => {
    const out = join(dir, 'avro-out');
    const r = await runLocal(
      async (ctx: Context, [avroDir, jsonDir]: string[]) => {
        const schema = {
          type: 'record',
          name: 'R',
          fields: [
            { name: 'id', type: 'int' },
            { name: 's', type: 'string' },
          ],
        };
        const records = ctx.range(20_000, 3).map((id) => ({ id, s: `v${id}`.repeat(5) }));
        await records.saveAsAvroFile(avroDir!, schema);
        await records.saveAsJsonFile(jsonDir!);
        const back = ctx.avroFile<{ id: number; s: string }>(avroDir!, { minPartitions: 6 });
        const ids = await back.map((x) => x.id).collect();
        const json = await ctx
          .jsonFile<{ id: number }>(jsonDir!, { minPartitions: 5 })
          .map((x) => x.id)
          .collect();
        return { parts: await back.numPartitions(), ids, json };
      },
      { args: [out, join(dir, 'json-out')] },
    );
    const want = Array.from({ length: 20_000 }, (_, i) => i);
    expect(r.parts).to.be.at.least(6);
    expect([...r.ids].sort((a, b) => a - b)).to.deep.equal(want);
    expect(r.json).to.deep.equal(want);
    expect(readdirSync(out).sort()).to.deep.equal(['_SUCCESS', 'part-00000.avro', 'part-00001.avro', 'part-00002.avro']);
  });

  it('shuffles, joins and sorts as on the cluster', async () => {
    const r = await runLocal(async (ctx: Context) => {
      const words = ctx.parallelize('b a c a b a d e e e e'.split(' '), 3);
      const counts = words.map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b, { partitions: 4 });
      const names = ctx.parallelize(
        [
          ['a', 'alpha'],
          ['b', 'beta'],
          ['e', 'epsilon'],
          ['z', 'zeta'],
        ] as [string, string][],
        2,
      );
      return {
        counts: await counts.sortBy((kv) => kv[0]).collect(),
        joined: await counts
          .join(names)
          .sortBy((kv) => kv[0], { ascending: false })
          .collect(),
        byCount: await counts
          .sortBy((kv) => kv[1], { ascending: false, partitions: 2 })
          .map((kv) => kv[0])
          .take(2),
      };
    });
    expect(r.counts).to.deep.equal([
      ['a', 3],
      ['b', 2],
      ['c', 1],
      ['d', 1],
      ['e', 4],
    ]);
    expect(r.joined).to.deep.equal([
      ['e', [4, 'epsilon']],
      ['b', [2, 'beta']],
      ['a', [3, 'alpha']],
    ]);
    expect(r.byCount).to.deep.equal(['e', 'a']);
  });

  it('commits output as on HDFS: part files and _SUCCESS, no overwrite unless asked, nothing hidden left', async () => {
    const out = join(dir, 'commit', 'out');
    const save = (overwrite: boolean, n: number) =>
      runLocal(
        async (ctx: Context, [path, flag, count]: string[]) => {
          await ctx.range(Number(count), 2).saveAsTextFile(path!, { overwrite: flag === 'yes' });
          return 'saved';
        },
        { args: [out, overwrite ? 'yes' : 'no', String(n)] },
      );
    expect(await save(false, 10)).to.equal('saved');
    expect(readdirSync(out).sort()).to.deep.equal(['_SUCCESS', 'part-00000', 'part-00001']);
    const err = await save(false, 4).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/already exists; remove it or pass \{ overwrite: true \}/);
    expect(await save(true, 4)).to.equal('saved');
    expect(readFileSync(join(out, 'part-00000'), 'utf8') + readFileSync(join(out, 'part-00001'), 'utf8')).to.equal('0\n1\n2\n3\n');
    expect(readdirSync(join(dir, 'commit'))).to.deep.equal(['out']);
  });

  it('replaces an executor that dies and retries its task', async () => {
    const marker = join(dir, 'killed-once');
    const job = join(dir, 'dies-once.mjs');
    // The first attempt of the task holding 3 kills its own executor (SIGKILL, as the OOM killer would).
    writeFileSync(
      job,
      `import { existsSync, writeFileSync } from 'node:fs';
       export default async function main(ctx, [marker]) {
         return ctx.parallelize([1, 2, 3, 4], 4).map((x) => {
           if (x === 3 && !existsSync(marker)) {
             writeFileSync(marker, 'x');
             process.kill(process.pid, 'SIGKILL');
           }
           return x * 10;
         }).collect();
       }`,
    );
    const logs: string[] = [];
    // One executor: the job can only finish on a replacement, so the replacement is not left to a race with
    // the retry on a surviving executor.
    const result = await runLocal(job, { args: [marker], executors: 1, log: (l) => logs.push(l) });
    expect(result).to.deep.equal([10, 20, 30, 40]);
    expect(existsSync(marker)).to.equal(true);
    expect(
      logs.some((l) => /executor 1 \(local_executor_1\) was killed by SIGKILL/.test(l)),
      logs.join('\n'),
    ).to.equal(true);
    expect(
      logs.some((l) => /executor 2 starting in local_executor_2/.test(l)),
      logs.join('\n'),
    ).to.equal(true);
  });

  it('rejects with the task error of a failing job', async () => {
    const err = await runLocal(async (ctx: Context) =>
      ctx
        .parallelize([1, 2], 2)
        .map((x) => {
          if (x === 2) throw new Error('bad record 2');
          return x;
        })
        .collect(),
    ).catch((e: unknown) => e);
    expect((err as Error).name).to.equal('TaskFailedError');
    expect((err as Error).message).to.match(/bad record 2/);
  });

  describe('the CLI with no Hadoop configuration and no Java', () => {
    // A PATH holding only `node` (a link to this one): no java, no hadoop; no HADOOP_CONF_DIR or JAVA_HOME.
    let bin: string;
    before(() => {
      bin = join(dir, 'bin');
      mkdirSync(bin);
      symlinkSync(process.execPath, join(bin, 'node'));
    });
    const bare = (): Record<string, string> => ({ PATH: bin, HOME: process.env.HOME ?? dir, TMPDIR: tmpdir() });
    const cli = (args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(join(bin, 'node'), [CLI, ...args], { cwd, env: bare(), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });

    it('runs a job: the result line on stdout, progress on stderr, exit 0', async () => {
      expect(readdirSync(bin)).to.deep.equal(['node']);
      writeFileSync(join(dir, 'words.txt'), 'to be or not to be\n');
      const example = join(dirname(CLI), '..', '..', 'examples', 'wordcount.ts');
      const run = await cli(['submit', '--local=2', example, 'words.txt', 'counts'], dir);
      expect(run.code, run.stderr).to.equal(0);
      const r = JSON.parse(run.stdout) as { words: number; distinct: number; top: [string, number][] };
      expect([r.words, r.distinct]).to.deep.equal([6, 4]);
      // Equal counts may come in any order: the counts in order, and the words they belong to.
      expect(r.top.map((kv) => kv[1])).to.deep.equal([2, 2, 1, 1]);
      expect(
        r.top
          .slice(0, 2)
          .map((kv) => kv[0])
          .sort(),
      ).to.deep.equal(['be', 'to']);
      expect(
        r.top
          .slice(2)
          .map((kv) => kv[0])
          .sort(),
      ).to.deep.equal(['not', 'or']);
      expect(run.stdout.split('\n')).to.have.length(2);
      expect(run.stderr).to.match(/in local mode: 2 executor\(s\)/);
      expect(run.stderr).to.match(/spindle-driver: stage \d+ .*\[succeeded\]/);
      expect(readdirSync(join(dir, 'counts'))).to.include('_SUCCESS');
    });

    it('exits 1 when the job fails and 2 for a job file that is not there; --master local[1] works too', async () => {
      writeFileSync(
        join(dir, 'fails.mjs'),
        "export default async (ctx) => ctx.range(3).map((x) => { throw new Error('no ' + x); }).count();\n",
      );
      const failed = await cli(['submit', '--master', 'local[1]', 'fails.mjs'], dir);
      expect(failed.code).to.equal(1);
      expect(failed.stdout).to.equal('');
      expect(failed.stderr).to.match(/the job failed: [\s\S]*Error: no \d/);
      const missing = await cli(['submit', '--local', 'missing.ts'], dir);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.match(/missing\.ts/);
    });
  });
});
